package soak_test

// This file checks the stored documents against the ledger, and reads
// them from the cluster with a plain net/http client, so that the check
// does not depend on the transport under test.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/esrt-dev/esrt/client"
)

// stored is one document found in the index.
type stored struct {
	id  string
	src source
}

// verdict is what the stored documents say about the ledger. Missing,
// Duplicates, Mismatches, WrongIDs and Unknown must be zero.
type verdict struct {
	Stored        int      `json:"stored"`         // documents in the index
	Missing       int      `json:"missing"`        // acknowledged, not stored
	Duplicates    int      `json:"duplicates"`     // extra copies of any write
	Mismatches    int      `json:"mismatches"`     // stored content differs from what was sent
	WrongIDs      int      `json:"wrong_ids"`      // stored under another id than acknowledged
	Unknown       int      `json:"unknown"`        // stored, never written
	UnackedStored int      `json:"unacked_stored"` // unacknowledged, stored once (allowed)
	UnackedAbsent int      `json:"unacked_absent"` // unacknowledged, not stored (allowed)
	Examples      []string `json:"examples,omitempty"`
}

// failed reports whether the verdict holds a defect.
func (v verdict) failed() bool {
	return v.Missing+v.Duplicates+v.Mismatches+v.WrongIDs+v.Unknown > 0
}

// note keeps the first few descriptions of defects.
func (v *verdict) note(format string, args ...any) {
	if len(v.Examples) < 20 {
		v.Examples = append(v.Examples, fmt.Sprintf(format, args...))
	}
}

// verify compares the stored documents with the ledger's writes.
func verify(writes map[string]*write, docs []stored) verdict {
	v := verdict{Stored: len(docs)}
	byMarker := make(map[string][]stored, len(docs))
	for _, d := range docs {
		byMarker[d.src.Marker] = append(byMarker[d.src.Marker], d)
	}
	for marker, ds := range byMarker {
		if writes[marker] == nil {
			v.Unknown += len(ds)
			v.note("%d stored documents with marker %q, which was never written", len(ds), marker)
		}
	}
	for marker, w := range writes {
		ds := byMarker[marker]
		switch {
		case len(ds) == 0 && w.acked:
			v.Missing++
			v.note("%s %s acknowledged as id %q, not stored", w.kind, marker, w.id)
		case len(ds) == 0:
			v.UnackedAbsent++
		case !w.acked && len(ds) == 1:
			v.UnackedStored++
		}
		if len(ds) > 1 {
			v.Duplicates += len(ds) - 1
			v.note("%s %s (acknowledged: %t) stored %d times", w.kind, marker, w.acked, len(ds))
		}
		for _, d := range ds {
			if d.src.fingerprint() != w.fp {
				v.Mismatches++
				v.note("%s %s stored as id %q with other content", w.kind, marker, d.id)
			}
			if w.id != "" && d.id != w.id {
				v.WrongIDs++
				v.note("%s %s stored as id %q, acknowledged as %q", w.kind, marker, d.id, w.id)
			}
		}
	}
	return v
}

// readAll returns every document of index, read from the node at base
// with a client of its own (no esrt transport) that it closes after.
func readAll(ctx context.Context, base, index string) ([]stored, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	es := client.New(&http.Client{Transport: tr}, client.WithBaseURL(u))
	var docs []stored
	for hit, err := range client.Scan[source](ctx, es, client.ScanRequest{Index: []string{index}, PageSize: 5000}) {
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", index, err)
		}
		docs = append(docs, stored{id: hit.ID, src: hit.Source})
	}
	return docs, nil
}
