package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/config"
)

func runCommand(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestValidateAcceptsExample(t *testing.T) {
	code, stdout, stderr := runCommand("validate", "../../examples/quickstart.json")

	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "valid")
}

func TestValidateNamesMisspeltField(t *testing.T) {
	path := writeFile(t, `{"routes": [{"name": "r", "match": {"path": "/a"}, "auht": "none"}], "failure_policy": "open"}`)

	code, _, stderr := runCommand("validate", path)

	require.Equal(t, 1, code)
	require.Contains(t, stderr, "2 error(s)")
	require.Contains(t, stderr, "routes[0].auht: unknown field")
	require.Contains(t, stderr, `failure_policy: must be one of "fail_closed", "fail_open"; got "open"`)
}

func TestValidateMissingFile(t *testing.T) {
	code, _, stderr := runCommand("validate", filepath.Join(t.TempDir(), "absent.json"))

	require.Equal(t, 1, code)
	require.Contains(t, stderr, "absent.json")
}

func TestValidateUsage(t *testing.T) {
	code, _, stderr := runCommand("validate")

	require.Equal(t, 2, code)
	require.Contains(t, stderr, "usage: bulwark validate FILE")
}

func TestUnknownCommand(t *testing.T) {
	code, _, stderr := runCommand("serv")

	require.Equal(t, 2, code)
	require.Contains(t, stderr, `unknown command "serv"`)
}

var keyLine = regexp.MustCompile(`(?m)^  (bwk_[A-Za-z0-9_-]+)$`)

// TestKeygenEntryMatchesKey checks that the printed entry holds the digest
// of the printed key and nothing else secret, and that the plugin accepts it.
func TestKeygenEntryMatchesKey(t *testing.T) {
	code, stdout, stderr := runCommand("keygen", "-id", "billing", "-tier", "gold", "-scopes", "orders:read, orders:write")
	require.Equal(t, 0, code, stderr)

	match := keyLine.FindStringSubmatch(stdout)
	require.NotNil(t, match, "no key in output:\n%s", stdout)
	key := match[1]
	require.GreaterOrEqual(t, len(key)-len(keyPrefix), 43, "the key must carry 256 bits")

	entry := decodeEntry(t, stdout)
	sum := sha256.Sum256([]byte(key))
	require.Equal(t, hex.EncodeToString(sum[:]), entry.Digest)
	require.Equal(t, "billing", entry.ID)
	require.Equal(t, "gold", entry.Tier)
	require.Equal(t, []string{"orders:read", "orders:write"}, entry.Scopes)
	require.Equal(t, 1, strings.Count(stdout, key), "the key must be printed once")

	document, err := json.Marshal(map[string]any{"api_keys": map[string]any{"keys": []keyEntry{entry}}})
	require.NoError(t, err)
	_, err = config.Parse(document)
	require.NoError(t, err)
}

func TestKeygenKeysDiffer(t *testing.T) {
	_, first, _ := runCommand("keygen", "-id", "a")
	_, second, _ := runCommand("keygen", "-id", "a")

	require.NotEqual(t, keyLine.FindString(first), keyLine.FindString(second))
}

func TestKeygenPepper(t *testing.T) {
	pepperPath := filepath.Join(t.TempDir(), "pepper")
	require.NoError(t, os.WriteFile(pepperPath, []byte("YnVsd2Fyay1leGFtcGxlLXBlcHBlci0zMi1ieXRlcyE=\n"), 0o600))

	code, stdout, stderr := runCommand("keygen", "-id", "partner", "-pepper-file", pepperPath)
	require.Equal(t, 0, code, stderr)

	key := keyLine.FindStringSubmatch(stdout)[1]
	entry := decodeEntry(t, stdout)
	pepper := []byte("bulwark-example-pepper-32-bytes!")
	require.Equal(t, digestKey(key, pepper), entry.Digest)
	require.Contains(t, stdout, `"hmac-sha256"`)
	require.NotContains(t, stdout, "YnVsd2Fyay1l", "the pepper was printed")
}

func TestKeygenRejectsBadInput(t *testing.T) {
	shortPepper := filepath.Join(t.TempDir(), "short")
	require.NoError(t, os.WriteFile(shortPepper, []byte("c2hvcnQ="), 0o600))

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "missing id", args: []string{"keygen"}, code: 2, want: "missing -id"},
		{name: "invalid id", args: []string{"keygen", "-id", "has space"}, code: 2, want: `invalid -id "has space"`},
		{name: "tier with space", args: []string{"keygen", "-id", "a", "-tier", "gold tier"}, code: 2, want: "api_keys.keys[0].tier"},
		{name: "duplicate scope", args: []string{"keygen", "-id", "a", "-scopes", "read,read"}, code: 2, want: "api_keys.keys[0].scopes[1]"},
		{name: "short pepper", args: []string{"keygen", "-id", "a", "-pepper-file", shortPepper}, code: 1, want: "decodes to 5 bytes"},
		{name: "absent pepper file", args: []string{"keygen", "-id", "a", "-pepper-file", "/nonexistent/pepper"}, code: 1, want: "reading -pepper-file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCommand(tc.args...)

			require.Equal(t, tc.code, code)
			require.Contains(t, stderr, tc.want)
			require.NotContains(t, stdout, keyPrefix, "no key may be printed on error")
		})
	}
}

func decodeEntry(t *testing.T, stdout string) keyEntry {
	t.Helper()
	start := strings.Index(stdout, "{")
	require.GreaterOrEqual(t, start, 0, "no JSON entry in output")

	var entry keyEntry
	require.NoError(t, json.Unmarshal([]byte(stdout[start:]), &entry))
	return entry
}
