//go:build race

package plugintest

// raceEnabled is true when the test binary runs with the race detector, so
// that plugins built for the checks run with it too.
const raceEnabled = true
