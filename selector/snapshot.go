package selector

import (
	"math"

	"github.com/esrt-dev/esrt/rt"
)

// never is the nextDue of a snapshot without dead nodes.
const never = math.MaxInt64

// snapshot is one immutable view of the pool. Its slices are never
// modified after publication, so selectors may keep them.
type snapshot struct {
	set   []Candidate // current set (Status, pins)
	seeds []Candidate // seeds that are not in set
	live  []Candidate // live nodes of the active group: set, or seeds when no node of set is live
	pref  []Candidate // preferred subset of live
	dead  []Candidate // dead nodes that may be probed or forced
	// nextDue is the earliest retryAt of dead, in Unix nanoseconds.
	nextDue int64
}

// publishLocked builds and publishes a snapshot of the current state.
func (p *Pool) publishLocked() {
	s := &snapshot{set: p.set, nextDue: never}
	inSet := make(map[*health]bool, len(p.set))
	for _, c := range p.set {
		inSet[c.h] = true
	}
	for _, c := range p.seeds {
		if !inSet[c.h] {
			s.seeds = append(s.seeds, c)
		}
	}
	split := func(cs []Candidate) {
		for _, c := range cs {
			if c.h.dead.Load() {
				s.dead = append(s.dead, c)
			} else {
				s.live = append(s.live, c)
			}
		}
	}
	split(s.set)
	if len(s.live) == 0 {
		// Every node of the set is dead (or the set is empty): fall back
		// to the seeds, and keep probing the set's dead nodes.
		split(s.seeds)
	}
	if p.prefer != nil {
		for _, c := range s.live {
			if p.prefer(c.Node) {
				s.pref = append(s.pref, c)
			}
		}
	}
	for _, c := range s.dead {
		s.nextDue = min(s.nextDue, c.h.retryAt.Load())
	}
	p.snap.Store(s)
}

// lookup returns the state of node n in s: the member that is n, or else
// the member with n's key (n may come from an older snapshot or from the
// caller); nil when n is not a member.
func (s *snapshot) lookup(n *rt.Node) *health {
	for _, cs := range [][]Candidate{s.set, s.seeds} {
		for _, c := range cs {
			if c.Node == n {
				return c.h
			}
		}
	}
	if n == nil || n.URL == nil {
		return nil
	}
	k := n.Key()
	for _, cs := range [][]Candidate{s.set, s.seeds} {
		for _, c := range cs {
			if c.Node.Key() == k {
				return c.h
			}
		}
	}
	return nil
}
