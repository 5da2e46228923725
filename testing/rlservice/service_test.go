package rlservice

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServiceCountsDownToOverLimit(t *testing.T) {
	s := StartService(t, StartRedis(t), testLimits)
	waitForFreshMinute(t)
	body := request("bulwark-test", 0, []string{"client_ip", "192.0.2.1"})

	for i, remaining := range []int{2, 1, 0} {
		a := mustPost(t, s, body)
		require.Equal(t, 200, a.Status, "request %d: %s", i+1, a.Body)
		assert.Equal(t, "application/json", a.ContentType)
		doc := a.decode(t)
		durations := takeDurations(t, doc)
		require.Len(t, durations, 1)
		assert.Equal(t, response("OK", status("OK", 3, "MINUTE", remaining)), doc)
	}

	a := mustPost(t, s, body)
	require.Equal(t, 429, a.Status, a.Body)
	assert.Equal(t, "application/json", a.ContentType)
	doc := a.decode(t)
	durations := takeDurations(t, doc)
	assert.Equal(t, response("OVER_LIMIT", status("OVER_LIMIT", 3, "MINUTE", 0)), doc)

	// The window ends at the next full minute of the service's clock.
	require.Len(t, durations, 1)
	seconds, err := strconv.Atoi(strings.TrimSuffix(durations[0], "s"))
	require.NoError(t, err)
	expected := 60 - int(time.Now().Unix()%60)
	assert.InDelta(t, expected, seconds, 1, "durationUntilReset %s", durations[0])
}

func TestServiceHitsAddend(t *testing.T) {
	s := StartService(t, StartRedis(t), testLimits)
	waitForFreshMinute(t)
	descriptor := []string{"client_ip", "192.0.2.2"}

	a := mustPost(t, s, request("bulwark-test", 2, descriptor))
	require.Equal(t, 200, a.Status, a.Body)
	doc := a.decode(t)
	takeDurations(t, doc)
	assert.Equal(t, response("OK", status("OK", 3, "MINUTE", 1)), doc)

	// 2 more hits make 4 of 3: over the limit, and the hits are counted.
	a = mustPost(t, s, request("bulwark-test", 2, descriptor))
	require.Equal(t, 429, a.Status, a.Body)
	doc = a.decode(t)
	takeDurations(t, doc)
	assert.Equal(t, response("OVER_LIMIT", status("OVER_LIMIT", 3, "MINUTE", 0)), doc)
}

func TestServiceHitsAddendSpellings(t *testing.T) {
	s := StartService(t, StartRedis(t), testLimits)
	waitForFreshMinute(t)

	// Protobuf JSON accepts integers as strings too.
	a := mustPost(t, s, `{"domain":"bulwark-test","hitsAddend":"3","descriptors":[{"entries":[{"key":"client_ip","value":"192.0.2.3"}]}]}`)
	require.Equal(t, 200, a.Status, a.Body)
	doc := a.decode(t)
	takeDurations(t, doc)
	assert.Equal(t, response("OK", status("OK", 3, "MINUTE", 0)), doc)

	// It accepts the proto field name hits_addend as well.
	a = mustPost(t, s, `{"domain":"bulwark-test","hits_addend":2,"descriptors":[{"entries":[{"key":"client_ip","value":"192.0.2.13"}]}]}`)
	require.Equal(t, 200, a.Status, a.Body)
	doc = a.decode(t)
	takeDurations(t, doc)
	assert.Equal(t, response("OK", status("OK", 3, "MINUTE", 1)), doc)
}

