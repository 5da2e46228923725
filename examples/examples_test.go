// Package examples holds example plugin configurations; its test validates
// each one with the plugin's parser.
package examples

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bulwark-dev/bulwark/filter/config"
)

func TestExamplesValidate(t *testing.T) {
	files, err := filepath.Glob("*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)

	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)

			_, err = config.Parse(data)
			require.NoError(t, err)
		})
	}
}

// TestExamplesAreInTheGuide requires every example file to be linked from
// the operator's guide, so that a new example is not left undocumented.
func TestExamplesAreInTheGuide(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join("..", "docs", "deploy.md"))
	require.NoError(t, err)

	files, err := filepath.Glob("*.*")
	require.NoError(t, err)
	for _, file := range files {
		if filepath.Ext(file) == ".go" || file == "README.md" {
			continue
		}
		require.Contains(t, string(guide), "](../examples/"+file+")", "docs/deploy.md does not link examples/%s", file)
	}
}
