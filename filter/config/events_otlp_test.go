package config

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseEventsOTLP(t *testing.T) {
	cfg := mustParseFile(t, "events_otlp.json")
	require.Equal(t, ResponseHeadersDenied, cfg.Events.ResponseHeaders)
	require.Equal(t, &OTLP{
		Cluster:       "otel_collector",
		Path:          "/v1/logs",
		Authority:     "otel.example.com",
		Timeout:       2 * time.Second,
		BatchSize:     50,
		MaxBuffer:     5000,
		FlushInterval: 10 * time.Second,
		Headers:       []OTLPHeader{{Name: "authorization", Value: "Bearer collector-token"}},
		ServiceName:   "payments-gateway",
		ResourceAttributes: [][2]string{
			{"cloud.region", "eu-west-1"}, {"deployment.environment.name", "prod"},
		},
	}, cfg.Events.OTLP)
}

func TestParseEventsOTLPDefaults(t *testing.T) {
	cfg, err := Parse([]byte(`{"events": {"otlp": {"cluster": "otel"}}}`))
	require.NoError(t, err)
	require.Equal(t, &OTLP{
		Cluster:       "otel",
		Path:          DefaultOTLPPath,
		Authority:     "otel",
		Timeout:       DefaultOTLPTimeout,
		BatchSize:     DefaultOTLPBatchSize,
		MaxBuffer:     DefaultOTLPMaxBuffer,
		FlushInterval: DefaultOTLPFlushInterval,
		ServiceName:   DefaultOTLPServiceName,
	}, cfg.Events.OTLP)
	require.Equal(t, ResponseHeadersNone, cfg.Events.ResponseHeaders)
	require.Nil(t, Default().Events.OTLP)
}

func TestOTLPHeaderNeverPrinted(t *testing.T) {
	cfg, err := Parse([]byte(`{"events": {"otlp": {"cluster": "otel", "headers": {"x-api-key": "LEAKCANARY-collector"}}}}`))
	require.NoError(t, err)
	o := cfg.Events.OTLP
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		require.NotContains(t, fmt.Sprintf(format, *o), "LEAKCANARY", format)
	}
	require.Equal(t, "LEAKCANARY-collector", o.Headers[0].Value.Reveal())
}
