package discovery_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/rt"
)

// manyNodes returns specs of n data nodes at 10.x addresses.
func manyNodes(n int) []spec {
	specs := make([]spec, n)
	for i := range specs {
		specs[i] = spec{fmt.Sprintf("n%d", i), fmt.Sprintf("10.%d.%d.1:9200", i/250, i%250), data}
	}
	return specs
}

// warnings returns the Warn lines of a text log.
func warnings(logs string) []string {
	var out []string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "level=WARN") {
			out = append(out, line)
		}
	}
	return out
}

// An answer that lists more nodes than MaxNodes is refused whole: the
// published set stays, no other node is asked, and one Warn line says why.
func TestSniffMaxNodes(t *testing.T) {
	tr := &stub{fn: answer(200, nodesBody(spec{"a", "10.0.0.1:9200", data}))}
	var rec recorder
	var logs logBuffer
	s := newSniffer(t, discovery.Config{
		Seeds:     []*rt.Node{mustNode(t, "http://seed1:9200"), mustNode(t, "http://seed2:9200")},
		Transport: tr,
		Publish:   rec.publish,
		Logger:    debugLogger(&logs),
	})
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	tr.set(answer(200, nodesBody(manyNodes(discovery.DefaultMaxNodes+1)...)))
	tr.reset()
	err := s.Sniff(t.Context())
	if !errors.Is(err, discovery.ErrTooManyNodes) {
		t.Fatalf("err = %v, want ErrTooManyNodes", err)
	}
	if got := urls(s.Nodes()); !slices.Equal(got, []string{"http://10.0.0.1:9200"}) || rec.count() != 1 {
		t.Errorf("Nodes() = %q after %d publishes, want the first set", got, rec.count())
	}
	if got := tr.hosts(); !slices.Equal(got, []string{"10.0.0.1:9200"}) {
		t.Errorf("asked %q, want only the node that gave the first answer", got)
	}
	if w := warnings(logs.String()); len(w) != 1 || !strings.Contains(w[0], "more nodes than MaxNodes") || !strings.Contains(w[0], "5001 nodes") {
		t.Errorf("want one warning naming the cap, got:\n%s", logs.String())
	}

	// MaxNodes is configurable; the cap is inclusive.
	for _, tt := range []struct {
		max  int
		want error
	}{{2, discovery.ErrTooManyNodes}, {3, nil}} {
		tr := &stub{fn: answer(200, nodesBody(manyNodes(3)...))}
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, MaxNodes: tt.max})
		if err := s.Sniff(t.Context()); !errors.Is(err, tt.want) {
			t.Errorf("MaxNodes %d, 3 nodes: err = %v, want %v", tt.max, err, tt.want)
		}
	}
}

// A deeply nested body does not parse; the next node is asked.
func TestSniffDeeplyNestedBody(t *testing.T) {
	nested := `{"nodes":{"x":{"http":{"publish_address":"10.0.0.9:9200"},"deep":` +
		strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20) + `}}}`
	tr := &stub{}
	tr.set(func(req *http.Request) (*http.Response, error) {
		if req.URL.Host == "a:9200" {
			return response(req, 200, nested), nil
		}
		return response(req, 200, nodesBody(spec{"b", "10.0.0.1:9200", data})), nil
	})
	s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://a:9200"), mustNode(t, "http://b:9200")}, Transport: tr})
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := urls(s.Nodes()); !slices.Equal(got, []string{"http://10.0.0.1:9200"}) {
		t.Errorf("Nodes() = %q", got)
	}
}

