package inject

import (
	"os"
	"testing"
)

// TestMain builds the signature indexes, which newScan builds in
// production, because many tests make a scan without newScan.
func TestMain(m *testing.M) {
	indexesOnce.Do(buildIndexes)
	os.Exit(m.Run())
}
