package host

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWASIStdioAndProxyLog(t *testing.T) {
	var sink bytes.Buffer
	h := newTestHost(t, Options{Workers: 1, RootID: "root", LogOutput: &sink})
	h.ResetLogs()

	_, err := h.Do(testCtx(t), cmdRequest("request-headers", "stdout hello%20out; stderr oops; log 3 careful"), nil)
	require.NoError(t, err)

	logs := h.Logs()
	require.Len(t, logs, 3)
	require.Equal(t, LogEntry{Time: logs[0].Time, Level: LogInfo, Worker: 0, ContextID: 2, Message: "hello out"}, logs[0])
	require.Equal(t, LogError, logs[1].Level)
	require.Equal(t, "oops", logs[1].Message, "one trailing newline is removed")
	require.Equal(t, []LogEntry{logs[2]}, h.LogsAt(LogWarn))
	require.Contains(t, sink.String(), "[info][wasm][worker 0] wasm log bulwark root: hello out\n")
}

func TestLogLevelFiltersAndIsReported(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1, LogLevel: LogWarn})
	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "loglevel; log 2 dropped; log 3 kept"), nil)
	require.NoError(t, err)

	requireLine(t, res, "loglevel st=0 level=3")
	requireLine(t, res, "log st=0", "a dropped message still returns Ok")
	var messages []string
	for _, e := range h.Logs() {
		messages = append(messages, e.Message)
	}
	require.Equal(t, []string{"kept"}, messages)
}

func TestWASIClockAndRandom(t *testing.T) {
	start := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	h := newTestHost(t, Options{Workers: 1, Clock: NewManualClock(start)})
	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "time; rand 64; gc"), nil)
	require.NoError(t, err)

	ns := itoa(int(start.UnixNano()))
	require.Equal(t, []string{"time st=0 host=" + ns + " wasi=" + ns, "rand n=64 ok=true", "gc"}, outLines(res))
}

func TestProcExitIsLoggedAndReturns(t *testing.T) {
	h := newTestHost(t, Options{Workers: 1})
	res, err := h.Do(testCtx(t), cmdRequest("request-headers", "exit 3"), nil)
	require.NoError(t, err)
	requireLine(t, res, "exit returned", "proc_exit returns to the module, as in Envoy")
	require.False(t, h.Failed(0))

	var exits []string
	for _, e := range h.LogsAt(LogInfo) {
		if strings.Contains(e.Message, "proc_exit") {
			exits = append(exits, e.Message)
		}
	}
	require.Equal(t, []string{"wasi proc_exit(3) called; the host ignores it"}, exits)
}
