package host

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// WASI errno values (wasi_snapshot_preview1).
const (
	errnoSuccess  = 0
	errnoBadf     = 8
	errnoExist    = 20
	errnoFault    = 21
	errnoInval    = 28
	errnoNoent    = 44
	errnoNosys    = 52
	errnoNotsup   = 58
	maxRandomSize = 64 << 10
)

// wasiFunc is one wasi_snapshot_preview1 function as Envoy implements it
// (proxy-wasm-cpp-host exports.cc): stdio writes become log lines, clocks
// read the Host's Clock, and file, socket and process functions are stubs.
type wasiFunc struct {
	name   string
	params string // 'i' for i32, 'I' for i64
	impl   func(w *worker, p []uint64) uint32
}

func constErrno(errno uint32) func(*worker, []uint64) uint32 {
	return func(*worker, []uint64) uint32 { return errno }
}

// stdioOnly returns 0 for fd 1 and 2, else BADF.
func stdioOnly(w *worker, p []uint64) uint32 {
	if fd := u32(p[0]); fd == 1 || fd == 2 {
		return errnoSuccess
	}
	return errnoBadf
}

func wasiFuncs() []wasiFunc {
	return []wasiFunc{
		{"args_get", "ii", constErrno(errnoSuccess)},
		{"args_sizes_get", "ii", writeZeros},
		{"environ_get", "ii", wasiEnvironGet},
		{"environ_sizes_get", "ii", wasiEnvironSizesGet},
		{"clock_time_get", "iIi", wasiClockTimeGet},
		{"clock_res_get", "ii", wasiClockResGet},
		{"fd_write", "iiii", wasiFdWrite},
		{"fd_pwrite", "iiiIi", wasiFdPwrite},
		{"fd_read", "iiii", constErrno(errnoNosys)},
		{"fd_pread", "iiiIi", constErrno(errnoNosys)},
		{"fd_seek", "iIii", constErrno(errnoSuccess)},
		{"fd_tell", "ii", wasiFdTell},
		{"fd_close", "i", constErrno(errnoSuccess)},
		{"fd_fdstat_get", "ii", wasiFdstatGet},
		{"fd_fdstat_set_flags", "ii", constErrno(errnoNosys)},
		{"fd_fdstat_set_rights", "iII", stdioOnly},
		{"fd_prestat_get", "ii", constErrno(errnoBadf)},
		{"fd_prestat_dir_name", "iii", constErrno(errnoNosys)},
		{"fd_advise", "iIIi", constErrno(errnoSuccess)},
		{"fd_allocate", "iII", stdioOnly},
		{"fd_datasync", "i", stdioOnly},
		{"fd_sync", "i", stdioOnly},
		{"fd_filestat_get", "ii", constErrno(errnoBadf)},
		{"fd_filestat_set_size", "iI", stdioOnly},
		{"fd_filestat_set_times", "iIIi", stdioOnly},
		{"fd_readdir", "iiiIi", constErrno(errnoExist)},
		{"fd_renumber", "ii", stdioOnly},
		{"path_create_directory", "iii", constErrno(errnoNotsup)},
		{"path_filestat_get", "iiiii", constErrno(errnoNotsup)},
		{"path_filestat_set_times", "iiiiIIi", constErrno(errnoNotsup)},
		{"path_link", "iiiiiii", constErrno(errnoNotsup)},
		{"path_open", "iiiiiIIii", constErrno(errnoNoent)},
		{"path_readlink", "iiiiii", wasiPathReadlink},
		{"path_remove_directory", "iii", constErrno(errnoNotsup)},
		{"path_rename", "iiiiii", constErrno(errnoNotsup)},
		{"path_symlink", "iiiii", constErrno(errnoNotsup)},
		{"path_unlink_file", "iii", constErrno(errnoNotsup)},
		{"poll_oneoff", "iiii", wasiPollOneoff},
		{"proc_exit", "i", nil},
		{"random_get", "ii", wasiRandomGet},
		{"sched_yield", "", constErrno(errnoSuccess)},
		{"sock_accept", "iii", constErrno(errnoNotsup)},
		{"sock_recv", "iiiiii", constErrno(errnoNotsup)},
		{"sock_send", "iiiii", constErrno(errnoNotsup)},
		{"sock_shutdown", "ii", constErrno(errnoNotsup)},
	}
}

