//go:build race

package interop

// raceEnabled builds the iosemu binary with -race too when the tests run
// with -race, so the load on the real binary also hunts data races.
const raceEnabled = true
