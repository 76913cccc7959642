package bench

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"
	"github.com/elastic/go-elasticsearch/v9"
	"github.com/opensearch-project/opensearch-go/v4"

	"github.com/esrt-dev/esrt"
)

// bulkBody returns an NDJSON bulk body of about size bytes (the body of
// package middleware's BenchmarkGzip).
func bulkBody(size int) []byte {
	var b bytes.Buffer
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `{"index":{"_index":"logs","_id":"%d"}}`+"\n", i)
		fmt.Fprintf(&b, `{"@timestamp":"2026-11-23T10:%02d:%02dZ","level":"info","service":"checkout","latency_ms":%d,"message":"order %d paid by user %d"}`+"\n",
			i/60%60, i%60, r.IntN(900), r.IntN(1e6), r.IntN(1e4))
	}
	return b.Bytes()
}

// BenchmarkCompression sends a 1 MiB bulk body with request compression
// on, each library at its default level and pooling, over the canned base
// (which reads the compressed body): esrt's pooled klauspost gzip against
// each peer's, and "stdlib-unpooled", a new compress/gzip writer and
// buffer per request. esrt's target is at most half stdlib-unpooled's
// time.
func BenchmarkCompression(b *testing.B) {
	body := bulkBody(1 << 20)
	tr, err := esrt.New(esrt.Config{Addresses: addresses, Transport: canned{}, CompressRequestBody: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	etg, err := elastictransport.New(elastictransport.Config{URLs: parseURLs(b, addresses), Transport: canned{}, CompressRequestBody: true})
	if err != nil {
		b.Fatal(err)
	}
	goes, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: addresses, Transport: canned{}, CompressRequestBody: true})
	if err != nil {
		b.Fatal(err)
	}
	ops, err := opensearch.NewClient(opensearch.Config{Addresses: addresses, Transport: canned{}, CompressRequestBody: true})
	if err != nil {
		b.Fatal(err)
	}
	defer closeOpenSearch(ops)
	for _, c := range []struct {
		name string
		p    performer
	}{
		{"esrt", roundTripper{tr}},
		{"elastic-transport-go", etg},
		{"go-elasticsearch", goes},
		{"opensearch-go", ops},
		{"stdlib-unpooled", roundTripper{stdlibGzip{&roundRobin{next: canned{}, urls: parseURLs(b, addresses), ua: []string{"bare/1"}}}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				req, err := http.NewRequest("POST", "/_bulk", bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				req.Header["Content-Type"] = []string{"application/x-ndjson"}
				res, err := c.p.Perform(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}

// stdlibGzip compresses each request body with a new compress/gzip writer
// into a new buffer, at the default level.
type stdlibGzip struct{ next http.RoundTripper }

func (s stdlibGzip) RoundTrip(req *http.Request) (*http.Response, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := io.Copy(zw, req.Body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	req.Body.Close()
	out := req.Clone(req.Context())
	out.Header.Set("Content-Encoding", "gzip")
	out.Body = io.NopCloser(&buf)
	out.ContentLength = int64(buf.Len())
	return s.next.RoundTrip(out)
}
