package options

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/esrt-dev/esrt/internal/secret"
)

// String lists the options that are set, with the credential and the
// values of secret-looking headers redacted, as
// "options.Options{RequestTimeout: 2s, Auth: ApiKey [redacted]}".
func (o Options) String() string {
	var parts []string
	add := func(set bool, name string, v any) {
		if set {
			parts = append(parts, fmt.Sprintf("%s: %v", name, v))
		}
	}
	add(o.HasRequestTimeout, "RequestTimeout", o.RequestTimeout)
	add(o.HasAttemptTimeout, "AttemptTimeout", o.AttemptTimeout)
	add(o.HasMaxRetries, "MaxRetries", o.MaxRetries)
	add(o.HasOpaqueID, "OpaqueID", o.OpaqueID)
	add(o.HasHeader, "Header", headerString(o.Header))
	add(o.HasAuth, "Auth", authString(o.AuthScheme))
	add(o.HasIdempotent, "Idempotent", o.Idempotent)
	add(o.Node != nil, "Node", o.Node)
	add(o.Hooks != nil, "Hooks", "set")
	add(o.Attempts != nil, "Attempts", "set")
	add(o.Hedge, "Hedge", true)
	add(o.LastResort, "LastResort", true)
	return "options.Options{" + strings.Join(parts, ", ") + "}"
}

// headerString prints h sorted by key, with the values of secret-looking
// headers redacted.
func headerString(h http.Header) string {
	var hs []string
	for _, k := range slices.Sorted(maps.Keys(h)) {
		v := strings.Join(h[k], ",")
		if secret.Header(k) {
			v = "[redacted]"
		}
		hs = append(hs, k+": "+v)
	}
	return "{" + strings.Join(hs, "; ") + "}"
}

// authString prints a credential as rt.Auth does: its scheme only.
func authString(scheme string) string {
	if scheme == "" {
		return "<none>"
	}
	return scheme + " [redacted]"
}

// Format prints [Options.String] for every verb, %#v included, so that no
// verb reveals a credential.
func (o Options) Format(f fmt.State, _ rune) { fmt.Fprint(f, o.String()) }

// LogValue keeps log/slog handlers from reaching a credential.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }
