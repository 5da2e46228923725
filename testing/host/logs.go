package host

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// maxLogEntries bounds the captured log, so that a long-running dev proxy does
// not grow without limit; the oldest half is dropped when it is reached.
const maxLogEntries = 1 << 16

// LogEntry is one message of the module: proxy_log, or a WASI write to
// stdout (info) or stderr (error), or a host message about the VM (a trap).
type LogEntry struct {
	Time      time.Time
	Level     LogLevel
	Worker    int
	ContextID uint32
	Message   string
}

// logStore keeps the captured entries and writes the optional sink.
type logStore struct {
	mu      sync.Mutex
	entries []LogEntry
	dropped int
	sink    io.Writer
}

func (s *logStore) add(e LogEntry, prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.entries) >= maxLogEntries {
		half := len(s.entries) / 2
		s.dropped += half
		s.entries = append(s.entries[:0], s.entries[half:]...)
	}
	s.entries = append(s.entries, e)
	if s.sink != nil {
		// Envoy prints "wasm log <plugin> <root_id> <vm_id>: <message>" on its wasm logger.
		fmt.Fprintf(s.sink, "[%s][%s][wasm][worker %d] wasm log%s: %s\n",
			e.Time.Format("2006-01-02 15:04:05.000"), e.Level, e.Worker, prefix, e.Message)
	}
}

// Logs returns a copy of every captured entry, oldest first. At most 65536
// entries are kept; older ones are dropped.
func (h *Host) Logs() []LogEntry {
	h.logs.mu.Lock()
	defer h.logs.mu.Unlock()
	return append([]LogEntry(nil), h.logs.entries...)
}

// LogsAt returns the captured entries of one level.
func (h *Host) LogsAt(level LogLevel) []LogEntry {
	h.logs.mu.Lock()
	defer h.logs.mu.Unlock()
	var out []LogEntry
	for _, e := range h.logs.entries {
		if e.Level == level {
			out = append(out, e)
		}
	}
	return out
}

// ResetLogs drops every captured entry.
func (h *Host) ResetLogs() {
	h.logs.mu.Lock()
	defer h.logs.mu.Unlock()
	h.logs.entries = nil
	h.logs.dropped = 0
}

// errorLogs returns the error and critical messages, for New's error.
func (h *Host) errorLogs() string {
	var lines []string
	for _, e := range h.Logs() {
		if e.Level >= LogError && e.Level <= LogCritical {
			lines = append(lines, fmt.Sprintf("[worker %d][%s] %s", e.Worker, e.Level, e.Message))
		}
	}
	if len(lines) == 0 {
		return "the module logged no error"
	}
	return "module errors: " + strings.Join(lines, "; ")
}

// log captures a message of the context id on worker w, when the level is
// at or above Options.LogLevel.
func (w *worker) log(level LogLevel, contextID uint32, message string) {
	h := w.host
	if level < h.opts.LogLevel || level > LogCritical {
		return
	}
	e := LogEntry{Time: h.clock.Now(), Level: level, Worker: w.index, ContextID: contextID, Message: message}
	prefix := ""
	if h.logs.sink != nil {
		prefix = w.logPrefix(contextID)
	}
	h.logs.add(e, prefix)
}

// logPrefix is Envoy's: plugin name, root id and vm id for stream contexts,
// root id and vm id for root contexts, each non-empty one after a space.
func (w *worker) logPrefix(contextID uint32) string {
	o := &w.host.opts
	var b strings.Builder
	if _, ok := w.streams[contextID]; ok && o.PluginName != "" {
		b.WriteString(" " + o.PluginName)
	}
	for _, s := range [...]string{o.RootID, o.VMID} {
		if s != "" {
			b.WriteString(" " + s)
		}
	}
	return b.String()
}
