package host

import "errors"

func builtinForeignFunctions() map[string]ForeignFunc {
	return map[string]ForeignFunc{"verify_signature": VerifySignature}
}

// hostCallForeignFunction runs a registered ForeignFunc. As in Envoy, the
// result is written (0/0 when there is none, and only if the result pointer
// is non-zero) before the function's status is returned, also on error.
func hostCallForeignFunction(w *worker, p []uint64) Status {
	name, ok1 := w.readString(u32(p[0]), u32(p[1]))
	args, ok2 := w.readBytes(u32(p[2]), u32(p[3]))
	if !ok1 || !ok2 {
		return StatusInvalidMemoryAccess
	}
	if w.tracing() {
		w.note("name=%q args=%d bytes", name, len(args))
	}
	f := w.host.foreign[name]
	if f == nil {
		return StatusNotFound
	}
	result, err := f(args)
	if u32(p[4]) != 0 {
		if st := w.writeResult(result, u32(p[4]), u32(p[5])); st != StatusOK {
			return st
		}
	}
	return foreignStatus(err)
}

// foreignStatus maps a ForeignFunc error to the status the module receives.
func foreignStatus(err error) Status {
	if err == nil {
		return StatusOK
	}
	var st Status
	if errors.As(err, &st) {
		return st
	}
	return StatusInternalFailure
}
