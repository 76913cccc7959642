package secrettest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps its errors.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// Check finds a secret in any of the forms it can leak in, on any
// surface, down an error's Unwrap tree, and fails on a surface that
// captured nothing.
func TestCheckFindsEveryForm(t *testing.T) {
	leaks := map[string]string{
		"whole":          Password,
		"a piece":        "parse: invalid fragment \"Zk2Mb/Xw9Nc\"",
		"percent":        url.UserPassword(User, Password).String(),
		"query":          url.QueryEscape(Password),
		"base64 pair":    base64.StdEncoding.EncodeToString([]byte(User + ":" + Password)),
		"base64 raw url": base64.RawURLEncoding.EncodeToString([]byte(Password)),
		"JSON":           `"Pq7Ja#Zk2Mb/Xw9Nc?Rt4Od@Lm3Pe:Hv8Qf Bn5Rg%41Cd6Sh"`,
	}
	for name, text := range leaks {
		for _, s := range Surfaces {
			var c Capture
			c.Add(s, text)
			r := &recorder{TB: t}
			c.Check(r, Basic(User, Password))
			if len(r.errs) == 0 {
				t.Errorf("%s on %s: not found", name, s)
			}
		}
	}
	var c Capture
	c.Error(fmt.Errorf("outer: %w", errors.Join(errors.New("fine"), &wrapped{Password})))
	r := &recorder{TB: t}
	c.Check(r, Forms(Password))
	if len(r.errs) == 0 {
		t.Error("a secret deep in an error tree: not found")
	}
	r = &recorder{TB: t}
	(&Capture{}).Check(r, Forms(Password), Logs)
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "nothing captured on logs") {
		t.Errorf("an empty surface: %q", r.errs)
	}
}

// wrapped hides its secret from Error but not from %+v or %#v.
type wrapped struct{ secret string }

func (w *wrapped) Error() string { return "wrapped" }

func (w *wrapped) Format(f fmt.State, verb rune) {
	if f.Flag('+') || f.Flag('#') {
		fmt.Fprint(f, w.secret)
		return
	}
	fmt.Fprint(f, w.Error())
}
