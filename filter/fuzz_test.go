package filter

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzCheck sends random requests to an engine with every source and
// checks that each decision is well-formed. A request must pass an API key
// route only with a valid key, and no key may reach a log field or a reply.
//
// headers holds one "name:value" pair per line.
func FuzzCheck(f *testing.F) {
	engine := newTestEngine(f, testConfig(""))

	f.Fuzz(func(t *testing.T, method, path, headers, requestID string) {
		req := &Request{Method: method, Path: path, RequestID: requestID}
		for _, line := range strings.Split(headers, "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok {
				req.Headers = append(req.Headers, header(strings.ToLower(name), value))
			}
		}

		d := engine.Check(req)
		if d.Allow {
			checkAllowed(t, d)
		} else {
			checkDenied(t, d)
		}

		logged := strings.Join([]string{d.Route, d.KeyID, d.Tier, d.Reason, d.Code}, " ")
		if strings.Contains(logged, "SECRET") {
			t.Fatalf("a log field contains a key: %q", logged)
		}
	})
}

func checkAllowed(t *testing.T, d Decision) {
	t.Helper()

	if d.Status != 0 || d.Code != "" || d.Body != nil || d.ReplyHeaders != nil {
		t.Fatalf("allowed decision carries a reply: %+v", d)
	}
	if len(d.RemoveHeaders) == 0 || d.RemoveHeaders[0] != "x-client-id" {
		t.Fatalf("allowed decision keeps the client's identity header: %+v", d)
	}
	for _, h := range d.SetHeaders {
		if !contains(d.RemoveHeaders, h[0]) {
			t.Fatalf("set header %q is not removed first: %+v", h[0], d)
		}
	}
	if d.NewPath != "" && !strings.HasPrefix(d.NewPath, "/") {
		t.Fatalf("new path %q is not absolute", d.NewPath)
	}

	switch d.Reason {
	case ReasonPublicRoute:
		if d.Route != "health" && d.Route != "public" || d.KeyID != "" {
			t.Fatalf("public decision on route %q with key %q", d.Route, d.KeyID)
		}
	case ReasonAuthenticated:
		if d.KeyID != "demo" && d.KeyID != "admin" {
			t.Fatalf("request allowed with key %q, which is not valid", d.KeyID)
		}
		if d.Route == "admin" {
			t.Fatalf("request allowed on the admin route, whose scopes no key holds")
		}
	default:
		t.Fatalf("allowed with reason %q", d.Reason)
	}
}

func checkDenied(t *testing.T, d Decision) {
	t.Helper()

	codes := map[int][]string{
		400: {CodeMalformedRequest},
		401: {CodeMissingCredential, CodeInvalidCredential, CodeMultipleCredentials},
		403: {CodeInsufficientScope},
	}
	if !contains(codes[d.Status], d.Code) {
		t.Fatalf("denied with status %d and code %q", d.Status, d.Code)
	}
	if d.RemoveHeaders != nil || d.SetHeaders != nil || d.NewPath != "" {
		t.Fatalf("denied decision carries mutations: %+v", d)
	}

	var body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(d.Body, &body); err != nil || body.Code != d.Code || body.Message == "" {
		t.Fatalf("invalid reply body %q: %v", d.Body, err)
	}
	if strings.Contains(string(d.Body), "SECRET") {
		t.Fatalf("reply body contains a key: %q", d.Body)
	}
	if len(d.ReplyHeaders) == 0 || d.ReplyHeaders[0] != header("content-type", "application/json") {
		t.Fatalf("reply headers %v lack the content type", d.ReplyHeaders)
	}
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}
