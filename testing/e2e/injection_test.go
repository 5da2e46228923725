package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/testing/host"
)

// injectionConfig has a public default route with injection detection in
// block mode, a free-text route in detect mode, and exclusions.
const injectionConfig = `{
  "default_route": {"auth": "none"},
  "routes": [
    {"name": "notes", "match": {"prefix": "/notes"}, "auth": "none"},
    {"name": "uploads", "match": {"prefix": "/uploads"}, "auth": "none"}
  ],
  "injection": {
    "max_body_bytes": 1024,
    "headers": ["user-agent", "referer", "x-client-ref"],
    "exclusions": {"parameters": ["snippet"], "json_paths": ["$.code"]},
    "signatures": [{"id": "no-eicar", "category": "code", "pattern": "eicar-test"}],
    "routes": {
      "notes": {"mode": "detect"},
      "uploads": {"oversize": "reject", "max_body_bytes": 64}
    }
  }
}`

// sendWithBody runs one request with a body through the filter.
func sendWithBody(t *testing.T, h *host.Host, method, path, contentType, body string, headers ...[2]string) *host.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if contentType != "" {
		headers = append(headers, [2]string{"content-type", contentType})
	}
	req := &host.Request{Worker: -1, Method: method, Path: path, Authority: "api.example.com", Headers: headers}
	if body != "" {
		// Two chunks, so the filter must buffer the first.
		half := len(body) / 2
		req.BodyChunks = [][]byte{[]byte(body[:half]), []byte(body[half:])}
	}
	result, err := h.Do(ctx, req, nil)
	require.NoError(t, err)
	return result
}

func TestInjectionBlocksEachLocation(t *testing.T) {
	h, _ := startHost(t, injectionConfig)
	cases := []struct {
		name, method, path, contentType, body string
		headers                               [][2]string
	}{
		{name: "query value", method: "GET", path: "/search?q=1%27%20OR%20%271%27%3D%271"},
		{name: "path segment", method: "GET", path: "/products/1%27%20OR%20%271%27%3D%271"},
		{name: "header", method: "GET", path: "/", headers: [][2]string{{"user-agent", "<script>alert(1)</script>"}}},
		{name: "cookie", method: "GET", path: "/", headers: [][2]string{{"cookie", "a=b; file=..%2f..%2f..%2fetc%2fpasswd"}}},
		{name: "cookie name", method: "GET", path: "/", headers: [][2]string{{"cookie", "a=b; javax.naming.InitialContext=x"}}},
		{name: "base64 serialized object", method: "POST", path: "/items", contentType: "application/json", body: `{"state": "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA"}`},
		{name: "json body", method: "POST", path: "/items", contentType: "application/json", body: `{"user": {"$ne": null}}`},
		{name: "form body", method: "POST", path: "/items", contentType: "application/x-www-form-urlencoded", body: "name=x&cmd=%3Bwhoami"},
		{name: "multipart field", method: "POST", path: "/items", contentType: "multipart/form-data; boundary=XyZ",
			body: "--XyZ\r\nContent-Disposition: form-data; name=\"bio\"\r\n\r\n<img src=x onerror=alert(1)>\r\n--XyZ--\r\n"},
		{name: "json claimed text", method: "POST", path: "/items", contentType: "text/plain", body: `{"q": "1 UNION SELECT password FROM users--"}`},
		{name: "custom signature", method: "GET", path: "/items?file=EICAR-TEST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			result := sendWithBody(t, h, tc.method, tc.path, tc.contentType, tc.body, tc.headers...)
			require.Equal(t, 403, result.Response.Status, "body: %s", result.Response.Body)
			require.Nil(t, result.Upstream, "a blocked request must not reach the upstream")

			body := decodeInjectionReply(t, result)
			require.Equal(t, "injection_detected", body.Code)
			require.Len(t, body.EventID, 16)
			require.NotEmpty(t, body.RequestID)
			require.True(t, logsContain(h, "event_id="+body.EventID), "the event id must be logged")
		})
	}
}

