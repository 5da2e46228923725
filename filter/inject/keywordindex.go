package inject

import "unsafe"

// keywordIndex finds, in one pass over a value, which groups of keywords
// have a member that occurs in it. It is an Aho–Corasick automaton turned
// into a full transition table, so each byte costs two table reads and
// no keyword is searched for on its own. Bit i of a result stands for
// group i; a group without keywords is always set.
//
// For a signature set, group i is signature i's anyOf list, so that one
// pass replaces the pair-set test and the substring search of each
// candidate signature's keywords.
type keywordIndex struct {
	// column maps each byte to its column in next. Bytes that occur in no
	// keyword share column 0.
	column  [256]uint8
	columns int

	// next[state*columns+column] is the state after reading a byte of
	// that column in that state. State 0 is the start.
	next []uint16

	// found[state] contains the groups with a keyword that ends at the last
	// byte read when the automaton is in state.
	found []uint64

	// always contains the groups without keywords.
	always uint64
}

// match returns the groups with a keyword that occurs in s, and the
// groups without keywords.
func (x *keywordIndex) match(s string) uint64 {
	// The fields are read into locals once, because the compiler reloads
	// a field through x in every iteration, and in wasm each load is a
	// memory access.
	//
	// The tables are read through pointers without bounds checks, which
	// cut the loop's time under wazero by about a third. Every entry of next
	// is a state below len(found), and every column is below columns
	// (newKeywordIndex builds them so, and TestKeywordIndexTablesInRange
	// checks it), so each read stays inside its table.
	next := unsafe.Pointer(unsafe.SliceData(x.next))
	foundAt := unsafe.Pointer(unsafe.SliceData(x.found))
	column, columns := &x.column, uintptr(x.columns)
	found := x.always
	state := uintptr(0)
	for i := 0; i < len(s); i++ {
		state = uintptr(*(*uint16)(unsafe.Add(next, 2*(state*columns+uintptr(column[s[i]])))))
		found |= *(*uint64)(unsafe.Add(foundAt, 8*state))
	}
	return found
}

// newKeywordIndex builds the index of at most 64 groups of keywords. An
// empty keyword would occur in every value, so it is not allowed.
func newKeywordIndex(groups [][]string) *keywordIndex {
	if len(groups) > 64 {
		panic("BUG: a keywordIndex serves at most 64 groups")
	}
	x := &keywordIndex{columns: 1}
	for _, group := range groups {
		for _, word := range group {
			for i := 0; i < len(word); i++ {
				if x.column[word[i]] == 0 {
					x.column[word[i]] = uint8(x.columns)
					x.columns++
				}
			}
		}
	}

	trie := x.buildTrie(groups)
	if len(x.found) > 1<<16 {
		panic("BUG: a keywordIndex has more states than uint16 numbers")
	}
	x.link(trie)
	return x
}

// buildTrie adds a state for each keyword prefix and returns the trie's
// edges: trie[state*columns+column] is the child state, or 0 for none.
// It records in x.found the groups whose keywords end at each state.
func (x *keywordIndex) buildTrie(groups [][]string) []int {
	trie := make([]int, x.columns)
	x.found = []uint64{0}
	for g, group := range groups {
		if len(group) == 0 {
			x.always |= 1 << g
		}
		for _, word := range group {
			if word == "" {
				panic("BUG: an empty keyword in a keywordIndex")
			}
			state := 0
			for i := 0; i < len(word); i++ {
				edge := state*x.columns + int(x.column[word[i]])
				if trie[edge] == 0 {
					trie[edge] = len(x.found)
					x.found = append(x.found, 0)
					trie = append(trie, make([]int, x.columns)...)
				}
				state = trie[edge]
			}
			x.found[state] |= 1 << g
		}
	}
	return trie
}

// link fills x.next from the trie, breadth first: a missing edge leads
// where the same byte leads from the state of the longest proper suffix
// (the failure link), and a state also reports the groups found at its
// failure link.
func (x *keywordIndex) link(trie []int) {
	states := len(x.found)
	x.next = make([]uint16, states*x.columns)
	failure := make([]int, states)
	queue := make([]int, 0, states)

	for col := 0; col < x.columns; col++ {
		if child := trie[col]; child != 0 {
			x.next[col] = uint16(child)
			queue = append(queue, child) // failure[child] is the start
		}
	}
	for len(queue) > 0 {
		state := queue[0]
		queue = queue[1:]
		x.found[state] |= x.found[failure[state]]
		for col := 0; col < x.columns; col++ {
			fallback := x.next[failure[state]*x.columns+col]
			child := trie[state*x.columns+col]
			if child == 0 {
				x.next[state*x.columns+col] = fallback
				continue
			}
			x.next[state*x.columns+col] = uint16(child)
			failure[child] = int(fallback)
			queue = append(queue, child)
		}
	}
}

// signatureKeywords returns the keyword index of a signature set of at
// most 64 signatures: group i is the anyOf list of set[i].
func signatureKeywords(set []Signature) *keywordIndex {
	groups := make([][]string, len(set))
	for i := range set {
		for _, k := range set[i].anyOf {
			groups[i] = append(groups[i], k.text)
		}
	}
	return newKeywordIndex(groups)
}
