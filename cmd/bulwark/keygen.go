package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/bulwark-dev/bulwark/filter/config"
)

// keyPrefix makes Bulwark keys recognisable, for people and for secret
// scanners, without revealing anything about the key.
const keyPrefix = "bwk_"

// keyEntropyBytes is the number of random bytes in a key: 256 bits, well
// above the 128-bit minimum for a bearer secret.
const keyEntropyBytes = 32

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// keyEntry is the configuration entry of one key in api_keys.keys.
type keyEntry struct {
	ID     string   `json:"id"`
	Digest string   `json:"digest"`
	Tier   string   `json:"tier,omitempty"`
	Scopes []string `json:"scopes,omitempty"`
}

// runKeygen creates a random API key, prints it once and prints the
// configuration entry that stores only its digest.
func runKeygen(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("keygen", flag.ContinueOnError)
	flags.SetOutput(stderr)
	id := flags.String("id", "", "key id, logged and sent upstream instead of the key (required; letters, digits, '.', '_', ':', '-'; at most 64)")
	tier := flags.String("tier", "", "tier of the key, for tiered limits (optional)")
	scopes := flags.String("scopes", "", "comma-separated scopes granted to the key (optional)")
	pepperFile := flags.String("pepper-file", "", "file holding the base64 pepper of api_keys.pepper; the digest is then HMAC-SHA-256 (optional)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() != 0 {
		fmt.Fprintf(stderr, "bulwark keygen: unexpected argument %q\n", flags.Arg(0))
		return 2
	}

	entry, err := newKeyEntry(*id, *tier, *scopes)
	if err != nil {
		fmt.Fprintf(stderr, "bulwark keygen: %v\n", err)
		return 2
	}

	var pepper []byte
	if *pepperFile != "" {
		if pepper, err = readPepper(*pepperFile); err != nil {
			fmt.Fprintf(stderr, "bulwark keygen: %v\n", err)
			return 1
		}
	}

	key, err := newKey()
	if err != nil {
		fmt.Fprintf(stderr, "bulwark keygen: %v\n", err)
		return 1
	}
	entry.Digest = digestKey(key, pepper)

	entryJSON, err := json.MarshalIndent(entry, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "bulwark keygen: %v\n", err)
		return 1
	}
	if err := checkEntry(entry); err != nil {
		fmt.Fprintf(stderr, "bulwark keygen: the entry would be rejected by the plugin; change -tier or -scopes:\n%v\n", err)
		return 2
	}

	hash := "sha256"
	if pepper != nil {
		hash = "hmac-sha256"
	}
	fmt.Fprintf(stdout, "API key (shown only now; store it in a secret manager):\n\n  %s\n\n", key)
	fmt.Fprintf(stdout, "Add this entry to api_keys.keys (api_keys.hash must be %q):\n\n%s\n", hash, entryJSON)
	return 0
}

func newKeyEntry(id, tier, scopes string) (keyEntry, error) {
	if id == "" {
		return keyEntry{}, fmt.Errorf("missing -id: give the key an id such as -id billing-service")
	}
	if !keyIDPattern.MatchString(id) {
		return keyEntry{}, fmt.Errorf("invalid -id %q: use 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit", id)
	}

	entry := keyEntry{ID: id, Tier: tier}
	for _, scope := range strings.Split(scopes, ",") {
		if scope = strings.TrimSpace(scope); scope != "" {
			entry.Scopes = append(entry.Scopes, scope)
		}
	}
	return entry, nil
}

// checkEntry validates entry with the plugin's own parser, so that keygen
// never prints an entry that the configuration would reject. The hash does
// not matter here: the digest has the same form for both.
func checkEntry(entry keyEntry) error {
	document, err := json.Marshal(map[string]any{"api_keys": map[string]any{"keys": []keyEntry{entry}}})
	if err != nil {
		return err
	}
	_, err = config.Parse(document)
	return err
}

// newKey returns keyPrefix followed by keyEntropyBytes from crypto/rand in
// unpadded base64url.
func newKey() (string, error) {
	random := make([]byte, keyEntropyBytes)
	if _, err := rand.Read(random); err != nil {
		return "", fmt.Errorf("reading random bytes failed: %w", err)
	}
	return keyPrefix + base64.RawURLEncoding.EncodeToString(random), nil
}

// digestKey returns the lowercase hex digest that the configuration stores:
// SHA-256 of the key, or HMAC-SHA-256 keyed with the pepper.
func digestKey(key string, pepper []byte) string {
	if pepper == nil {
		sum := sha256.Sum256([]byte(key))
		return hex.EncodeToString(sum[:])
	}
	mac := hmac.New(sha256.New, pepper)
	mac.Write([]byte(key))
	return hex.EncodeToString(mac.Sum(nil))
}

func readPepper(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading -pepper-file: %w", err)
	}
	pepper, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("invalid -pepper-file %s: the content must be standard base64 (the value of api_keys.pepper)", path)
	}
	if len(pepper) < 16 {
		return nil, fmt.Errorf("invalid -pepper-file %s: the pepper decodes to %d bytes; use at least 16", path, len(pepper))
	}
	return pepper, nil
}
