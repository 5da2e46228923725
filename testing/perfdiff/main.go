// Command perfdiff compares two perf profiles of the e2e host benchmarks. It
// prints the CPU time per exchange of each part of the process (the
// module's own code, the module's Go runtime, the host's Go code, wazero,
// the kernel) in both, and the functions whose time differs most.
//
// Unlike testing/guestprof, which counts every guest call through wazero's
// function listeners and so inflates small functions, perf samples the
// unmodified run. The machine needs no hardware counters: the software
// clock (cpu-clock) is enough. wazero names the machine code it compiles
// in /tmp/perf-PID.map when the test binary is built with the perfmap tag,
// and perf report reads that file, so keep it until the report is done:
//
//	go test -c -tags perfmap -o /tmp/e2e.test ./testing/e2e/
//	cd testing/e2e
//	for b in HostAPIKey HostRateLimit3Rules; do
//	  GOMAXPROCS=1 perf record -e cpu-clock -F 2000 -o /tmp/$b.data -- \
//	    /tmp/e2e.test -test.run '^$' -test.bench "$b\$" -test.benchtime 600000x
//	done
//	cd ../..
//	go run ./testing/perfdiff -exchanges 600000 -hz 2000 -focus 'ratelimit|limiterStore' \
//	  /tmp/HostRateLimit3Rules.data /tmp/HostAPIKey.data
//
// A sample is 1/hz seconds of one thread's CPU time, and the times are the
// CPU time of every thread divided by the exchanges. So module compilation
// at the start of each benchmark counts in both profiles. It cancels out
// in the difference only when both benchmarks load the same module.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	exchanges := flag.Int("exchanges", 0, "exchanges that each benchmark ran (its -test.benchtime count)")
	hz := flag.Int("hz", 2000, "sampling frequency given to perf record -F")
	focus := flag.String("focus", "", "regular expression: guest functions that match it get a category of their own")
	top := flag.Int("top", 25, "functions to list")
	flag.Parse()
	if flag.NArg() != 2 || *exchanges <= 0 || *hz <= 0 {
		fmt.Fprintln(os.Stderr, "usage: perfdiff -exchanges N [-hz 2000] [-focus REGEXP] [-top 25] FOCUS.data BASE.data")
		os.Exit(2)
	}
	focusRE, err := regexp.Compile(*focus)
	if err != nil {
		fmt.Fprintf(os.Stderr, "perfdiff: invalid -focus %q: %v\n", *focus, err)
		os.Exit(2)
	}

	profiles := make([]profile, 2)
	for i, path := range flag.Args() {
		out, err := exec.Command("perf", "report", "-i", path, "--no-children",
			"--sort", "dso,sym", "-F", "sample,dso,sym", "--stdio").Output()
		if err != nil {
			fmt.Fprintf(os.Stderr, "perfdiff: perf report -i %s failed: %v\n", path, err)
			os.Exit(1)
		}
		profiles[i] = parseReport(bytes.NewReader(out), focusRE, *focus != "")
	}

	// One sample is 1/hz s of CPU time, spread over the exchanges.
	nsPerSample := 1e9 / float64(*hz) / float64(*exchanges)
	writeDiff(os.Stdout, profiles[0], profiles[1], nsPerSample, *top)
}

// profile is the sample counts of one perf report, per category and per
// function within a category.
type profile struct {
	categories map[string]int
	functions  map[[2]string]int
}

// reportLine matches a line of perf report -F sample,dso,sym --stdio: the
// sample count, the object (a JIT object is "[JIT] tid N"), the kind of
// symbol ([.] user, [k] kernel) and the symbol.
var reportLine = regexp.MustCompile(`^\s*(\d+)\s+(\[JIT\] tid \d+|\S+)\s+\[(.)\]\s+(.+?)\s*$`)

// blockSuffix and indexPrefix are the parts of a wazero perfmap name around
// the function name: "[index/count]." before it and ":::::L<block>" after.
var (
	blockSuffix = regexp.MustCompile(`:::::L\d+$`)
	indexPrefix = regexp.MustCompile(`^\[\d+/\d+\]\.`)
)

func parseReport(r io.Reader, focus *regexp.Regexp, useFocus bool) profile {
	p := profile{categories: map[string]int{}, functions: map[[2]string]int{}}
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for scanner.Scan() {
		m := reportLine.FindStringSubmatch(scanner.Text())
		if m == nil {
			continue
		}
		samples, _ := strconv.Atoi(m[1])
		function := indexPrefix.ReplaceAllString(blockSuffix.ReplaceAllString(m[4], ""), "")
		category := categorize(m[2], m[3], function, focus, useFocus)
		p.categories[category] += samples
		p.functions[[2]string{category, function}] += samples
	}
	return p
}

// categorize names the part of the process that a function belongs to. The
// module's functions are in wazero's JIT object under their names in the
// wasm name section, such as main.__httpContext_.forward or, for the Go
// runtime, runtime.mallocgc.
func categorize(object, kind, function string, focus *regexp.Regexp, useFocus bool) string {
	switch {
	case kind == "k" || strings.Contains(object, "kernel"):
		return "kernel"
	case strings.HasPrefix(object, "[JIT]"):
		switch {
		case useFocus && focus.MatchString(function):
			return "module: focus"
		case strings.HasPrefix(function, "runtime.") || strings.HasPrefix(function, "internal_") ||
			function == "memeqbody" || function == "aeshashbody":
			return "module: Go runtime"
		}
		return "module: other"
	case strings.Contains(function, "wazero"):
		return "host: wazero"
	}
	return "host: other"
}

func writeDiff(w io.Writer, focus, base profile, nsPerSample float64, top int) {
	categories := unionKeys(focus.categories, base.categories)
	sort.Strings(categories)
	fmt.Fprintf(w, "%10s %10s %10s  %s\n", "focus", "base", "difference", "ns per exchange")
	var focusTotal, baseTotal int
	for _, c := range categories {
		focusTotal += focus.categories[c]
		baseTotal += base.categories[c]
		writeRow(w, c, focus.categories[c], base.categories[c], nsPerSample)
	}
	writeRow(w, "total", focusTotal, baseTotal, nsPerSample)

	functions := unionKeys(focus.functions, base.functions)
	sort.Slice(functions, func(i, j int) bool {
		di := abs(focus.functions[functions[i]] - base.functions[functions[i]])
		dj := abs(focus.functions[functions[j]] - base.functions[functions[j]])
		if di != dj {
			return di > dj
		}
		return functions[i][1] < functions[j][1]
	})
	fmt.Fprintf(w, "\nfunctions with the largest differences, either way:\n")
	for _, f := range functions[:min(top, len(functions))] {
		writeRow(w, f[0]+"  "+f[1], focus.functions[f], base.functions[f], nsPerSample)
	}
}

func writeRow(w io.Writer, name string, focus, base int, nsPerSample float64) {
	fmt.Fprintf(w, "%10.0f %10.0f %+10.0f  %s\n", float64(focus)*nsPerSample, float64(base)*nsPerSample,
		float64(focus-base)*nsPerSample, name)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func unionKeys[K comparable](a, b map[K]int) []K {
	keys := make([]K, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	return keys
}
