package soak_test

// This file is the ledger: every write the workers attempted, whether the
// caller was told it succeeded, and the acknowledged documents the workers
// read back.

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
)

// Write kinds: how a document was sent.
const (
	kindIndexID   = "index-id"   // PUT /{index}/_doc/{id}
	kindIndexAut  = "index-auto" // POST /{index}/_doc, the cluster picks the id
	kindBulkID    = "bulk-id"    // a bulk index action with an id, in a request of such actions only
	kindMixedID   = "mixed-id"   // a bulk index action with an id, among actions without
	kindMixedAuto = "mixed-auto" // a bulk index action without an id
)

// source is a soak document as stored.
type source struct {
	Marker  string `json:"marker"`
	Worker  int    `json:"worker"`
	Seq     int    `json:"seq"`
	Kind    string `json:"kind"`
	Payload string `json:"payload"`
	Sum     string `json:"sum"` // hex SHA-256 of Payload
}

// payloadRunes are the characters payloads are made of: letters, JSON's
// escapes, a line break (which NDJSON must keep escaped) and non-ASCII.
var payloadRunes = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \"\\/\n\té€😀")

// newSource builds the document seq of worker, of the given kind.
func newSource(rng *rand.Rand, worker, seq int, kind string) source {
	rs := make([]rune, 16+rng.IntN(496))
	for i := range rs {
		rs[i] = payloadRunes[rng.IntN(len(payloadRunes))]
	}
	p := string(rs)
	return source{
		Marker:  fmt.Sprintf("m%03dx%08d", worker, seq),
		Worker:  worker,
		Seq:     seq,
		Kind:    kind,
		Payload: p,
		Sum:     fmt.Sprintf("%x", sha256.Sum256([]byte(p))),
	}
}

// fingerprint digests every field of s, so that two documents with the
// same fingerprint have the same content.
func (s source) fingerprint() [32]byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d|%d|%s|%s|%q", s.Marker, s.Worker, s.Seq, s.Kind, s.Sum, s.Payload)
	return sha256.Sum256([]byte(b.String()))
}

// write is one attempted write.
type write struct {
	kind  string
	id    string // the id sent, or the one acknowledged; "" if unknown
	fp    [32]byte
	acked bool
	ended bool // the caller learnt the outcome (bulk items end later)
}

// ackedDoc is an acknowledged document the workers may read back.
type ackedDoc struct {
	marker, id string
	fp         [32]byte
}

// ledger records writes by marker. It is safe for concurrent use.
type ledger struct {
	mu     sync.Mutex
	writes map[string]*write
	acked  []ackedDoc
}

func newLedger() *ledger {
	return &ledger{writes: make(map[string]*write)}
}

// begin records a write about to be sent; id is "" for an auto id.
func (l *ledger) begin(s source, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes[s.Marker] = &write{kind: s.Kind, id: id, fp: s.fingerprint()}
}

// ack records that the write of marker was acknowledged with the id.
func (l *ledger) ack(marker, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.writes[marker]
	w.acked, w.ended, w.id = true, true, id
	l.acked = append(l.acked, ackedDoc{marker: marker, id: id, fp: w.fp})
}

// fail records that the write of marker ended with an error.
func (l *ledger) fail(marker string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes[marker].ended = true
}

// pick returns a random acknowledged document, false if there is none.
func (l *ledger) pick(rng *rand.Rand) (ackedDoc, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.acked) == 0 {
		return ackedDoc{}, false
	}
	return l.acked[rng.IntN(len(l.acked))], true
}

// ackedBy returns the documents of worker w acknowledged so far.
func (l *ledger) ackedBy(w int) []ackedDoc {
	prefix := fmt.Sprintf("m%03dx", w)
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ackedDoc
	for _, d := range l.acked {
		if strings.HasPrefix(d.marker, prefix) {
			out = append(out, d)
		}
	}
	return out
}

// tally counts the writes by kind and outcome: acknowledged, failed, and
// never ended (which Close of the bulk indexer must leave at zero).
type tally struct {
	Acked   map[string]int `json:"acked"`
	Unacked map[string]int `json:"unacked"`
	Unended int            `json:"unended"`
}

func (l *ledger) tally() tally {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := tally{Acked: map[string]int{}, Unacked: map[string]int{}}
	for _, w := range l.writes {
		switch {
		case !w.ended:
			t.Unended++
		case w.acked:
			t.Acked[w.kind]++
		default:
			t.Unacked[w.kind]++
		}
	}
	return t
}
