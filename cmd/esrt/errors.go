package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/esrt-dev/esrt/rt"
)

// flagOfField names the flag that sets each esrt.Config field.
var flagOfField = map[string]string{
	"Addresses":              "--url",
	"CloudID":                "--cloud-id",
	"APIKey":                 "--api-key",
	"Username":               "--user",
	"Password":               "--user",
	"CACert":                 "--ca-cert",
	"CertificateFingerprint": "--fingerprint",
}

// usageError reports whether err is a configuration the command line
// asked for that cannot work, and says so in terms of flags.
func usageError(err error) (string, bool) {
	var ce *rt.ConfigError
	if !errors.As(err, &ce) {
		return "", false
	}
	field, index, _ := strings.Cut(ce.Field, "[")
	name, ok := flagOfField[field]
	if !ok {
		return oneLine(err), true
	}
	if field == "Addresses" && index != "" {
		name = fmt.Sprintf("%s (address %s)", name, strings.TrimSuffix(index, "]"))
	}
	return name + ": " + strings.Join(strings.Fields(ce.Err.Error()), " "), true
}

// describe puts a failed request on one line: for a request that was
// tried several times, how many attempts failed and the last one's error.
func describe(err error) string {
	var re *rt.RetryError
	if errors.As(err, &re) && len(re.Attempts) > 1 {
		return fmt.Sprintf("%s %s: no node answered after %d attempts; the last: %s",
			re.Method, re.Path, len(re.Attempts), oneLine(re.Attempts[len(re.Attempts)-1]))
	}
	return oneLine(err)
}

// failed prints err on one line without secrets and returns the exit
// code: 2 for a configuration the flags asked for, 1 otherwise.
func failed(stderr io.Writer, name string, sec secrets, err error) int {
	if msg, ok := usageError(err); ok {
		fmt.Fprintf(stderr, "esrt %s: %s\n", name, sec.scrub(msg))
		return 2
	}
	fmt.Fprintf(stderr, "esrt %s: %s\n", name, sec.scrub(describe(err)))
	return 1
}
