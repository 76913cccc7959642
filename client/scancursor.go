package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// scanState is one running scan: its cursors, one per slice, and the
// point in time they share ("" when they scroll).
type scanState struct {
	c       *Client
	cursors []*cursor

	mu  sync.Mutex
	pit string // the latest point-in-time id a page answered
}

// cursor pages through one slice of a scan, by point in time and
// search_after or by scroll.
type cursor struct {
	s     *scanState
	k     *call                      // the last page's call
	body  map[string]json.RawMessage // query, sort, size, slice
	size  int
	keep  string // keep-alive, as a parameter
	pit   bool   // page by point in time; else scroll
	id    string // scroll id, once the first page answered
	after []json.RawMessage
	index []string
}

// newScan checks r, learns what the cluster offers, opens the point in
// time when it has one, and sets up one cursor per slice.
func (c *Client) newScan(ctx context.Context, r ScanRequest) (*scanState, error) {
	size, slices, keep := r.PageSize, r.Slices, r.KeepAlive
	if size < 0 || slices < 0 || keep < 0 {
		return nil, inputError("scan", "PageSize, Slices and KeepAlive must not be negative")
	}
	if size == 0 {
		size = 1000
	}
	if slices == 0 {
		slices = 1
	}
	if keep == 0 {
		keep = defaultKeepAlive
	}
	if err := checkNames("scan", r.Index); err != nil {
		return nil, err
	}
	base, err := scanBase(r.Body)
	if err != nil {
		return nil, err
	}
	f, err := c.factsOf(ctx)
	if err != nil {
		return nil, err
	}
	s := &scanState{c: c}
	usePIT := f.pit != pitNone
	if base["sort"], err = scanSort(base["sort"], usePIT, f.shardDoc); err != nil {
		return nil, err
	}
	if usePIT {
		indices := r.Index
		if len(indices) == 0 {
			indices = []string{"*"} // a point in time needs a target: every index
		}
		if s.pit, err = c.OpenPointInTime(ctx, indices, keep); err != nil {
			return nil, err
		}
	}
	for i := range slices {
		more := map[string]any{"size": size}
		if slices > 1 {
			more["slice"] = map[string]int{"id": i, "max": slices}
		}
		body, err := pageBody(base, more)
		if err != nil {
			s.close(ctx)
			return nil, encodeError("scan", err)
		}
		s.cursors = append(s.cursors, &cursor{
			s: s, body: body, size: size, keep: durationParam(keep), pit: usePIT, index: r.Index,
		})
	}
	return s, nil
}

// defaultKeepAlive is a scan's keep-alive when the request sets none.
const defaultKeepAlive = time.Minute

// page fetches the cursor's next page.
func (cu *cursor) page(ctx context.Context) (*reply, error) {
	switch {
	case cu.pit:
		more := map[string]any{"pit": map[string]string{"id": cu.s.pitID(), "keep_alive": cu.keep}}
		if cu.after != nil {
			more["search_after"] = cu.after
		}
		body, err := pageBody(cu.body, more)
		if err != nil {
			return nil, encodeError("search", err)
		}
		cu.k = &call{id: "search", method: http.MethodPost, path: "/_search", body: body, indices: cu.index}
	case cu.id == "":
		k, err := searchCall("search", "_search", cu.index, url.Values{"scroll": {cu.keep}})
		if err != nil {
			return nil, err
		}
		k.body = cu.body
		cu.k = k
	default:
		cu.k = &call{id: "scroll", method: http.MethodPost, path: "/_search/scroll",
			body: map[string]string{"scroll": cu.keep, "scroll_id": cu.id}}
	}
	return cu.s.c.do(ctx, cu.k)
}

// advance takes in a page of n hits: its point-in-time or scroll id and
// the last hit's sort values. It is false when a point-in-time page's last
// hit has no sort values to continue after.
func (cu *cursor) advance(pitID, scrollID string, last []json.RawMessage, n int) bool {
	if pitID != "" {
		cu.s.setPIT(pitID)
	}
	if scrollID != "" {
		cu.id = scrollID
	}
	if !cu.pit || n == 0 {
		return true
	}
	cu.after = last
	return len(last) > 0
}

// done reports whether a page of n hits was the last.
func (cu *cursor) done(n int) bool {
	if cu.pit {
		return n < cu.size
	}
	return n == 0
}

// pitID returns the latest point-in-time id.
func (s *scanState) pitID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pit
}

// setPIT records the point-in-time id a page answered: Elasticsearch
// may change it, and the latest is the one to send and close.
func (s *scanState) setPIT(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pit = id
}

// close closes the point in time and every cursor's scroll, on a context
// that outlives the scan's by at most closeTimeout. Errors are dropped:
// what stays open expires after the keep-alive.
func (s *scanState) close(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
	defer cancel()
	if id := s.pitID(); id != "" {
		_ = s.c.ClosePointInTime(ctx, id)
		return
	}
	var ids []string
	for _, cu := range s.cursors {
		if cu.id != "" {
			ids = append(ids, cu.id)
		}
	}
	if len(ids) > 0 {
		_, _ = s.c.do(ctx, &call{id: "clear_scroll", method: http.MethodDelete, path: "/_search/scroll",
			body: map[string][]string{"scroll_id": ids}})
	}
}