func TestServiceNestedAndMultipleDescriptors(t *testing.T) {
	s := StartService(t, StartRedis(t), testLimits)
	waitForFreshMinute(t)
	nested := []string{"route", "login", "client_ip", "192.0.2.4"}
	plain := []string{"client_ip", "192.0.2.4"}
	waitForFreshSecond()

	// Statuses come in the order of the descriptors. Both count each request.
	a := mustPost(t, s, request("bulwark-test", 0, nested, plain))
	require.Equal(t, 200, a.Status, a.Body)
	doc := a.decode(t)
	durations := takeDurations(t, doc)
	assert.Equal(t, response("OK", status("OK", 2, "SECOND", 1), status("OK", 3, "MINUTE", 2)), doc)
	require.Len(t, durations, 2)
	assert.Equal(t, "1s", durations[0])

	// 2 more hits put the route limit over (3 of 2) and use the address
	// limit up (3 of 3): the overall code is OVER_LIMIT when any descriptor
	// is over its limit, and the other status stays OK.
	a = mustPost(t, s, request("bulwark-test", 2, nested, plain))
	require.Equal(t, 429, a.Status, a.Body)
	doc = a.decode(t)
	takeDurations(t, doc)
	assert.Equal(t, response("OVER_LIMIT", status("OVER_LIMIT", 2, "SECOND", 0), status("OK", 3, "MINUTE", 0)), doc)
}

func TestServiceRespondsWithoutLimit(t *testing.T) {
	s := StartService(t, StartRedis(t), testLimits)
	unlimited := status("OK", 0, "", 0)
	unlimited["limitRemaining"] = float64(4294967295)

	cases := []struct {
		name     string
		body     string
		expected map[string]any
	}{
		{"unknown key", request("bulwark-test", 0, []string{"tenant", "a"}), response("OK", status("OK", 0, "", 0))},
		{"key without own limit", request("bulwark-test", 0, []string{"route", "login"}), response("OK", status("OK", 0, "", 0))},
		{"value without limit", request("bulwark-test", 0, []string{"caller", "other"}), response("OK", status("OK", 0, "", 0))},
		{"unknown domain", request("no-such-domain", 0, []string{"client_ip", "192.0.2.5"}), response("OK", status("OK", 0, "", 0))},
		{"unlimited", request("bulwark-test", 0, []string{"caller", "batch"}), response("OK", unlimited)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for range 5 {
				a := mustPost(t, s, tc.body)
				require.Equal(t, 200, a.Status, a.Body)
				assert.Equal(t, tc.expected, a.decode(t))
			}
		})
	}
}

func TestServiceRejectsInvalidRequests(t *testing.T) {
	s := StartService(t, StartRedis(t), testLimits)
	cases := []struct {
		name string
		body string
	}{
		{"malformed JSON", `{"domain":`},
		{"empty body", ``},
		{"unknown field", `{"domain":"bulwark-test","descriptors":[{"entries":[{"key":"client_ip","value":"a"}]}],"extra":1}`},
		{"empty domain", request("", 0, []string{"client_ip", "192.0.2.6"})},
		{"no descriptors", `{"domain":"bulwark-test","descriptors":[]}`},
		{"negative hitsAddend", `{"domain":"bulwark-test","hitsAddend":-1,"descriptors":[{"entries":[{"key":"client_ip","value":"a"}]}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := mustPost(t, s, tc.body)
			assert.Equal(t, 400, a.Status)
			assert.Equal(t, "text/plain; charset=utf-8", a.ContentType)
			assert.Equal(t, "Bad Request\n", a.Body)
		})
	}
}

func TestServiceJSONFieldSpelling(t *testing.T) {
	s := StartService(t, StartRedis(t), testLimits)
	waitForFreshMinute(t)

	// Protobuf JSON uses lowerCamelCase names and enum names as strings,
	// and may insert random spaces, so clients must parse and never compare
	// bytes.
	a := mustPost(t, s, request("bulwark-test", 0, []string{"client_ip", "192.0.2.7"}))
	require.Equal(t, 200, a.Status, a.Body)
	compact := strings.Join(strings.Fields(a.Body), "")
	assert.Regexp(t, `^\{"overallCode":"OK","statuses":\[\{"code":"OK","currentLimit":\{"requestsPerUnit":3,"unit":"MINUTE"\},"limitRemaining":2,"durationUntilReset":"[0-9]+s"\}\]\}$`, compact)
}
