package rttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// Rule names one part of the RoundTripper contract. It is the name of the
// subtest under which [Run] reports the rule, the Rule of a [Violation], and
// the key of [Config.Skip].
type Rule string

// The rules, in the order the kit reports them. The package documentation
// says what each one checks.
const (
	RequestUntouched Rule = "request untouched"
	BodyClosed       Rule = "body closed once"
	StatusResponse   Rule = "statuses are responses"
	ResponsesClosed  Rule = "discarded responses closed"
	CloseIdle        Rule = "CloseIdleConnections forwarded"
	Cancellation     Rule = "cancellation honoured"
	Concurrency      Rule = "concurrent use"
	NoGoroutineLeak  Rule = "no goroutine leak"
)

var rules = []Rule{
	RequestUntouched,
	BodyClosed,
	StatusResponse,
	ResponsesClosed,
	CloseIdle,
	Cancellation,
	Concurrency,
	NoGoroutineLeak, // last: it checks what the others left behind
}

// defaultBody is the request body when Config.Body is nil.
const defaultBody = `{"query":{"match_all":{}}}`

// A Violation reports that the middleware broke one rule. [Check] returns
// one Violation per broken rule, joined with [errors.Join]: [errors.As]
// finds the first, Unwrap() []error lists them all.
type Violation struct {
	Rule Rule
	// Problems says what the kit saw, one entry per distinct problem, each
	// followed by the scenarios it was seen in.
	Problems []string
}

func (v *Violation) Error() string {
	return "rttest: " + string(v.Rule) + ": " + strings.Join(v.Problems, "; ")
}

// Config adapts the kit to a middleware. The zero value is ready to use and
// is what [Run] and [Check] use.
type Config struct {
	// NewRequest returns a new request the kit sends through the middleware,
	// built on ctx and with body as its body; body is nil for the checks of
	// requests without one. The request's context must be ctx or derive from
	// it, or the cancellation rule fails. The kit then takes over the Body,
	// GetBody and ContentLength fields so that it can track the body and vary
	// it; everything else (method, URL, headers, context values) is yours.
	//
	// Use it for middlewares that behave differently per endpoint, or that
	// read per-request options from the context.
	//
	// If nil, the kit sends
	// POST http://elastic:changeme@es.invalid:9200/idx/_search?size=1
	// with Content-Type: application/json: a read-only search, which
	// operation-aware middlewares may retry.
	NewRequest func(ctx context.Context, body io.Reader) (*http.Request, error)

	// Body is the content of request bodies. If nil, a small JSON query.
	Body []byte

	// Skip maps the rules not to check to the reason why, which Run reports
	// with t.Skip. The reason must not be empty. Skipping should be rare:
	// esrt's own middlewares skip no rule.
	Skip map[Rule]string
}

// Run checks that mw keeps the RoundTripper contract, each rule in a
// subtest of t named after the rule. A -run pattern can select rules
// (TestX/request_untouched), and the race detector blames the subtest of the
// rule that provoked the race. A wrong Config, or a middleware that panics
// or returns nil when wrapping, fails t at once.
//
// Do not call Run from a parallel test: the goroutine leak rule counts every
// goroutine of the process.
func (c Config) Run(t *testing.T, mw rt.Middleware) {
	t.Helper()
	k, err := c.kit(mw)
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range rules {
		var stop error
		t.Run(string(rule), func(t *testing.T) {
			if reason, ok := c.Skip[rule]; ok {
				t.Skip(reason)
			}
			if stop = k.check(rule); stop != nil {
				t.Fatal(stop)
			}
			for _, p := range k.problems(rule) {
				t.Error(p)
			}
		})
		if stop != nil {
			t.FailNow()
		}
	}
}

// Check checks that mw keeps the RoundTripper contract, without a
// *testing.T. It returns nil if mw keeps every rule that is not skipped,
// an error joining one [*Violation] per broken rule otherwise, or an error
// that is not a Violation when the Config is wrong or mw panics or returns
// nil when wrapping.
func (c Config) Check(mw rt.Middleware) error {
	k, err := c.kit(mw)
	if err != nil {
		return err
	}
	var errs []error
	for _, rule := range rules {
		if k.skipped(rule) {
			continue
		}
		if err := k.check(rule); err != nil {
			return err
		}
		if p := k.problems(rule); len(p) > 0 {
			errs = append(errs, &Violation{Rule: rule, Problems: p})
		}
	}
	return errors.Join(errs...)
}

// Run checks mw with the zero [Config]. A plain
// func(next http.RoundTripper) http.RoundTripper is accepted.
func Run(t *testing.T, mw rt.Middleware) {
	t.Helper()
	Config{}.Run(t, mw)
}

// Check checks mw with the zero [Config].
func Check(mw rt.Middleware) error {
	return Config{}.Check(mw)
}

// kit validates c and returns a kit to check mw with. It takes the
// goroutine baseline of the leak rule.
func (c Config) kit(mw rt.Middleware) (*kit, error) {
	if mw == nil {
		return nil, errors.New("rttest: nil middleware")
	}
	for rule, reason := range c.Skip {
		if !slices.Contains(rules, rule) {
			return nil, fmt.Errorf("rttest: Skip names unknown rule %q", rule)
		}
		if strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("rttest: Skip of rule %q gives no reason", rule)
		}
	}
	k := &kit{
		mw:         mw,
		newRequest: c.NewRequest,
		body:       c.Body,
		skip:       c.Skip,
		found:      make(map[Rule]*findings),
		before:     goroutines(),
	}
	if k.newRequest == nil {
		k.newRequest = defaultRequest
	}
	if k.body == nil {
		k.body = []byte(defaultBody)
	}
	return k, nil
}

func defaultRequest(ctx context.Context, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		"http://elastic:changeme@es.invalid:9200/idx/_search?size=1", body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// maxProblems bounds the distinct problems kept per rule, so that a broken
// middleware under the concurrency rule does not produce hundreds of lines.
const maxProblems = 5

// findings are the distinct problems seen for one rule, each with the
// scenarios it was seen in.
type findings struct {
	problems []string
	where    map[string][]string
	dropped  int
}

func (f *findings) add(where, problem string) {
	if f.where == nil {
		f.where = make(map[string][]string)
	}
	ws, seen := f.where[problem]
	if !seen {
		if len(f.problems) == maxProblems {
			f.dropped++
			return
		}
		f.problems = append(f.problems, problem)
	}
	if where != "" && !slices.Contains(ws, where) {
		f.where[problem] = append(ws, where)
	}
}

func (f *findings) render() []string {
	var out []string
	for _, p := range f.problems {
		if ws := f.where[p]; len(ws) > 0 {
			p += " (seen with " + strings.Join(ws, ", ") + ")"
		}
		out = append(out, p)
	}
	if f.dropped > 0 {
		out = append(out, fmt.Sprintf("and %d more problems", f.dropped))
	}
	return out
}
