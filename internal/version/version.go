// Package version holds esrt's version, for the User-Agent header and the
// esrt command.
package version

// Version is esrt's version.
const Version = "0.1.0-dev"
