package guestprof

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// Profile is the record of every function called in a profiled period.
type Profile []FuncStats

// Lookup returns the record of the function name, zero when it was not
// called.
func (p Profile) Lookup(name string) FuncStats {
	for _, s := range p {
		if s.Name == name {
			return s
		}
	}
	return FuncStats{Name: name}
}

// TotalSelf returns the time recorded in all functions together.
func (p Profile) TotalSelf() time.Duration {
	var total time.Duration
	for _, s := range p {
		total += s.Self
	}
	return total
}

// Write prints the top functions by self time, per operation when the
// profiled period ran ops operations (requests, say): calls, self and
// inclusive time in microseconds, and the share of the total self time.
func (p Profile) Write(w io.Writer, ops, top int) error {
	sorted := append(Profile(nil), p...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Self > sorted[j].Self })
	total := p.TotalSelf()

	if _, err := fmt.Fprintf(w, "%-60s %10s %10s %10s %7s\n", "function", "calls/op", "self µs", "incl µs", "self %"); err != nil {
		return err
	}
	for _, s := range sorted[:min(top, len(sorted))] {
		_, err := fmt.Fprintf(w, "%-60s %10.1f %10.2f %10.2f %6.1f%%\n", shorten(s.Name, 60),
			perOp(float64(s.Calls), ops), micros(s.Self, ops), micros(s.Inclusive, ops), percent(s.Self, total))
		if err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%-60s %10s %10.2f\n", "total", "", micros(total, ops))
	return err
}

// Difference is one function's change between two profiles, per
// operation.
type Difference struct {
	Name string

	// BaseCalls and Calls are the calls per operation in the base profile
	// and in the other.
	BaseCalls, Calls float64

	// BaseSelf and Self are the self times per operation, in microseconds.
	BaseSelf, Self float64
}

// Compare returns each function's calls and self time per operation in base
// (baseOps operations) and in p (ops operations), the largest increase of
// self time first.
func (p Profile) Compare(base Profile, baseOps, ops int) []Difference {
	byName := map[string]*Difference{}
	get := func(name string) *Difference {
		d, ok := byName[name]
		if !ok {
			d = &Difference{Name: name}
			byName[name] = d
		}
		return d
	}
	for _, s := range base {
		d := get(s.Name)
		d.BaseCalls, d.BaseSelf = perOp(float64(s.Calls), baseOps), micros(s.Self, baseOps)
	}
	for _, s := range p {
		d := get(s.Name)
		d.Calls, d.Self = perOp(float64(s.Calls), ops), micros(s.Self, ops)
	}

	diffs := make([]Difference, 0, len(byName))
	for _, d := range byName {
		diffs = append(diffs, *d)
	}
	sort.Slice(diffs, func(i, j int) bool {
		return diffs[i].Self-diffs[i].BaseSelf > diffs[j].Self-diffs[j].BaseSelf
	})
	return diffs
}

// WriteDifferences prints the first top differences of Compare.
func WriteDifferences(w io.Writer, diffs []Difference, top int) error {
	if _, err := fmt.Fprintf(w, "%-60s %10s %10s %10s %10s %10s\n",
		"function", "base calls", "calls", "base µs", "µs", "Δ µs"); err != nil {
		return err
	}
	for _, d := range diffs[:min(top, len(diffs))] {
		_, err := fmt.Fprintf(w, "%-60s %10.1f %10.1f %10.2f %10.2f %+10.2f\n",
			shorten(d.Name, 60), d.BaseCalls, d.Calls, d.BaseSelf, d.Self, d.Self-d.BaseSelf)
		if err != nil {
			return err
		}
	}
	return nil
}

func perOp(v float64, ops int) float64 { return v / float64(max(ops, 1)) }

func micros(d time.Duration, ops int) float64 {
	return perOp(float64(d)/float64(time.Microsecond), ops)
}

func percent(part, total time.Duration) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(part) / float64(total)
}

// shorten keeps the end of a long name, where a Go symbol's function is.
func shorten(name string, width int) string {
	if len(name) <= width {
		return name
	}
	return "…" + name[len(name)-width+1:]
}
