package host

import "strings"

// headerMap returns map type mt of the active context, if the filter may
// access it now (for writing when write is set). When it may not, the
// status is BadArgument, or NotFound during proxy_on_log, as in Envoy.
func (w *worker) headerMap(mt uint32, write bool) (*headerMap, Status) {
	switch {
	case mt > mapHTTPCallResponseTrailer:
		return nil, StatusBadArgument
	case mt == mapHTTPCallResponseHeaders || mt == mapHTTPCallResponseTrailer:
		if w.callout == nil || write {
			return nil, StatusBadArgument
		}
		if mt == mapHTTPCallResponseHeaders {
			return w.callout.headers, StatusOK
		}
		return w.callout.trailers, StatusOK
	}
	s := w.activeStream()
	if s == nil {
		return nil, StatusBadArgument
	}
	if m := s.headerMap(mt, write); m != nil {
		return m, StatusOK
	}
	if s.inLog {
		return nil, StatusNotFound
	}
	return nil, StatusBadArgument
}

// headerMap applies Envoy's availability windows to the stream's maps.
func (s *Stream) headerMap(mt uint32, write bool) *headerMap {
	logRead := s.inLog && !write
	switch mt {
	case mapRequestHeaders:
		if s.request.headersOpen || logRead {
			return s.reqHeaders
		}
	case mapRequestTrailers:
		return s.trailerMap(&s.request, &s.reqTrailers, write, false)
	case mapResponseHeaders:
		if s.response.headersOpen || logRead {
			return s.respHeaders
		}
	case mapResponseTrailers:
		return s.trailerMap(&s.response, &s.respTrailers, write, logRead)
	}
	return nil
}

// trailerMap returns a trailer map; a write during the final body callback
// of a message without trailers creates it.
func (s *Stream) trailerMap(d *direction, m **headerMap, write, logRead bool) *headerMap {
	if d.trailersOpen || logRead {
		return *m
	}
	if d.trailersCreatable && (write || *m != nil) {
		if *m == nil {
			*m = newHeaderMap(nil)
		}
		return *m
	}
	return nil
}

// readMapKey reads the map type and the header name of a header-map
// hostcall from p[0:3], with the name lower-cased as Envoy does.
func (w *worker) readMapKey(p []uint64) (uint32, string, Status) {
	mt := u32(p[0])
	if mt > mapHTTPCallResponseTrailer {
		return 0, "", StatusBadArgument
	}
	key, ok := w.readString(u32(p[1]), u32(p[2]))
	if !ok {
		return 0, "", StatusInvalidMemoryAccess
	}
	key = strings.ToLower(key)
	if w.tracing() {
		w.note("map=%d key=%q", mt, key)
	}
	return mt, key, StatusOK
}

func hostGetHeaderMapValue(w *worker, p []uint64) Status {
	mt, key, st := w.readMapKey(p)
	if st != StatusOK {
		return st
	}
	m, st := w.headerMap(mt, false)
	if st != StatusOK {
		return st
	}
	value, found := m.get(key)
	if !found {
		return StatusNotFound
	}
	return w.writeResult([]byte(value), u32(p[3]), u32(p[4]))
}

func hostGetHeaderMapPairs(w *worker, p []uint64) Status {
	mt := u32(p[0])
	if mt > mapHTTPCallResponseTrailer {
		return StatusBadArgument
	}
	if w.tracing() {
		w.note("map=%d", mt)
	}
	var data []byte
	if m, st := w.headerMap(mt, false); st == StatusOK && m != nil {
		data = m.serialize()
	}
	return w.writeMapResult(data, u32(p[1]), u32(p[2]))
}

// headerEdit reads a key and value for add and replace.
func (w *worker) headerEdit(p []uint64) (*headerMap, string, string, Status) {
	mt, key, st := w.readMapKey(p)
	if st != StatusOK {
		return nil, "", "", st
	}
	value, ok := w.readString(u32(p[3]), u32(p[4]))
	if !ok {
		return nil, "", "", StatusInvalidMemoryAccess
	}
	m, st := w.headerMap(mt, true)
	if st != StatusOK {
		return nil, "", "", StatusBadArgument
	}
	return m, key, value, StatusOK
}

func hostAddHeaderMapValue(w *worker, p []uint64) Status {
	m, key, value, st := w.headerEdit(p)
	if st == StatusOK {
		m.add(key, value)
	}
	return st
}

func hostReplaceHeaderMapValue(w *worker, p []uint64) Status {
	m, key, value, st := w.headerEdit(p)
	if st == StatusOK {
		m.replace(key, value)
	}
	return st
}

