package client

import "sync/atomic"

// BulkIndexerStats counts what a [BulkIndexer] did. Every item added ends
// once, so when no item is on its way (after Flush or Close),
//
//	Added == Flushed == Indexed + Created + Updated + Deleted + Failed
type BulkIndexerStats struct {
	// Added counts the items Add queued.
	Added uint64

	// Flushed counts the items that ended: applied or failed for good.
	Flushed uint64

	// Indexed, Created, Updated and Deleted count the items applied, by
	// their Action.
	Indexed, Created, Updated, Deleted uint64

	// Failed counts the items that failed for good.
	Failed uint64

	// Retried counts the times an item was sent again: refused items,
	// and every item of a request sent again.
	Retried uint64

	// Bytes counts the NDJSON body bytes of every request sent, resends
	// included, before any compression by the transport.
	Bytes uint64

	// Requests counts the _bulk requests sent, resends included; the
	// attempts a transport makes for one request count once.
	Requests uint64
}

// bulkStats is the live form of BulkIndexerStats.
type bulkStats struct {
	added, flushed                     atomic.Uint64
	indexed, created, updated, deleted atomic.Uint64
	failed, retried, bytes, requests   atomic.Uint64
}

func (s *bulkStats) snapshot() BulkIndexerStats {
	return BulkIndexerStats{
		Added:    s.added.Load(),
		Flushed:  s.flushed.Load(),
		Indexed:  s.indexed.Load(),
		Created:  s.created.Load(),
		Updated:  s.updated.Load(),
		Deleted:  s.deleted.Load(),
		Failed:   s.failed.Load(),
		Retried:  s.retried.Load(),
		Bytes:    s.bytes.Load(),
		Requests: s.requests.Load(),
	}
}

// applied counts an item applied with action.
func (s *bulkStats) applied(action string) {
	switch action {
	case actionIndex:
		s.indexed.Add(1)
	case actionCreate:
		s.created.Add(1)
	case actionUpdate:
		s.updated.Add(1)
	case actionDelete:
		s.deleted.Add(1)
	}
	s.flushed.Add(1)
}