func TestInjectionPassesBenignLookAlikes(t *testing.T) {
	h, _ := startHost(t, injectionConfig)
	cases := []struct{ name, method, path, contentType, body string }{
		{"apostrophe name", "GET", "/people?name=O%27Connell", "", ""},
		{"sql words in prose", "GET", "/search?q=select+the+best+option+from+the+menu", "", ""},
		{"angle brackets in text", "POST", "/items", "application/json", `{"note": "Keep values < 10 and > 2 for the chart, a <b>bold</b> word"}`},
		{"arrow", "POST", "/items", "application/json", `{"note": "open the menu -> settings => save"}`},
		{"code in json", "POST", "/items", "application/json", `{"body": "const user = await repo.findOneBy({ id: 1 });"}`},
		{"excluded parameter", "GET", "/items?snippet=%3Bcat%20%2Fetc%2Fpasswd", "", ""},
		{"excluded json path", "POST", "/items", "application/json", `{"code": "<script>alert(1)</script>"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			result := sendWithBody(t, h, tc.method, tc.path, tc.contentType, tc.body)
			require.Equal(t, 200, result.Response.Status, "body: %s", result.Response.Body)
			require.NotNil(t, result.Upstream)
			if tc.body != "" {
				require.Equal(t, tc.body, string(result.Upstream.Body), "the upstream must get the whole body")
			}
		})
	}
}

func TestInjectionDetectModeLogsOnly(t *testing.T) {
	h, _ := startHost(t, injectionConfig)
	result := sendWithBody(t, h, "POST", "/notes", "application/json", `{"text": "<script>alert(1)</script>"}`)

	require.Equal(t, 200, result.Response.Status)
	require.True(t, logsContain(h, "mode=detect"), "detect mode must log the finding")
	require.True(t, logsContain(h, `location="json:$.text"`), "the finding must name the JSON path")
}

func TestInjectionOversizeBody(t *testing.T) {
	h, _ := startHost(t, injectionConfig)

	t.Run("reject answers 413", func(t *testing.T) {
		result := sendWithBody(t, h, "POST", "/uploads", "text/plain", strings.Repeat("a", 100))
		require.Equal(t, 413, result.Response.Status)
		require.Equal(t, "body_too_large", decodeInjectionReply(t, result).Code)
	})
	t.Run("check_first scans the first part", func(t *testing.T) {
		attack := "x=1' OR '1'='1&" + strings.Repeat("a", 2000)
		result := sendWithBody(t, h, "POST", "/items", "application/x-www-form-urlencoded", attack)
		require.Equal(t, 403, result.Response.Status)
	})
	t.Run("check_first lets an attack past the limit through", func(t *testing.T) {
		late := strings.Repeat("a", 2000) + "&x=1' OR '1'='1"
		result := sendWithBody(t, h, "POST", "/items", "application/x-www-form-urlencoded", late)
		require.Equal(t, 200, result.Response.Status)
		require.Equal(t, late, string(result.Upstream.Body))
	})
}

func TestInjectionAfterAuthentication(t *testing.T) {
	key := mintKey("inject")
	h, _ := startHost(t, `{"api_keys": {"keys": [{"id": "k", "digest": "`+key.Digest+`"}]}, "injection": {}}`)

	unauthenticated := get(t, h, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
	require.Equal(t, 401, unauthenticated.Response.Status, "authentication runs before the scan")

	authenticated := get(t, h, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", [2]string{"x-api-key", key.Key})
	require.Equal(t, 403, authenticated.Response.Status)
	requireNoSecretLogged(t, h)
}

type injectionReply struct {
	Code      string `json:"code"`
	EventID   string `json:"event_id"`
	RequestID string `json:"request_id"`
}

func decodeInjectionReply(t *testing.T, result *host.Result) injectionReply {
	t.Helper()
	var body injectionReply
	require.NoError(t, json.Unmarshal(result.Response.Body, &body), "body: %s", result.Response.Body)
	return body
}

func logsContain(h *host.Host, part string) bool {
	for _, entry := range h.Logs() {
		if strings.Contains(entry.Message, part) {
			return true
		}
	}
	return false
}