func hostRemoveHeaderMapValue(w *worker, p []uint64) Status {
	mt, key, st := w.readMapKey(p)
	if st != StatusOK {
		return st
	}
	m, st := w.headerMap(mt, true)
	if st != StatusOK {
		return StatusBadArgument
	}
	m.remove(key)
	return StatusOK
}

func hostSetHeaderMapPairs(w *worker, p []uint64) Status {
	mt := u32(p[0])
	if mt > mapHTTPCallResponseTrailer {
		return StatusBadArgument
	}
	data, ok := w.view(u32(p[1]), u32(p[2]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	pairs := ParseHeaderMap(data)
	if w.tracing() {
		w.note("map=%d pairs=%d", mt, len(pairs))
	}
	m, st := w.headerMap(mt, true)
	if st != StatusOK {
		return StatusBadArgument
	}
	m.setAll(pairs)
	return StatusOK
}

func hostGetHeaderMapSize(w *worker, p []uint64) Status {
	mt := u32(p[0])
	if mt >= mapGrpcInitialMetadata {
		return StatusBadArgument
	}
	m, st := w.headerMap(mt, true)
	if st != StatusOK {
		return StatusBadArgument
	}
	if !w.mem.WriteUint32Le(u32(p[1]), uint32(m.byteSize())) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// buffer returns the bytes of buffer type bt that the active context may
// read now. present is false where Envoy has no buffer (NotFound).
func (w *worker) buffer(bt uint32) (data []byte, present bool) {
	switch bt {
	case bufferRequestBody, bufferResponseBody:
		if s := w.activeStream(); s != nil {
			d := &s.request
			if bt == bufferResponseBody {
				d = &s.response
			}
			if d.body.open {
				return d.body.visible(), true
			}
		}
		return nil, true
	case bufferHTTPCallResponse:
		if w.callout == nil {
			return nil, false
		}
		return w.callout.body, true
	case bufferGrpcReceive:
		return nil, true
	case bufferVMConfiguration:
		return w.host.opts.VMConfig, true
	case bufferPluginConfiguration:
		return w.host.opts.PluginConfig, w.pluginConfigOpen
	}
	return nil, false
}

func hostGetBufferBytes(w *worker, p []uint64) Status {
	bt, start, length := u32(p[0]), u32(p[1]), u32(p[2])
	if bt > bufferCallData {
		return StatusBadArgument
	}
	if w.tracing() {
		w.note("buffer=%d start=%d max=%d", bt, start, length)
	}
	data, present := w.buffer(bt)
	if !present {
		return StatusNotFound
	}
	if start+length < start {
		return StatusBadArgument
	}
	if int64(start) >= int64(len(data)) {
		return w.writeResult(nil, u32(p[3]), u32(p[4]))
	}
	end := min(int64(start)+int64(length), int64(len(data)))
	return w.writeResult(data[start:end], u32(p[3]), u32(p[4]))
}

func hostGetBufferStatus(w *worker, p []uint64) Status {
	bt := u32(p[0])
	if bt > bufferCallData {
		return StatusBadArgument
	}
	data, present := w.buffer(bt)
	if !present {
		return StatusNotFound
	}
	if !w.mem.WriteUint32Le(u32(p[1]), uint32(len(data))) || !w.mem.WriteUint32Le(u32(p[2]), 0) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// hostSetBufferBytes applies Envoy's Buffer::copyFrom to the visible body:
// start 0 drops the first size bytes and prepends the data, start at or past
// the end appends, any other start is BadArgument.
func hostSetBufferBytes(w *worker, p []uint64) Status {
	bt, start, size := u32(p[0]), u32(p[1]), u32(p[2])
	if bt > bufferCallData {
		return StatusBadArgument
	}
	if w.tracing() {
		w.note("buffer=%d start=%d size=%d", bt, start, size)
	}
	if _, present := w.buffer(bt); !present {
		return StatusNotFound
	}
	data, ok := w.readBytes(u32(p[3]), u32(p[4]))
	if !ok {
		return StatusInvalidMemoryAccess
	}

	s := w.activeStream()
	if (bt != bufferRequestBody && bt != bufferResponseBody) || s == nil {
		return StatusBadArgument
	}
	b := &s.request.body
	if bt == bufferResponseBody {
		b = &s.response.body
	}
	if !b.open {
		return StatusBadArgument
	}

	visible := b.visible()
	var next []byte
	switch {
	case start == 0:
		drop := min(int(size), len(visible))
		next = append(data, visible[drop:]...)
	case int(start) >= len(visible):
		next = append(append([]byte(nil), visible...), data...)
	default:
		return StatusBadArgument
	}
	b.data = append(b.data[:b.window], next...)
	return StatusOK
}
