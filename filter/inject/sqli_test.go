package inject

import (
	"testing"

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
