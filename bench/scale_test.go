package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"

	"github.com/esrt-dev/esrt/discovery"
)

// BenchmarkClusterScale measures a request through each peer with 3, 30
// and 300 nodes configured, over the canned base: what choosing a node and
// keeping its health costs as the cluster grows. In the "-one-down" cases
// the first node refuses every connection, so each client must keep it
// out (and probe it) as well; the bare transport, which would fail, is
// left out of those. The request carries a client's headers (see
// BenchmarkDefaultChain).
func BenchmarkClusterScale(b *testing.B) {
	sc := scenarios[2] // client-headers
	for _, n := range []int{3, 30, 300} {
		urls := make([]string, n)
		for i := range urls {
			urls[i] = fmt.Sprintf("http://10.0.%d.%d:9200", i/250, i%250+1)
		}
		for _, down := range []bool{false, true} {
			name := strconv.Itoa(n)
			var base http.RoundTripper = canned{}
			if down {
				name += "-one-down"
				base = refusing{host: strings.TrimPrefix(urls[0], "http://")}
			}
			b.Run(name, func(b *testing.B) { scaleCase(b, urls, base, sc, down) })
		}
	}
}

// scaleCase runs BenchmarkClusterScale's contenders over base.
func scaleCase(b *testing.B, urls []string, base http.RoundTripper, sc scenario, down bool) {
	for _, name := range peers {
		if down && name == "bare" {
			continue
		}
		p, closer, err := buildPeer(name, urls, base)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(closer)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				send(b, p, sc)
			}
		})
	}
}

// refusing is the canned base, but for host, whose connections are
// refused.
type refusing struct{ host string }

func (r refusing) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == r.host {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return canned{}.RoundTrip(req)
}

// sniffBody is a GET /_nodes/http answer of n data nodes, in the shape
// Elasticsearch 8 gives it.
func sniffBody(n int) []byte {
	var s strings.Builder
	s.WriteString(`{"_nodes":{"total":` + strconv.Itoa(n) + `,"successful":` + strconv.Itoa(n) + `,"failed":0},"cluster_name":"bench","nodes":{`)
	for i := range n {
		if i > 0 {
			s.WriteByte(',')
		}
		fmt.Fprintf(&s, `"node%05dXXXXXXXXXXXXXX":{"name":"es-%d","transport_address":"10.1.%d.%d:9300","host":"10.1.%d.%d","ip":"10.1.%d.%d","version":"8.15.0","build_flavor":"default","build_type":"docker","build_hash":"1a77947f34deddb41af25e6f0ddb8e830159c179","roles":["data_content","data_hot","ingest","remote_cluster_client"],"attributes":{"zone":"z%d","xpack.installed":"true"},"http":{"bound_address":["0.0.0.0:9200"],"publish_address":"10.1.%d.%d:9200","max_content_length_in_bytes":104857600}}`,
			i, i, i/250, i%250, i/250, i%250, i/250, i%250, i%3, i/250, i%250)
	}
	s.WriteString(`}}`)
	return []byte(s.String())
}

// BenchmarkSniffParse parses the answer of a 1 000-node cluster to
// GET /_nodes/http: esrt's discovery.ParseNodes, and elastic-transport-go's
// DiscoverNodes over a base that returns the answer at once (which also
// rebuilds its pool; its parsing is not exported on its own).
func BenchmarkSniffParse(b *testing.B) {
	body := sniffBody(1000)
	b.Run("esrt", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			nodes, err := discovery.ParseNodes(body, nil)
			if err != nil || len(nodes) != 1000 {
				b.Fatalf("%d nodes, %v", len(nodes), err)
			}
		}
	})
	b.Run("elastic-transport-go", func(b *testing.B) {
		c, err := elastictransport.New(elastictransport.Config{URLs: parseURLs(b, addresses), Transport: fixedAnswer(body)})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if err := c.DiscoverNodes(); err != nil {
				b.Fatal(err)
			}
		}
		if n := len(c.URLs()); n != 1000 {
			b.Fatalf("%d nodes after discovery, want 1000", n)
		}
	})
}

// fixedAnswer answers every request with body.
type fixedAnswer []byte

func (f fixedAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(string(f))), ContentLength: int64(len(f)), Request: req,
	}, nil
}
