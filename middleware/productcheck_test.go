package middleware

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// product answers with the given status and X-Elastic-Product value.
type product struct {
	status int
	header string
	calls  atomic.Int32
	closed atomic.Int32
}

func (p *product) RoundTrip(req *http.Request) (*http.Response, error) {
	p.calls.Add(1)
	h := http.Header{}
	if p.header != "" {
		h.Set("X-Elastic-Product", p.header)
	}
	return &http.Response{StatusCode: p.status, Header: h, Body: &closeCounter{n: &p.closed}, Request: req}, nil
}

type closeCounter struct{ n *atomic.Int32 }

func (c *closeCounter) Read([]byte) (int, error) { return 0, errEOF }
func (c *closeCounter) Close() error             { c.n.Add(1); return nil }

var errEOF = errors.New("EOF")

func TestProductCheck(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		header  string
		wantErr string
	}{
		{"elasticsearch", 200, "Elasticsearch", ""},
		{"missing header", 200, "", "had no X-Elastic-Product header"},
		{"other product", 201, "Elasticmerch", `X-Elastic-Product is "Elasticmerch"`},
		{"error status unchecked", 401, "", ""},
		{"server error unchecked", 503, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &product{status: tt.status, header: tt.header}
			req, _ := http.NewRequest("GET", "http://es/", nil)
			res, err := ProductCheck()(base).RoundTrip(req)
			if tt.wantErr == "" {
				if err != nil || res.StatusCode != tt.status {
					t.Fatalf("RoundTrip = %v, %v", res, err)
				}
				res.Body.Close()
				return
			}
			var pe *ProductError
			if res != nil || !errors.As(err, &pe) || !errors.Is(err, ErrUnsupportedProduct) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("RoundTrip = %v, %v; want a ProductError containing %q", res, err, tt.wantErr)
			}
			if base.closed.Load() != 1 {
				t.Errorf("the refused response's body was closed %d times, want 1", base.closed.Load())
			}
		})
	}
}

func TestProductCheckCachesOnlySuccess(t *testing.T) {
	base := &product{status: 200}
	tr := ProductCheck()(base)
	do := func() error {
		req, _ := http.NewRequest("GET", "http://es/", nil)
		res, err := tr.RoundTrip(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	if do() == nil || do() == nil {
		t.Fatal("failures must not be cached as success")
	}
	base.header = "Elasticsearch"
	if err := do(); err != nil {
		t.Fatal(err)
	}
	base.header = "" // after one success, responses are not checked again
	if err := do(); err != nil {
		t.Fatalf("checked again after success: %v", err)
	}
}

// asElasticsearch wraps the kit's base so that it answers like Elasticsearch.
func asElasticsearch(next http.RoundTripper) http.RoundTripper {
	return &esHeader{next: next}
}

type esHeader struct{ next http.RoundTripper }

func (e *esHeader) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := e.next.RoundTrip(req)
	if res != nil {
		res.Header.Set("X-Elastic-Product", "Elasticsearch")
	}
	return res, err
}

func (e *esHeader) CloseIdleConnections() { rt.CloseIdleConnections(e.next) }
