package inject

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// TestScanBodySkipsBinary checks that images and other binary uploads are
// not read as text, whatever their declared type.
func TestScanBodySkipsBinary(t *testing.T) {
	p := DefaultPolicy()
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), randomBytes(30000, 2)...)

	for _, tc := range []struct {
		name, contentType string
		body              []byte
	}{
		{"random as jpeg", "image/jpeg", randomBytes(30000, 1)},
		{"random as octet-stream", "application/octet-stream", randomBytes(500, 3)},
		{"png", "image/png", png},
		{"random as text", "text/plain", randomBytes(4096, 4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, _ := Sniff(tc.contentType, tc.body)
			require.Equal(t, BodyBinary, kind)
			require.Empty(t, p.ScanBody(tc.contentType, tc.body))
		})
	}
}

// TestScanBodyStrayBytesStayText checks that a few invalid bytes cannot
// hide an attack in a text body or a multipart part.
func TestScanBodyStrayBytesStayText(t *testing.T) {
	p := DefaultPolicy()
	attack := []byte("hello \xff\xfe <script>alert(document.cookie)</script> world")

	kind, _ := Sniff("application/octet-stream", attack)
	require.Equal(t, BodyText, kind)
	require.NotEmpty(t, p.ScanBody("application/octet-stream", attack))

	var multipart bytes.Buffer
	multipart.WriteString("--XYZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n")
	multipart.Write(attack)
	multipart.WriteString("\r\n--XYZ--\r\n")
	require.NotEmpty(t, p.ScanBody("multipart/form-data; boundary=XYZ", multipart.Bytes()))
}
