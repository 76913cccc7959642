package client

import (
	"context"
	"errors"
	"sync"
)

// ErrIndexerClosed is returned by Add and Flush after [BulkIndexer.Close].
var ErrIndexerClosed = errors.New("esrt: bulk indexer closed")

// BulkIndexer sends documents to the _bulk API in batches, from a number of
// workers, retrying what the cluster refused for now. It is safe for
// concurrent use.
//
//	bi, err := client.NewBulkIndexer(es, client.BulkIndexerConfig{Index: "logs"})
//	for _, doc := range docs {
//		if err := bi.Add(ctx, client.BulkItem{ID: doc.ID, Body: doc}); err != nil {
//			break // ctx ended: Add waited for room in vain
//		}
//	}
//	err = bi.Close(ctx) // sends the rest, waits for it, stops the workers
//
// # Batches and memory
//
// Add hands an item to a queue of QueueSize items; each of Workers workers
// takes items from it into its own request, encoding them as NDJSON, and
// sends the request when it holds FlushBytes bytes or FlushCount items, or
// FlushInterval after its first item. A worker waits for the answer (and
// for the retries it calls for) before it takes further items, so when
// the cluster is slow or down the queue fills and Add waits: it returns
// the error of its context if that ends first. Nothing is buffered without
// bound: the indexer holds at most
//
//	QueueSize items + Workers × (FlushBytes of NDJSON + its items + its response)
//
// where an item larger than FlushBytes takes FlushBytes' place, and the
// items' Body values are the caller's. Workers keep their buffers for the
// next request and grow them as items come: a worker never allocates
// FlushBytes ahead, and drops a buffer that one huge item grew.
//
// # Outcomes and retries
//
// Each item ends once, with OnSuccess or OnFailure (the item's own, else
// the config's), called from a worker: callbacks run concurrently and
// must not block for long, since the worker waits for them; nor may they
// call the indexer's Add, Flush or Close, which could wait for that very
// worker. An item succeeds when the cluster applied it (a delete of a
// missing document succeeds with Result "not_found"). An item refused
// with a status of RetryOnStatus (429 by default) is sent again, alone
// with the other items of its request that were refused, after a jittered
// exponential backoff, up to MaxRetries times; every other item of the
// request has ended already and is not sent again. After MaxRetries it
// fails with the last refusal.
//
// A request that fails as a whole is reported to OnError, then:
//
//   - It never reached the cluster (every attempt's connection was
//     refused, no node was available): nothing was applied, so the worker
//     sends it again after a backoff, for as long as it takes — the
//     indexer waits out an outage, and Add waits with it. These resends
//     do not count against MaxRetries. Close's context bounds the wait.
//   - It was answered with a status of RetryOnStatus: nothing was applied,
//     and every item is retried as if it had been refused alone.
//   - It was answered with another error status (400, 401, 413, ...):
//     every item fails with that [*Error].
//   - Its outcome is unknown (the connection broke after the request was
//     written, a timeout): the esrt transport has already sent it again
//     if every action names its id (the _bulk endpoint is
//     [endpoint.IdempotentWithIDs]). Items that are safe to send again —
//     deletes, index and create with an ID, updates without a script —
//     are retried, counting against MaxRetries; the others (an index
//     without an ID, which could be stored twice; a scripted update)
//     fail with the request's error and Status 0. A create sent again
//     after it was applied answers 409.
//
// So the transport's retries (a few attempts within one request, over
// other nodes) come first, and the indexer's are for what remains: items
// refused one by one, which the transport cannot retry, and outages
// longer than the transport's attempts.
//
// # Ending
//
// Flush waits until every item added before it has ended; Close does the
// same and stops the workers. NewBulkIndexer starts the workers'
// goroutines: always Close an indexer.
type BulkIndexer struct {
	c     *Client
	cfg   *bulkSettings
	queue chan BulkItem
	stats bulkStats

	ctx    context.Context // the workers'; cancelled when Close gives up
	cancel context.CancelCauseFunc

	mu      sync.Mutex // guards closed and adders.Add
	closed  bool
	adders  sync.WaitGroup // Add calls between their check and their end
	closing chan struct{}  // closed by Close: Add returns ErrIndexerClosed
	stop    chan struct{}  // closed once no Add can queue: workers finish
	exited  chan struct{}  // closed when every worker returned

	workers []*bulkWorker
}

