package soak_test

// This file tests the soak's own checks, so that a soak that passes means
// something: the verifier finds each defect it is there to find, and the
// scheduler never faults every node.

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

// TestVerifyFindsDefects builds a ledger and a store with one defect of
// each kind and checks that the verdict counts exactly those.
func TestVerifyFindsDefects(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	led := newLedger()
	docs := []stored{}
	put := func(kind string, seq int, acked bool, copies int, id string) source {
		s := newSource(rng, 0, seq, kind)
		led.begin(s, "")
		if acked {
			led.ack(s.Marker, id)
		} else {
			led.fail(s.Marker)
		}
		for range copies {
			docs = append(docs, stored{id: id, src: s})
		}
		return s
	}
	put(kindIndexID, 1, true, 1, "m000x00000001") // fine
	put(kindIndexAut, 2, false, 0, "")            // unacknowledged, absent: allowed
	put(kindMixedAuto, 3, false, 1, "gen-3")      // unacknowledged, stored once: allowed
	put(kindIndexID, 4, true, 0, "m000x00000004") // missing
	put(kindIndexAut, 5, true, 2, "gen-5")        // duplicated (one extra)
	put(kindMixedAuto, 6, false, 3, "gen-6")      // unacknowledged, duplicated (two extra)
	changed := put(kindBulkID, 7, true, 0, "m000x00000007")
	changed.Payload += "!"
	docs = append(docs, stored{id: "m000x00000007", src: changed}) // other content
	moved := put(kindIndexAut, 8, true, 0, "gen-8")
	docs = append(docs, stored{id: "gen-9", src: moved})                         // under another id
	docs = append(docs, stored{id: "x", src: newSource(rng, 1, 1, kindIndexID)}) // never written

	v := verify(led.writes, docs)
	want := verdict{Stored: len(docs), Missing: 1, Duplicates: 3, Mismatches: 1, WrongIDs: 1, Unknown: 1, UnackedStored: 1, UnackedAbsent: 1}
	if len(v.Examples) != 6 {
		t.Errorf("%d examples, want one per defective write (6): %q", len(v.Examples), v.Examples)
	}
	v.Examples = nil
	if !reflect.DeepEqual(v, want) {
		t.Errorf("verdict\n%+v, want\n%+v", v, want)
	}
	if !v.failed() {
		t.Error("the verdict does not report a failure")
	}
	if ok := verify(led.writes, docs[:1]); ok.Missing == 0 {
		t.Errorf("with only the first document stored, no write is missing: %+v", ok)
	}
}

// TestVerifyCleanStore checks that a store holding exactly the
// acknowledged writes passes.
func TestVerifyCleanStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	led := newLedger()
	var docs []stored
	for seq := range 50 {
		s := newSource(rng, 2, seq, kindBulkID)
		led.begin(s, s.Marker)
		led.ack(s.Marker, s.Marker)
		docs = append(docs, stored{id: s.Marker, src: s})
	}
	if v := verify(led.writes, docs); v.failed() || v.Stored != 50 {
		t.Errorf("a store of exactly the acknowledged writes: %+v", v)
	}
	if tl := led.tally(); tl.Acked[kindBulkID] != 50 || tl.Unended != 0 {
		t.Errorf("tally %+v, want 50 acknowledged bulk-id writes", tl)
	}
}

// TestSchedulerKeepsOneNodeHealthy steps the scheduler many times without
// waiting and checks, after every step, that a node is healthy and alive,
// and at the end that it tried every fault and healed every node.
func TestSchedulerKeepsOneNodeHealthy(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 3})
	s := newScheduler(c, 42)
	for step := range 300 {
		s.step()
		if s.healthy() < 1 {
			t.Fatalf("step %d: no healthy node: %q", step, s.faulted)
		}
		alive := 0
		for _, n := range c.Nodes() {
			if n.Alive() {
				alive++
			}
		}
		if alive < 1 {
			t.Fatalf("step %d: every node is dead", step)
		}
	}
	s.healAll()
	sum := s.summary()
	for _, k := range faultKinds {
		if sum.Injected[k] == 0 {
			t.Errorf("300 steps injected no %s fault: %v", k, sum.Injected)
		}
	}
	if sum.MinHealthy != 1 {
		t.Errorf("the fewest healthy nodes were %d, want 1 (two faulted at once)", sum.MinHealthy)
	}
	for i, n := range c.Nodes() {
		if !n.Alive() || s.faulted[i] != "" {
			t.Errorf("node %d after healAll: alive %t, fault %q", i, n.Alive(), s.faulted[i])
		}
	}
}
