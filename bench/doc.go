// Package bench holds iosemu's speed and memory targets as Go benchmarks
// (go test -run '^$' -bench . ./bench). Nothing here runs in the unit tests.
package bench
