package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// stubBulk answers _bulk requests without a network, for tests that run
// in a synctest bubble: each item is applied (201) unless refuse names a
// status for it; while down, every request fails as a refused connection.
type stubBulk struct {
	mu     sync.Mutex
	down   bool
	refuse func(id string, sends int) int // status for the sends-th arrival of id, 0: apply
	sends  map[string]int
	bodies []string // bodies of the requests answered
}

func (s *stubBulk) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (s *stubBulk) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

func (s *stubBulk) Do(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	}
	if s.sends == nil {
		s.sends = map[string]int{}
	}
	s.bodies = append(s.bodies, string(body))
	var items []string
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	for i := 0; i < len(lines); i += 2 {
		var action map[string]struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &action); err != nil {
			return nil, err
		}
		id := action["index"].ID
		s.sends[id]++
		status := 0
		if s.refuse != nil {
			status = s.refuse(id, s.sends[id])
		}
		if status == 0 {
			items = append(items, fmt.Sprintf(`{"index":{"_index":"docs","_id":%q,"_version":1,"result":"created","status":201}}`, id))
		} else {
			items = append(items, fmt.Sprintf(`{"index":{"_index":"docs","_id":%q,"status":%d,"error":{"type":"es_rejected_execution_exception","reason":"busy"}}}`, id, status))
		}
	}
	resp := `{"took":1,"errors":true,"items":[` + strings.Join(items, ",") + `]}`
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(resp))}, nil
}

// TestBulkIndexerFlushInterval: a request that is not full is sent
// FlushInterval after its first item, not before.
func TestBulkIndexerFlushInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := &stubBulk{}
		bi, err := NewBulkIndexer(New(stub), BulkIndexerConfig{Index: "docs", FlushInterval: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer bi.Close(t.Context())
		for _, id := range []string{"a", "b"} {
			if err := bi.Add(t.Context(), BulkItem{ID: id, Body: `{}`}); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		time.Sleep(time.Second - time.Nanosecond)
		synctest.Wait()
		if n := len(stub.requests()); n != 0 {
			t.Fatalf("%d requests before FlushInterval", n)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if n := bi.Stats().Flushed; n != 2 {
			t.Errorf("%d items ended at FlushInterval, want 2", n)
		}
	})
}

// TestBulkIndexerBackoff: a refused item is sent again, alone, after the
// backoff of each round.
func TestBulkIndexerBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := &stubBulk{refuse: func(id string, sends int) int {
			if id == "b" && sends <= 2 {
				return http.StatusTooManyRequests
			}
			return 0
		}}
		var retries int
		bi, err := NewBulkIndexer(New(stub), BulkIndexerConfig{
			Index: "docs", Workers: 1, FlushCount: 3,
			Backoff: func(attempt int) time.Duration { return time.Duration(attempt) * time.Second },
			OnSuccess: func(_ context.Context, it BulkItem, res BulkResult) {
				if it.ID == "b" {
					retries = res.Retries
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer bi.Close(t.Context())
		for _, id := range []string{"a", "b", "c"} {
			if err := bi.Add(t.Context(), BulkItem{ID: id, Body: `{}`}); err != nil {
				t.Fatal(err)
			}
		}
		for _, step := range []struct {
			after time.Duration
			want  int
		}{{0, 1}, {time.Second - 1, 1}, {1, 2}, {2*time.Second - 1, 2}, {1, 3}} {
			time.Sleep(step.after)
			synctest.Wait()
			if n := len(stub.requests()); n != step.want {
				t.Fatalf("%d requests, want %d", n, step.want)
			}
		}
		reqs := stub.requests()
		if strings.Count(reqs[1], "\n") != 2 || strings.Count(reqs[2], "\n") != 2 || !strings.Contains(reqs[2], `"b"`) {
			t.Errorf("resends %q, want b alone", reqs[1:])
		}
		if retries != 2 {
			t.Errorf("b's Retries = %d, want 2", retries)
		}
	})
}

// TestBulkIndexerBoundedWhileDown: while no request can be sent, the
// indexer takes exactly Workers × FlushCount + QueueSize items, Add waits
// and returns its context's error, and the workers' buffers hold what was
// added, not FlushBytes.
func TestBulkIndexerBoundedWhileDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := &stubBulk{down: true}
		bi, err := NewBulkIndexer(New(stub), BulkIndexerConfig{Index: "docs", Workers: 3, FlushCount: 10, QueueSize: 5, FlushInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		accepted := 0
		for i := range 100 {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			err := bi.Add(ctx, BulkItem{ID: fmt.Sprint(i), Body: `{"x":"` + strings.Repeat("y", 100) + `"}`})
			cancel()
			if err != nil {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatal(err)
				}
				break
			}
			accepted++
		}
		if want := 3*10 + 5; accepted != want {
			t.Fatalf("accepted %d items while down, want %d", accepted, want)
		}
		time.Sleep(time.Hour) // the outage goes on; nothing is lost
		stub.setDown(false)
		if err := bi.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		st := bi.Stats()
		if st.Indexed != uint64(accepted) || st.Failed != 0 || st.Retried == 0 {
			t.Errorf("Stats() = %+v, want %d indexed after retries", st, accepted)
		}
		for _, w := range bi.workers {
			if c := cap(w.buf); c > 8<<10 {
				t.Errorf("a worker's buffer holds %d bytes for 10 items of ~130", c)
			}
		}
		var sent bytes.Buffer
		for _, r := range stub.requests() {
			sent.WriteString(r)
		}
		if n := strings.Count(sent.String(), `{"index"`); n != accepted {
			t.Errorf("%d items answered, want %d", n, accepted)
		}
	})
}
