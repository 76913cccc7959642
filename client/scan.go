package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"sync"
	"time"
)

// ScanRequest says which documents [Scan] walks over.
type ScanRequest struct {
	// Index lists the indices, aliases or patterns read; none reads
	// every index.
	Index []string

	// Body is the search body without paging: query, sort, _source,
	// fields, ... It must not hold from, size, search_after, pit or
	// scroll, which the scan sets. nil matches every document.
	Body any

	// PageSize is the number of hits fetched per request; 0 means 1000.
	PageSize int

	// KeepAlive is how long the cluster keeps the point in time (or the
	// scroll) between two pages; 0 means one minute.
	KeepAlive time.Duration

	// Slices > 1 splits the scan into that many slices read at once, each
	// by its own goroutine; hits then arrive in no defined order.
	Slices int
}

// closeTimeout bounds closing the point in time or scroll when a scan
// ends, even if the scan's context ended: what is not closed expires after
// KeepAlive.
const closeTimeout = 10 * time.Second

// Scan returns every document r matches, page by page, as an iterator:
//
//	for hit, err := range client.Scan[Order](ctx, es, client.ScanRequest{Index: []string{"orders"}}) {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// It reads from a point in time with search_after, so that the documents
// are those of the moment the scan started, in the order of the body's
// sort (index order, _shard_doc, when it has none), each once. A unique
// tiebreaker is added to the sort: _shard_doc where the cluster has it
// (Elasticsearch 7.12, OpenSearch 3.3 and later), else _id. Where the
// cluster has no point in time (Elasticsearch before 7.10, OpenSearch
// before 2.4) it scrolls instead.
//
// The point in time or scroll is closed when the loop ends, breaks or
// fails. An error is the last value the iterator yields; a search that
// failed on some shards is one, since their documents would be missing.
func Scan[T any](ctx context.Context, c *Client, r ScanRequest) iter.Seq2[Hit[T], error] {
	return func(yield func(Hit[T], error) bool) {
		s, err := c.newScan(ctx, r)
		if err != nil {
			yield(Hit[T]{}, err)
			return
		}
		defer s.close(ctx)
		if len(s.cursors) == 1 {
			walk(ctx, s.cursors[0], yield)
			return
		}
		walkSlices(ctx, s.cursors, yield)
	}
}

// walk yields every hit of cu's pages in order, and reports whether the
// caller wants more.
func walk[T any](ctx context.Context, cu *cursor, yield func(Hit[T], error) bool) bool {
	for {
		rp, err := cu.page(ctx)
		if err != nil {
			return yield(Hit[T]{}, err)
		}
		var res SearchResponse[T]
		if err := decode(cu.k.id, rp, &res); err != nil {
			return yield(Hit[T]{}, err)
		}
		if err := shardError(res.Shards); err != nil {
			return yield(Hit[T]{}, err)
		}
		hits := res.Hits.Hits
		var last []json.RawMessage
		if len(hits) > 0 {
			last = hits[len(hits)-1].Sort
		}
		if !cu.advance(res.PitID, res.ScrollID, last, len(hits)) {
			return yield(Hit[T]{}, fmt.Errorf("esrt: scan: a hit without sort values; cannot page on"))
		}
		for _, h := range hits {
			if !yield(h, nil) {
				return false
			}
		}
		if cu.done(len(hits)) {
			return true
		}
	}
}

// walkSlices runs walk for every cursor at once and yields their hits as
// they arrive, until all are done, one fails or the caller stops.
func walkSlices[T any](ctx context.Context, cursors []*cursor, yield func(Hit[T], error) bool) {
	ctx, cancel := context.WithCancel(ctx)
	type item struct {
		hit Hit[T]
		err error
	}
	out := make(chan item)
	var wg sync.WaitGroup
	for _, cu := range cursors {
		wg.Go(func() {
			walk(ctx, cu, func(h Hit[T], err error) bool {
				select {
				case out <- item{h, err}:
					return err == nil
				case <-ctx.Done():
					return false
				}
			})
		})
	}
	go func() { wg.Wait(); close(out) }()
	defer func() {
		cancel()
		for range out { // let every slice finish before the scan closes
		}
	}()
	for it := range out {
		if !yield(it.hit, it.err) || it.err != nil {
			return
		}
	}
}

// shardError is the error of a page on which some shards failed.
func shardError(s ShardStats) error {
	if s.Failed == 0 {
		return nil
	}
	reason := ""
	if len(s.Failures) > 0 {
		f := s.Failures[0]
		reason = fmt.Sprintf(": index [%s] shard %d: %s: %s", f.Index, f.Shard, f.Reason.Type, f.Reason.Reason)
	}
	return fmt.Errorf("esrt: scan: %d of %d shards failed%s", s.Failed, s.Total, reason)
}

// pageBody encodes a scan page's body: the request's members and more.
func pageBody(base map[string]json.RawMessage, more map[string]any) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(base)+len(more))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out[k] = b
	}
	return out, nil
}
