package main

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/esrt-dev/esrt/client"
)

// bulkStream feeds a bulk indexer a steady stream of documents, as an
// application that ingests events does, and records each item's outcome:
// an item that failed for good is an error the application saw.
type bulkStream struct {
	bi   *client.BulkIndexer
	rec  *recorder
	wg   sync.WaitGroup
	docs int
}

// startBulk starts the stream into index until stop is closed.
func startBulk(ctx context.Context, es *client.Client, index string, rec *recorder, stop <-chan struct{}) (*bulkStream, error) {
	s := &bulkStream{rec: rec, docs: 1000}
	bi, err := client.NewBulkIndexer(es, client.BulkIndexerConfig{
		Index: index, Workers: 2, FlushCount: 100, FlushInterval: 100 * time.Millisecond,
		MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second,
		OnSuccess: func(context.Context, client.BulkItem, client.BulkResult) {
			rec.count("bulk", time.Now(), nil)
		},
		OnFailure: func(_ context.Context, _ client.BulkItem, _ client.BulkResult, err error) {
			rec.count("bulk", time.Now(), err)
		},
	})
	if err != nil {
		return nil, err
	}
	s.bi = bi
	s.wg.Go(func() { s.feed(ctx, stop) })
	return s, nil
}

// feed adds five documents every 5 ms until stop is closed.
func (s *bulkStream) feed(ctx context.Context, stop <-chan struct{}) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for range 5 {
			id := i % s.docs
			if s.bi.Add(ctx, client.BulkItem{ID: strconv.Itoa(id), Body: document(id)}) != nil {
				return
			}
			i++
		}
	}
}

// close waits for the feed to stop, then for every item added to end.
func (s *bulkStream) close(ctx context.Context) error {
	s.wg.Wait()
	return s.bi.Close(ctx)
}

// retried is how often the indexer sent an item again.
func (s *bulkStream) retried() uint64 { return s.bi.Stats().Retried }
