package config

import "testing"

func TestQuoteVisibleShowsHiddenCharacters(t *testing.T) {
	tests := map[string]string{
		"fail\u007f":       `"fail\u007f"`,
		"a\u0085b":         `"a\u0085b"`,
		"x\u202Ey":         `"x\u202ey"`,
		"zero\u200Bwidth":  `"zero\u200bwidth"`,
		"plain é":          `"plain é"`,
		"tab\t":            `"tab\t"`,
		"emoji \U0001F600": `"emoji ` + "\U0001F600" + `"`,
		"tag \U000E0041":   `"tag \udb40\udc41"`,
	}
	for in, want := range tests {
		if got := quoteVisible(in); got != want {
			t.Errorf("quoteVisible(%q) = %s; want %s", in, got, want)
		}
	}
}