// The Docker capture publishes the container's address, which the host
// cannot reach: the check of the new set times out, nothing is published,
// and one Warn line says why and what to do.
func TestSniffDockerCaptureKeepsSeeds(t *testing.T) {
	body, err := os.ReadFile("testdata/nodes_http/real_captures/es-8.0.0_docker_single_node.json")
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		tr := &stub{}
		tr.set(func(req *http.Request) (*http.Response, error) {
			if req.URL.Host == "localhost:9200" {
				return response(req, 200, string(body)), nil
			}
			// 172.19.0.2 from the host: packets go nowhere.
			<-req.Context().Done()
			return nil, req.Context().Err()
		})
		var rec recorder
		var logs logBuffer
		s := newSniffer(t, discovery.Config{
			Seeds:     []*rt.Node{mustNode(t, "http://localhost:9200")},
			Transport: tr,
			Publish:   rec.publish,
			Logger:    debugLogger(&logs),
		})
		start := time.Now()
		err := s.Sniff(t.Context())
		if !errors.Is(err, discovery.ErrUnreachable) || !strings.Contains(err.Error(), "http://172.19.0.2:9200") {
			t.Fatalf("err = %v, want ErrUnreachable naming the container address", err)
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("sniff took %v, want the 2s bound of the check", got)
		}
		if rec.count() != 0 || s.Nodes() != nil {
			t.Errorf("published %d sets, Nodes() = %q", rec.count(), urls(s.Nodes()))
		}
		if got := tr.probes(); !slices.Equal(got, []string{"172.19.0.2:9200"}) {
			t.Errorf("checked %q", got)
		}
		w := warnings(logs.String())
		if len(w) != 1 {
			t.Fatalf("%d warnings, want 1:\n%s", len(w), logs.String())
		}
		for _, part := range []string{"published addresses do not answer", "using the configured addresses",
			"sniffing is not for clusters behind Docker or a proxy", "172.19.0.2:9200"} {
			if !strings.Contains(w[0], part) {
				t.Errorf("warning does not say %q:\n%s", part, w[0])
			}
		}

		// A shorter RequestTimeout bounds the check too.
		s = newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://localhost:9200")}, Transport: tr, RequestTimeout: 300 * time.Millisecond})
		start = time.Now()
		if err := s.Sniff(t.Context()); !errors.Is(err, discovery.ErrUnreachable) {
			t.Fatalf("err = %v", err)
		}
		if got := time.Since(start); got != 300*time.Millisecond {
			t.Errorf("sniff took %v, want the 300ms request timeout", got)
		}
	})
}

// Once a set is published, a new answer whose nodes do not answer leaves it
// in place, and the warning says so.
func TestSniffUnreachableKeepsPublishedSet(t *testing.T) {
	tr := &stub{}
	published := nodesBody(spec{"a", "10.0.0.1:9200", data})
	tr.set(func(req *http.Request) (*http.Response, error) {
		if req.Method == http.MethodHead {
			return response(req, 200, ""), nil
		}
		return response(req, 200, published), nil
	})
	var logs logBuffer
	// a is down: the seed answers with a set of other, unreachable nodes.
	s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, Logger: debugLogger(&logs)})
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	tr.set(func(req *http.Request) (*http.Response, error) {
		if req.URL.Host == "seed:9200" {
			return response(req, 200, nodesBody(manyNodes(10)...)), nil
		}
		return nil, errors.New("connection refused")
	})
	tr.reset()
	if err := s.Sniff(t.Context()); !errors.Is(err, discovery.ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if got := urls(s.Nodes()); !slices.Equal(got, []string{"http://10.0.0.1:9200"}) {
		t.Errorf("Nodes() = %q, want the published set", got)
	}
	if got := tr.probes(); len(got) != 3 {
		t.Errorf("checked %q, want 3 of the 10 new nodes", got)
	}
	if w := warnings(logs.String()); len(w) != 1 || !strings.Contains(w[0], "keeping the current nodes") {
		t.Errorf("want one warning saying the current nodes stay, got:\n%s", logs.String())
	}
}

