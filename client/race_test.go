//go:build race

package client

// raceEnabled reports that the race detector is on: load tests scale down.
const raceEnabled = true
