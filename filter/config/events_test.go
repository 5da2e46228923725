package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseEvents(t *testing.T) {
	require.Equal(t, Events{Log: true, LogMinSeverity: 0, Metrics: true}, mustParseFile(t, "empty.json").Events)
	require.Equal(t, Events{Log: true, LogMinSeverity: 1, Metrics: false}, mustParseFile(t, "events.json").Events)

	cfg, err := Parse([]byte(`{"events": {"log": false, "log_min_severity": "critical"}}`))
	require.NoError(t, err)
	require.Equal(t, Events{Log: false, LogMinSeverity: 3, Metrics: true}, cfg.Events)
}
