package apikey

// queryNameEquals reports whether the raw query parameter name decodes to
// name, with "+" as a space (the form encoding of the WHATWG URL standard).
// It does not allocate. An invalid escape never matches.
func queryNameEquals(raw, name string) bool {
	j := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return false
			}
			c = unhex(raw[i+1])<<4 | unhex(raw[i+2])
			i += 2
		}

		if j == len(name) || name[j] != c {
			return false
		}
		j++
	}
	return j == len(name)
}

// decodeQueryValue percent-decodes a query value with "+" as a space. It
// returns raw itself when raw has nothing to decode, and false when an
// escape is not "%" followed by two hex digits.
func decodeQueryValue(raw string) (string, bool) {
	plain := true
	for i := 0; i < len(raw); i++ {
		if raw[i] == '%' || raw[i] == '+' {
			plain = false
			break
		}
	}
	if plain {
		return raw, true
	}

	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return "", false
			}
			c = unhex(raw[i+1])<<4 | unhex(raw[i+2])
			i += 2
		}
		out = append(out, c)
	}
	return string(out), true
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