// The check passes when any checked node answers, with any status; it is
// skipped when the set holds the node that answered. It carries the
// credentials and the path prefix of a sniff request.
func TestSniffCheck(t *testing.T) {
	t.Run("one of three answers", func(t *testing.T) {
		tr := &stub{}
		tr.set(func(req *http.Request) (*http.Response, error) {
			switch {
			case req.Method == http.MethodGet:
				return response(req, 200, nodesBody(spec{"a", "10.0.0.1:9200", data}, spec{"b", "10.0.0.2:9200", data}, spec{"c", "10.0.0.3:9200", data})), nil
			case req.URL.Host == "10.0.0.2:9200":
				return response(req, 401, ""), nil
			}
			return nil, errors.New("connection refused")
		})
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://u:p@seed:9200/es")}, Transport: tr})
		if err := s.Sniff(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := len(s.Nodes()); got != 3 {
			t.Errorf("published %d nodes, want 3", got)
		}
		for _, r := range tr.reqs {
			if r.Method != http.MethodHead {
				continue
			}
			if r.URL.Path != "/es/" || r.Header.Get("Authorization") != rt.BasicAuth("u", "p").Header() || r.URL.User != nil {
				t.Errorf("check %s %s, Authorization %q", r.Method, r.URL.Redacted(), r.Header.Get("Authorization"))
			}
		}
	})
	t.Run("the node that answered is in the set", func(t *testing.T) {
		tr := &stub{}
		tr.set(func(req *http.Request) (*http.Response, error) {
			if req.Method == http.MethodHead {
				return nil, errors.New("connection refused")
			}
			return response(req, 200, nodesBody(spec{"s", "seed:9200", data}, spec{"b", "10.0.0.2:9200", data})), nil
		})
		s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr})
		if err := s.Sniff(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := tr.probes(); len(got) != 0 {
			t.Errorf("checked %q", got)
		}
	})
	t.Run("the caller's deadline ends the check", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			tr := &stub{}
			tr.set(func(req *http.Request) (*http.Response, error) {
				if req.Method == http.MethodHead {
					<-req.Context().Done()
					return nil, req.Context().Err()
				}
				return response(req, 200, nodesBody(spec{"a", "10.0.0.1:9200", data})), nil
			})
			var logs logBuffer
			s := newSniffer(t, discovery.Config{Seeds: []*rt.Node{mustNode(t, "http://seed:9200")}, Transport: tr, Logger: debugLogger(&logs)})
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			if err := s.Sniff(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want the caller's deadline", err)
			}
			if s.Nodes() != nil {
				t.Errorf("published %q", urls(s.Nodes()))
			}
		})
	})
}

// countingBody is an endless response body that counts the bytes read.
type countingBody struct{ n atomic.Int64 }

func (b *countingBody) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	b.n.Add(int64(len(p)))
	return len(p), nil
}

func (b *countingBody) Close() error { return nil }

// An answer whose Content-Length is over the 32 MiB cap is refused as
// declared, without reading its body; the next seed is asked.
func TestSniffRefusesDeclaredLengthOverCap(t *testing.T) {
	huge := &countingBody{}
	tr := &stub{}
	tr.set(func(req *http.Request) (*http.Response, error) {
		if req.URL.Host == "a:9200" {
			res := response(req, 200, "")
			res.Body, res.ContentLength = huge, 1<<40
			return res, nil
		}
		return response(req, 200, nodesBody(spec{"b", "10.0.0.1:9200", data})), nil
	})
	var logs logBuffer
	s := newSniffer(t, discovery.Config{
		Seeds:     []*rt.Node{mustNode(t, "http://a:9200"), mustNode(t, "http://b:9200")},
		Transport: tr,
		Logger:    debugLogger(&logs),
	})
	if err := s.Sniff(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := huge.n.Load(); n != 0 {
		t.Errorf("read %d bytes of a body declared too large", n)
	}
	if !strings.Contains(logs.String(), "response too large") {
		t.Errorf("the log does not say why a:9200 was passed over:\n%s", logs.String())
	}
	if got := urls(s.Nodes()); !slices.Equal(got, []string{"http://10.0.0.1:9200"}) {
		t.Errorf("Nodes() = %q", got)
	}
}