// NewBulkIndexer returns an indexer that sends through c, and starts its
// workers. The error is an [*rt.ConfigError] naming the field of cfg that
// cannot work; c must not be nil.
func NewBulkIndexer(c *Client, cfg BulkIndexerConfig) (*BulkIndexer, error) {
	if c == nil {
		return nil, errors.New("esrt: NewBulkIndexer with a nil *Client")
	}
	s, err := newBulkSettings(cfg)
	if err != nil {
		return nil, err
	}
	b := &BulkIndexer{
		c:       c,
		cfg:     s,
		queue:   make(chan BulkItem, s.QueueSize),
		closing: make(chan struct{}),
		stop:    make(chan struct{}),
		exited:  make(chan struct{}),
	}
	b.ctx, b.cancel = context.WithCancelCause(context.Background())
	var wg sync.WaitGroup
	for range s.Workers {
		w := newBulkWorker(b)
		b.workers = append(b.workers, w)
		wg.Go(w.run)
	}
	go func() {
		wg.Wait()
		b.cancel(nil)
		close(b.exited)
	}()
	return b, nil
}

// Add queues item to be sent. It returns once a worker can take the item;
// while the queue is full, it waits, and returns ctx's error if ctx ends
// first, or ErrIndexerClosed if the indexer is closed meanwhile. A returned
// error means the item was not queued and no callback of it will run. An
// invalid item (an unknown Action, no index, an update or delete without
// ID, a body where none belongs or none where one does) is refused with
// an error saying why.
func (b *BulkIndexer) Add(ctx context.Context, item BulkItem) error {
	if err := item.check(b.cfg.Index); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrIndexerClosed
	}
	b.adders.Add(1)
	b.mu.Unlock()
	defer b.adders.Done()
	select {
	case b.queue <- item:
		b.stats.added.Add(1)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-b.closing:
		return ErrIndexerClosed
	}
}

// Flush sends what the workers hold and waits until every item added
// before it has ended (retries included) and its callback has run. It
// returns ctx's error if ctx ends first (the items are still sent), and
// ErrIndexerClosed after Close.
func (b *BulkIndexer) Flush(ctx context.Context) error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return ErrIndexerClosed
	}
	done := make(chan struct{}, len(b.workers))
	for _, w := range b.workers {
		select {
		case w.flush <- done:
		case <-ctx.Done():
			return ctx.Err()
		case <-b.exited:
			return ErrIndexerClosed
		}
	}
	for range b.workers {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		case <-b.exited:
			return ErrIndexerClosed
		}
	}
	return nil
}

// Close refuses further items, sends everything added, waits until it has
// ended and stops the workers. If ctx ends first, Close stops sending:
// requests in flight are cancelled and every item not yet ended fails with
// ctx's error (OnFailure runs for each); Close returns that error once the
// workers have stopped. Every callback has run when Close returns. Calling
// Close again waits in the same way.
func (b *BulkIndexer) Close(ctx context.Context) error {
	b.mu.Lock()
	first := !b.closed
	if first {
		b.closed = true
		close(b.closing)
	}
	b.mu.Unlock()
	if first {
		b.adders.Wait() // each returns at once: closing is closed
		close(b.stop)
	}
	select {
	case <-b.exited:
		return nil
	case <-ctx.Done():
		b.cancel(ctx.Err())
		<-b.exited
		return ctx.Err()
	}
}

// Stats returns the indexer's counters so far.
func (b *BulkIndexer) Stats() BulkIndexerStats { return b.stats.snapshot() }