// instantiateWASI links the wasi_snapshot_preview1 host module.
func (h *Host) instantiateWASI(ctx context.Context) error {
	b := h.runtime.NewHostModuleBuilder("wasi_snapshot_preview1")
	for _, f := range wasiFuncs() {
		params := make([]api.ValueType, len(f.params))
		for i, c := range f.params {
			params[i] = api.ValueTypeI32
			if c == 'I' {
				params[i] = api.ValueTypeI64
			}
		}
		var results []api.ValueType
		fn := wasiFunction(f)
		if f.name == "proc_exit" {
			fn = wasiProcExit
		} else {
			results = []api.ValueType{api.ValueTypeI32}
		}
		b.NewFunctionBuilder().WithGoModuleFunction(fn, params, results).Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

func wasiFunction(f wasiFunc) api.GoModuleFunc {
	return func(ctx context.Context, _ api.Module, stack []uint64) {
		w := ctx.Value(workerKey{}).(*worker)
		stack[0] = uint64(f.impl(w, stack))
	}
}

// wasiProcExit logs and returns, as Envoy does: it does not stop the VM.
func wasiProcExit(ctx context.Context, _ api.Module, stack []uint64) {
	w := ctx.Value(workerKey{}).(*worker)
	w.log(LogInfo, w.activeID(), fmt.Sprintf("wasi proc_exit(%d) called; the host ignores it", int32(u32(stack[0]))))
}

// writeZeros writes 0 to both out-pointers (args_sizes_get: no
// arguments).
func writeZeros(w *worker, p []uint64) uint32 {
	if !w.mem.WriteUint32Le(u32(p[0]), 0) || !w.mem.WriteUint32Le(u32(p[1]), 0) {
		return errnoFault
	}
	return errnoSuccess
}

func wasiClockTimeGet(w *worker, p []uint64) uint32 {
	var ns int64
	switch u32(p[0]) {
	case 0:
		ns = w.host.clock.Now().UnixNano()
	case 1:
		ns = int64(w.host.clock.Monotonic())
	default:
		return errnoNotsup
	}
	if !w.mem.WriteUint64Le(u32(p[2]), uint64(ns)) {
		return errnoFault
	}
	return errnoSuccess
}

func wasiClockResGet(w *worker, p []uint64) uint32 {
	if !w.mem.WriteUint64Le(u32(p[1]), 1) {
		return errnoFault
	}
	return errnoSuccess
}

// wasiFdWrite logs one line per call: fd 1 at info, fd 2 at error, with
// one trailing newline removed.
func wasiFdWrite(w *worker, p []uint64) uint32 {
	fd, iovs, count, nwritten := u32(p[0]), u32(p[1]), u32(p[2]), u32(p[3])
	if fd != 1 && fd != 2 {
		return errnoBadf
	}
	var b strings.Builder
	for i := uint32(0); i < count; i++ {
		vec, ok := w.view(iovs+8*i, 8)
		if !ok {
			return errnoFault
		}
		data, ok := w.view(binary.LittleEndian.Uint32(vec), binary.LittleEndian.Uint32(vec[4:]))
		if !ok {
			return errnoFault
		}
		b.Write(data)
	}
	if !w.mem.WriteUint32Le(nwritten, uint32(b.Len())) {
		return errnoFault
	}
	level := LogInfo
	if fd == 2 {
		level = LogError
	}
	w.log(level, w.activeID(), strings.TrimSuffix(b.String(), "\n"))
	return errnoSuccess
}

func wasiFdPwrite(w *worker, p []uint64) uint32 {
	return wasiFdWrite(w, []uint64{p[0], p[1], p[2], p[4]})
}

func wasiFdTell(w *worker, p []uint64) uint32 {
	if errno := stdioOnly(w, p); errno != errnoSuccess {
		return errno
	}
	if !w.mem.WriteUint64Le(u32(p[1]), 0) {
		return errnoFault
	}
	return errnoSuccess
}

// wasiFdstatGet describes fd 1 and 2 as writable: 24 bytes, rights_base
// FD_WRITE (64), the rest zero.
func wasiFdstatGet(w *worker, p []uint64) uint32 {
	if errno := stdioOnly(w, p); errno != errnoSuccess {
		return errno
	}
	var stat [24]byte
	binary.LittleEndian.PutUint64(stat[8:], 64)
	if !w.mem.Write(u32(p[1]), stat[:]) {
		return errnoFault
	}
	return errnoSuccess
}

func wasiPathReadlink(w *worker, p []uint64) uint32 {
	if !w.mem.WriteUint32Le(u32(p[5]), 0) {
		return errnoFault
	}
	return errnoNotsup
}

// wasiPollOneoff reports no event and returns at once: Envoy never sleeps
// in it (proxy-wasm-cpp-host since 94091cd).
func wasiPollOneoff(w *worker, p []uint64) uint32 {
	if !w.mem.WriteUint32Le(u32(p[3]), 0) {
		return errnoFault
	}
	return errnoSuccess
}

func wasiRandomGet(w *worker, p []uint64) uint32 {
	size := u32(p[1])
	if size > maxRandomSize {
		return errnoInval
	}
	buf, ok := w.view(u32(p[0]), size)
	if !ok {
		return errnoFault
	}
	_, _ = rand.Read(buf)
	return errnoSuccess
}

// environ returns Options.Environment as WASI's "KEY=VALUE\x00" strings,
// sorted by key, as Envoy passes vm_config.environment_variables.
func (h *Host) environ() []string {
	keys := make([]string, 0, len(h.opts.Environment))
	for key := range h.opts.Environment {
		keys = append(keys, key)
	}
	slices.Sort(keys)

	env := make([]string, len(keys))
	for i, key := range keys {
		env[i] = key + "=" + h.opts.Environment[key] + "\x00"
	}
	return env
}

func wasiEnvironSizesGet(w *worker, p []uint64) uint32 {
	env := w.host.environ()
	size := 0
	for _, entry := range env {
		size += len(entry)
	}
	if !w.mem.WriteUint32Le(u32(p[0]), uint32(len(env))) || !w.mem.WriteUint32Le(u32(p[1]), uint32(size)) {
		return errnoFault
	}
	return errnoSuccess
}

// wasiEnvironGet writes one pointer per entry at p[0] and the entries, each
// NUL-terminated, at p[1].
func wasiEnvironGet(w *worker, p []uint64) uint32 {
	pointers, buf := u32(p[0]), u32(p[1])
	for i, entry := range w.host.environ() {
		if !w.mem.WriteUint32Le(pointers+4*uint32(i), buf) || !w.mem.WriteString(buf, entry) {
			return errnoFault
		}
		buf += uint32(len(entry))
	}
	return errnoSuccess
}
