package inject

// This file checks the syntax of the JSON values that the walker does not
// visit: numbers, literals, and containers that are excluded, too deep, or
// after the last finding. It accepts what gjson.ValidBytes (v1.20.4)
// accepts: RFC 8259 syntax, with any bytes from 0x20 up in strings, valid
// UTF-8 or not. TestJSONWalkerValidatesLikeGJSON and
// FuzzJSONWalkerValidatesLikeGJSON compare the two.

// validValue returns the index just past the value at data[i], which is
// not a space, and whether the value is valid.
func (w *jsonWalker) validValue(i int) (int, bool) {
	switch b := w.data[i]; {
	case b == '"':
		return w.validString(i + 1)
	case b == '{' || b == '[':
		return w.validContainer(i)
	case b == '-' || '0' <= b && b <= '9':
		return w.validNumber(i)
	case b == 't':
		return w.validLiteral(i, "true")
	case b == 'f':
		return w.validLiteral(i, "false")
	case b == 'n':
		return w.validLiteral(i, "null")
	}
	return i, false
}

// validContainer checks the object or array at data[i].
func (w *jsonWalker) validContainer(i int) (int, bool) {
	isObject := w.data[i] == '{'
	closing := byte(']')
	if isObject {
		closing = '}'
	}
	i = w.skipSpace(i + 1)
	if i < len(w.data) && w.data[i] == closing {
		return i + 1, true
	}

	for {
		ok := true
		if isObject {
			if _, _, i, ok = w.memberKey(i); !ok {
				return i, false
			}
			i = w.skipSpace(i)
		}
		if i >= len(w.data) {
			return i, false
		}
		if i, ok = w.validValue(i); !ok {
			return i, false
		}

		i = w.skipSpace(i)
		switch {
		case i >= len(w.data):
			return i, false
		case w.data[i] == closing:
			return i + 1, true
		case w.data[i] != ',':
			return i, false
		}
		i = w.skipSpace(i + 1)
	}
}

// validString checks the rest of a string whose opening quote is at
// data[i-1], and returns the index just past its closing quote.
func (w *jsonWalker) validString(i int) (int, bool) {
	data := w.data
	for ; i < len(data); i++ {
		switch b := data[i]; {
		case b == '"':
			return i + 1, true
		case b < ' ':
			return i, false
		case b == '\\':
			i++
			if i >= len(data) {
				return i, false
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(data) || !isHex(data[i+1]) || !isHex(data[i+2]) || !isHex(data[i+3]) || !isHex(data[i+4]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

// validNumber checks the number at data[i]: an optional minus, 0 or
// digits without a leading zero, an optional fraction and exponent.
func (w *jsonWalker) validNumber(i int) (int, bool) {
	if w.data[i] == '-' {
		i++
	}
	switch {
	case i >= len(w.data) || !isDigit(w.data[i]):
		return i, false
	case w.data[i] == '0':
		i++
	default:
		i = w.skipDigits(i)
	}

	if i < len(w.data) && w.data[i] == '.' {
		i++
		if i >= len(w.data) || !isDigit(w.data[i]) {
			return i, false
		}
		i = w.skipDigits(i)
	}
	if i < len(w.data) && (w.data[i] == 'e' || w.data[i] == 'E') {
		i++
		if i < len(w.data) && (w.data[i] == '+' || w.data[i] == '-') {
			i++
		}
		if i >= len(w.data) || !isDigit(w.data[i]) {
			return i, false
		}
		i = w.skipDigits(i)
	}
	return i, true
}

func (w *jsonWalker) skipDigits(i int) int {
	for i < len(w.data) && isDigit(w.data[i]) {
		i++
	}
	return i
}

// validLiteral checks that data[i:] starts with the literal.
func (w *jsonWalker) validLiteral(i int, literal string) (int, bool) {
	if len(w.data)-i < len(literal) || w.data[i:i+len(literal)] != literal {
		return i, false
	}
	return i + len(literal), true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
