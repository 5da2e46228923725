//go:build !race

package inject

// raceDetector reports whether the tests run with -race.
const raceDetector = false
