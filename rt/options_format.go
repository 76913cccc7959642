package rt

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/esrt-dev/esrt/internal/secret"
)

// String lists the options that are set, with the credential of [WithAuth]
// and the values of secret-looking headers of [WithHeader] redacted, as
// "rt.Options{RequestTimeout: 2s, Auth: ApiKey [redacted]}".
func (o Options) String() string {
	var parts []string
	add := func(name string, v any) { parts = append(parts, fmt.Sprintf("%s: %v", name, v)) }
	if d, ok := o.RequestTimeout(); ok {
		add("RequestTimeout", d)
	}
	if d, ok := o.AttemptTimeout(); ok {
		add("AttemptTimeout", d)
	}
	if n, ok := o.MaxRetries(); ok {
		add("MaxRetries", n)
	}
	if id, ok := o.OpaqueID(); ok {
		add("OpaqueID", id)
	}
	if h, ok := o.Header(); ok {
		var hs []string
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range h {
				if !yield(k) {
					return
				}
			}
		}) {
			v := strings.Join(h[k], ",")
			if secret.Header(k) {
				v = "[redacted]"
			}
			hs = append(hs, k+": "+v)
		}
		add("Header", "{"+strings.Join(hs, "; ")+"}")
	}
	if a, ok := o.Auth(); ok {
		add("Auth", a.String())
	}
	if v, ok := o.Idempotent(); ok {
		add("Idempotent", v)
	}
	if n, ok := o.Node(); ok {
		add("Node", n.String())
	}
	if o.hooks != nil {
		add("Hooks", "set")
	}
	if o.hedge {
		add("Hedge", true)
	}
	if o.lastResort {
		add("LastResort", true)
	}
	return "rt.Options{" + strings.Join(parts, ", ") + "}"
}

// Format prints [Options.String] for every verb, %#v included, so that no
// verb reveals a credential.
func (o Options) Format(f fmt.State, _ rune) { fmt.Fprint(f, o.String()) }

// LogValue keeps log/slog handlers from reaching a credential.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }
