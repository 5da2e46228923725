package inject

import (
	"math/rand/v2"
	"testing"

	"github.com/corazawaf/libinjection-go"
	"github.com/stretchr/testify/require"
)

func TestSQLContinuationFlagsQueryTails(t *testing.T) {
	values := []string{
		" or 2>1 --",
		") and sleep(3)#",
		" group by col having 2=2",
	}
	for _, v := range values {
		findings := scanText(v)
		require.True(t, hasRule(findings, SQLi, "libinjection-sqli") || hasRule(findings, SQLi, "libinjection-sqli-context"),
			"%q: findings %v", v, findings)
	}
}

func TestSQLContinuationPassesLookAlikes(t *testing.T) {
	values := []string{
		// Apostrophes in names, SQL words in prose, arrows, code.
		"Mary-Kate O'Neil",
		"select the best option from the menu",
		"order by date, then by name",
		"price > 10 and < 20",
		"a -> b -> c",
		"if (x == 1) { y = 2 }",
		"Don't drop the ball (again)",
		"5 * 3 = 15",
	}
	for _, v := range values {
		require.Empty(t, scanText(v), "%q", v)
	}
}

// TestBarewordStartImpliesOneToken checks the premise of checkValue's
// single SQL gate: a value that barewordStart accepts with two tokens it
// also accepts with one, so isSQLi would skip libinjection with and
// without the quote prefix, and libinjection flags neither form.
func TestBarewordStartImpliesOneToken(t *testing.T) {
	skipUnderRace(t)
	r := rand.New(rand.NewPCG(17, 18))
	accepted := 0
	for i := range 100_000 {
		v := randomSQL(r)
		if i%2 == 1 {
			v = randomValue(r)
		}
		if !plainBytes(v) || !barewordStart(v, 2) {
			continue
		}
		accepted++
		require.True(t, barewordStart(v, 1), "%q", v)
		flagged, _ := libinjection.IsSQLi(v)
		require.False(t, flagged, "%q", v)
		flagged, _ = libinjection.IsSQLi("'" + v)
		require.False(t, flagged, "%q after a quote", v)
	}
	require.Greater(t, accepted, 5000, "too few random values start with barewords")
}
