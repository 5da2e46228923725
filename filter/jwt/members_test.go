package jwt

import (
	"math"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// membersForEach is the walk that members replaced, with gjson's ForEach:
// the reference that FuzzMembersMatchForEach compares it with.
func membersForEach(s string, l memberList) (memberList, bool) {
	var seen map[string]struct{}
	ok := true
	gjson.Parse(s).ForEach(func(key, value gjson.Result) bool {
		if len(l) == maxMembers || repeats(l, &seen, key.Str) {
			ok = false
			return false
		}
		l = append(l, member{name: key.Str, value: value})
		return true
	})
	return l, ok
}

// FuzzMembersMatchForEach checks that members and gjson's ForEach read the
// same members, names and values from every object that isObject accepts,
// and that numberValue gives the Num that gjson parsed.
func FuzzMembersMatchForEach(f *testing.F) {
	f.Add(`{"iss":"https://rs.test","aud":["api","b"],"exp":1767225600,"scope":"a b"}`)
	f.Add(" {\n\t\"a\" : { \"b\" : [1, {\"c\": \"}\"}] } , \"d\":null,\"e\":true,\"f\":false } ")
	f.Add(`{"n":-1.5e3,"m":0,"o":1E+2,"p":123456789012345,"q":1234567890123456,"r":0.1}`)
	f.Add(`{"a\u0062":"\"quoted\" \\ \/ \u00e9","ab":1}`)
	f.Add(`{"a":1,"a":2}`)
	f.Add(`{}`)
	f.Add(`{"x":"a\\"}`)
	f.Add(`{"exp":1,"\u0065xp":2}`)
	f.Add(`{"a":-0,"b":1e400,"c":999999999999999,"d":1000000000000000,"e":-1e-400}`)
	f.Fuzz(func(t *testing.T, s string) {
		if !isObject(s) {
			return
		}
		got, gotOK := members(s, nil)
		want, wantOK := membersForEach(s, nil)
		if gotOK != wantOK {
			t.Fatalf("members ok %v, ForEach ok %v, for %q", gotOK, wantOK, s)
		}
		if !gotOK {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("members read %d members, ForEach %d, from %q", len(got), len(want), s)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.name != w.name || g.value.Type != w.value.Type || g.value.Raw != w.value.Raw || g.value.Str != w.value.Str {
				t.Fatalf("member %d of %q: members read %q %+v, ForEach %q %+v", i, s, g.name, g.value, w.name, w.value)
			}
			if w.value.Type == gjson.Number && !sameFloat(numberValue(g.value.Raw), w.value.Num) {
				t.Fatalf("member %d of %q: numberValue %v, gjson %v", i, s, numberValue(g.value.Raw), w.value.Num)
			}
		}
	})
}

// TestMembersMatchForEachOnLargeObjects compares both walks past
// linearMembers and at maxMembers, where the duplicate check changes.
func TestMembersMatchForEachOnLargeObjects(t *testing.T) {
	for _, n := range []int{linearMembers + 1, maxMembers, maxMembers + 1} {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"m` + strings.Repeat("x", i) + `":` + strings.Repeat("7", 1+i%20))
		}
		b.WriteString("}")

		got, gotOK := members(b.String(), nil)
		want, wantOK := membersForEach(b.String(), nil)
		if gotOK != wantOK || len(got) != len(want) {
			t.Fatalf("%d members: members ok %v and %d, ForEach ok %v and %d", n, gotOK, len(got), wantOK, len(want))
		}
		for i := range want {
			if got[i].name != want[i].name || got[i].value.Raw != want[i].value.Raw || !sameFloat(numberValue(got[i].value.Raw), want[i].value.Num) {
				t.Fatalf("%d members: member %d differs", n, i)
			}
		}
	}
}

func sameFloat(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}
