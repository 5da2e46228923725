package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// report is a cut of perf report -F sample,dso,sym --stdio on a test binary
// built with the perfmap tag.
const report = `# To display the perf.data header info, please use --header/--header-only options.
#
# Samples: 49K of event 'cpu-clock:ppp'
#
       160  [JIT] tid 21064     [.] [2876/5294].github.com_bulwark_dev_bulwark_filter_ratelimit.__Limiter_.Check:::::L495
        40  [JIT] tid 21064     [.] [2876/5294].github.com_bulwark_dev_bulwark_filter_ratelimit.__Limiter_.Check:::::L2
        88  [JIT] tid 21064     [.] [1010/5294].runtime.mallocgc:::::L0
        12  [JIT] tid 21064     [.] memeqbody
        30  [JIT] tid 21064     [.] [3000/5294].main.__httpContext_.forward:::::L7
       300  e2e.test            [.] runtime.memmove
        70  e2e.test            [.] github.com/tetratelabs/wazero/internal/engine/wazevo.(*callEngine).callWithStack
         9  [kernel.kallsyms]   [k] clear_page_erms

`

func TestParseReportCategories(t *testing.T) {
	p := parseReport(strings.NewReader(report), regexp.MustCompile(`ratelimit`), true)

	require.Equal(t, map[string]int{
		"module: focus":      200,
		"module: Go runtime": 100,
		"module: other":      30,
		"host: other":        300,
		"host: wazero":       70,
		"kernel":             9,
	}, p.categories)
	require.Equal(t, 200, p.functions[[2]string{"module: focus", "github.com_bulwark_dev_bulwark_filter_ratelimit.__Limiter_.Check"}])
	require.Equal(t, 88, p.functions[[2]string{"module: Go runtime", "runtime.mallocgc"}])
}

func TestParseReportWithoutFocus(t *testing.T) {
	p := parseReport(strings.NewReader(report), regexp.MustCompile(``), false)

	require.Zero(t, p.categories["module: focus"])
	require.Equal(t, 230, p.categories["module: other"])
}

func TestWriteDiffPerExchange(t *testing.T) {
	focus := parseReport(strings.NewReader(report), regexp.MustCompile(`ratelimit`), true)
	base := parseReport(strings.NewReader(strings.ReplaceAll(report, "ratelimit", "apikey")), regexp.MustCompile(`ratelimit`), true)

	var out bytes.Buffer
	writeDiff(&out, focus, base, 0.5, 2)
	text := out.String()

	require.Contains(t, text, "       100          0       +100  module: focus\n")
	require.Contains(t, text, "        15        115       -100  module: other\n")
	require.Contains(t, text, "       354        354         +0  total\n")
	require.Contains(t, text, "+100  module: focus  github.com_bulwark_dev_bulwark_filter_ratelimit.__Limiter_.Check\n")
	require.Contains(t, text, "-100  module: other  github.com_bulwark_dev_bulwark_filter_apikey.__Limiter_.Check\n")
}
