package estest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// reply is one HTTP answer, body read.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// object decodes the body as a JSON object.
func (r reply) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// send performs one request with a fresh transport-level client; hdr may
// be nil. It fails the test on a transport error.
func send(t testing.TB, client *http.Client, method, url, body string, hdr http.Header) reply {
	t.Helper()
	r, err := trySend(client, method, url, body, hdr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

func trySend(client *http.Client, method, url, body string, hdr http.Header) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return reply{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// fixture reads testdata/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeJSON(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b)
	}
	return v
}

// kind names a JSON value's type.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// shapeDiff lists where got lacks a key of want or holds a value of
// another JSON type. Arrays compare their first elements; keys listed in
// skip (as paths like "nodes.*.attributes") are not descended into.
func shapeDiff(path string, got, want any, skip ...string) []string {
	if kind(got) != kind(want) {
		return []string{fmt.Sprintf("%s: got %s, want %s", path, kind(got), kind(want))}
	}
	if slices.Contains(skip, path) {
		return nil
	}
	var diffs []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			diffs = append(diffs, shapeDiff(path+"."+k, gv, wv, skip...)...)
		}
	case []any:
		g := got.([]any)
		if len(w) > 0 && len(g) > 0 {
			diffs = append(diffs, shapeDiff(path+"[]", g[0], w[0], skip...)...)
		}
	}
	return diffs
}

// firstValue returns one value of a JSON object (for maps keyed by ids).
func firstValue(t testing.TB, v any) any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		t.Fatalf("want a non-empty object, got %v", v)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return m[keys[0]]
}

// get follows a dotted path through decoded JSON objects.
func get(v any, path string) any {
	for p := range strings.SplitSeq(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// poll calls cond every few milliseconds until it holds or limit passes.
func poll(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// clock is a Config.Now that a test advances by hand, so that points in
// time and scrolls expire without waiting.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// mustSend sends a request and fails the test unless the status is want;
// it returns the decoded object.
func mustSend(t testing.TB, method, url, body string, want int) map[string]any {
	t.Helper()
	r := send(t, nil, method, url, body, nil)
	if r.status != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", method, url, r.status, want, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.object(t)
}

// hitIDs lists the _id of each hit of a search response.
func hitIDs(m map[string]any) []string {
	list, _ := get(m, "hits.hits").([]any)
	out := []string{}
	for _, h := range list {
		id, _ := get(h, "_id").(string)
		out = append(out, id)
	}
	return out
}

// sameShape fails the test when got lacks a key of the fixture
// testdata/name or holds a value of another JSON type there.
func sameShape(t testing.TB, got map[string]any, name string, skip ...string) {
	t.Helper()
	b, _ := json.Marshal(got)
	if diffs := shapeDiff("", decodeJSON(t, b), decodeJSON(t, fixture(t, name)), skip...); len(diffs) > 0 {
		t.Errorf("shape differs from %s:\n%s\ngot %s", name, strings.Join(diffs, "\n"), b)
	}
}

// errorOf returns error.type and error.reason of an error response.
func errorOf(m map[string]any) (typ, reason string) {
	typ, _ = get(m, "error.type").(string)
	reason, _ = get(m, "error.reason").(string)
	return typ, reason
}
