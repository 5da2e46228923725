package filter

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/config"
)

const configDoc = "../docs/config.md"

// fencedBlock is one ``` block of a Markdown file.
type fencedBlock struct {
	info string // the word after the opening fence, such as "json"
	body string
	line int // the line of the opening fence, from 1

	// followedBy is the block that comes next with only blank lines in
	// between, or nil.
	followedBy *fencedBlock
}

func readFencedBlocks(t *testing.T, path string) []*fencedBlock {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)

	var blocks []*fencedBlock
	var open *fencedBlock
	var body []string
	onlyBlankSinceLast := false

	for i, line := range strings.Split(string(data), "\n") {
		switch {
		case open == nil && strings.HasPrefix(line, "```"):
			open = &fencedBlock{info: strings.TrimPrefix(line, "```"), line: i + 1}
			if onlyBlankSinceLast {
				blocks[len(blocks)-1].followedBy = open
			}
			body = body[:0]
		case open != nil && line == "```":
			open.body = strings.Join(body, "\n")
			blocks = append(blocks, open)
			open = nil
			onlyBlankSinceLast = true
		case open != nil:
			body = append(body, line)
		case strings.TrimSpace(line) != "":
			onlyBlankSinceLast = false
		}
	}
	require.Nil(t, open, "unclosed fence in %s", path)
	return blocks
}

// Every JSON example of docs/config.md is a complete document. It must
// parse, unless a text block follows it, which then holds its exact errors.
func TestConfigDocExamples(t *testing.T) {
	blocks := readFencedBlocks(t, configDoc)

	examples := 0
	for _, block := range blocks {
		if block.info != "json" {
			continue
		}
		examples++

		t.Run(fmt.Sprintf("line %d", block.line), func(t *testing.T) {
			cfg, err := config.Parse([]byte(block.body))
			if block.followedBy != nil && block.followedBy.info == "text" {
				require.EqualError(t, err, block.followedBy.body)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, New(cfg))
		})
	}
	require.Greater(t, examples, 15)
}

// The reply table of docs/config.md must show every message as sent.
func TestConfigDocReplyMessages(t *testing.T) {
	data, err := os.ReadFile(configDoc)
	require.NoError(t, err)
	doc := string(data)

	messages := []string{
		MessageMissingCredential, MessageInvalidCredential, MessageMultipleCredentials,
		MessageMalformedPath, MessageEncodedSlash, MessageCredentialCharacters,
		MessageCredentialEncoding, MessageInternalError,
		fmt.Sprintf(messageCredentialTooLong, config.DefaultMaxKeyLength),
		messageInsufficientScope + "admin, audit.",
	}
	for _, message := range messages {
		require.True(t, strings.Contains(doc, "| "+message+" |"), "the reply table lacks %q", message)
	}
}
