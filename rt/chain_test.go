package rt

import (
	"net/http"
	"testing"
)

func TestChainNilBaseIsDefaultTransport(t *testing.T) {
	if got := Chain(nil); got != http.DefaultTransport {
		t.Fatalf("Chain(nil) = %T %p, want http.DefaultTransport", got, got)
	}
	var inner http.RoundTripper
	mw := func(next http.RoundTripper) http.RoundTripper { inner = next; return next }
	Chain(nil, mw)
	if inner != http.DefaultTransport {
		t.Fatalf("middleware got next %T, want http.DefaultTransport", inner)
	}
}

func TestChainNilMiddlewaresSkipped(t *testing.T) {
	base := Func(func(*http.Request) (*http.Response, error) { return nil, nil })
	var order []string
	mw := func(name string) Middleware {
		return func(next http.RoundTripper) http.RoundTripper {
			order = append(order, name) // built innermost first
			return next
		}
	}
	tests := []struct {
		name string
		mws  []Middleware
		want []string
	}{
		{"none", nil, nil},
		{"all nil", []Middleware{nil, nil}, nil},
		{"nil between", []Middleware{mw("a"), nil, mw("b")}, []string{"b", "a"}},
		{"nil at ends", []Middleware{nil, mw("a"), nil}, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order = nil
			got := Chain(base, tt.mws...)
			if len(tt.mws) == 0 || tt.want == nil {
				// Only nils: the base itself comes back.
				if _, ok := got.(Func); !ok {
					t.Fatalf("Chain returned %T, want the base", got)
				}
			}
			if len(order) != len(tt.want) {
				t.Fatalf("built %v, want %v", order, tt.want)
			}
			for i := range order {
				if order[i] != tt.want[i] {
					t.Fatalf("built %v, want %v", order, tt.want)
				}
			}
		})
	}
}

type idleCounter struct {
	Func
	n int
}

func (c *idleCounter) CloseIdleConnections() { c.n++ }

func TestCloseIdleConnections(t *testing.T) {
	c := &idleCounter{}
	CloseIdleConnections(c)
	CloseIdleConnections(Func(nil)) // no method: nothing happens
	if c.n != 1 {
		t.Fatalf("CloseIdleConnections reached the transport %d times, want 1", c.n)
	}
}
