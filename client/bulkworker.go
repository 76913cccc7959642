package client

import (
	"fmt"
	"time"
)

// bulkWorker builds requests from the queue and sends them, one at a time.
// Its buffers are its own and reused from request to request.
type bulkWorker struct {
	b       *BulkIndexer
	enc     *lineEncoder
	buf     []byte      // the request being built: NDJSON
	entries []bulkEntry // its items, in order
	resp    []byte      // the last response body
	flush   chan chan<- struct{}
	timer   *time.Timer // FlushInterval after the request's first item
	timing  bool        // timer runs
}

// bulkEntry is an item in a request: its lines are buf[off:end].
type bulkEntry struct {
	item     BulkItem
	off, end int
	retries  int // times sent again
	counted  int // retries that count against MaxRetries
}

func newBulkWorker(b *BulkIndexer) *bulkWorker {
	w := &bulkWorker{
		b:     b,
		enc:   newLineEncoder(b.cfg.Index),
		flush: make(chan chan<- struct{}),
		timer: time.NewTimer(time.Hour),
	}
	w.timer.Stop()
	return w
}

// run is the worker's loop, until the indexer stops.
func (w *bulkWorker) run() {
	defer w.timer.Stop()
	for {
		var tick <-chan time.Time
		if w.timing {
			tick = w.timer.C
		}
		select {
		case it := <-w.b.queue:
			w.add(it)
		case <-tick:
			w.timing = false
			w.send(len(w.buf))
		case done := <-w.flush:
			w.drain()
			w.send(len(w.buf))
			done <- struct{}{}
		case <-w.b.stop:
			w.drain()
			w.send(len(w.buf))
			return
		}
	}
}

// drain adds the items waiting in the queue, up to its capacity, so that
// Flush sees every item queued before it: once the queue was empty, or
// that many items were taken by this worker, every item queued before
// drain began has been taken by some worker before the end of its own
// drain.
func (w *bulkWorker) drain() {
	for range cap(w.b.queue) {
		select {
		case it := <-w.b.queue:
			w.add(it)
		default:
			return
		}
	}
}

// add encodes it into the request and sends the request when full.
func (w *bulkWorker) add(it BulkItem) {
	mark := len(w.buf)
	buf, err := w.enc.appendItem(w.buf, &it)
	w.buf = buf
	if err != nil {
		err = fmt.Errorf("esrt: bulk: encode %s item %q: %w", it.Action, it.ID, err)
		w.b.fail(&bulkEntry{item: it}, BulkResult{Index: w.itemIndex(&it), ID: it.ID}, err)
		return
	}
	cfg := w.b.cfg
	size := len(w.buf) - mark
	if mark > 0 && len(w.buf) > cfg.FlushBytes {
		// it does not fit: send the items before it, then go on with it.
		w.send(mark)
	}
	w.entries = append(w.entries, bulkEntry{item: it, off: len(w.buf) - size, end: len(w.buf)})
	if len(w.entries) == 1 && cfg.FlushInterval > 0 {
		w.timer.Reset(cfg.FlushInterval)
		w.timing = true
	}
	if len(w.buf) >= cfg.FlushBytes || len(w.entries) >= cfg.FlushCount {
		w.send(len(w.buf))
	}
}

// send sends the request held in buf[:upto] with every entry, waits for
// its end, and keeps buf[upto:], the start of the next request.
func (w *bulkWorker) send(upto int) {
	if w.timing {
		w.timer.Stop()
		w.timing = false
	}
	if len(w.entries) > 0 {
		w.sendBatch(w.buf[:upto], w.entries)
	}
	clear(w.entries) // let the items' bodies go
	w.entries = w.entries[:0]
	n := copy(w.buf, w.buf[upto:])
	w.buf = w.buf[:n]
	if limit := 2 * w.b.cfg.FlushBytes; cap(w.buf) > limit && n <= limit/2 {
		// A huge item grew the buffer: let it go.
		w.buf = append([]byte(nil), w.buf...)
	}
	if cap(w.resp) > 2*w.b.cfg.FlushBytes {
		w.resp = nil
	}
}

func (w *bulkWorker) itemIndex(it *BulkItem) string {
	if it.Index != "" {
		return it.Index
	}
	return w.b.cfg.Index
}
