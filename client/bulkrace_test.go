//go:build race

package client

// bulkRace reports that the race detector is on: load tests scale down.
const bulkRace = true
