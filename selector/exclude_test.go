package selector_test

import (
	"sync"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/internal/routing"
	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/selector"
)

// excludeSet is an Exclude hook over a set of hosts that tests change.
type excludeSet struct {
	mu    sync.Mutex
	hosts map[string]bool
}

func (e *excludeSet) set(hosts ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hosts = make(map[string]bool)
	for _, h := range hosts {
		e.hosts[h] = true
	}
}

func (e *excludeSet) exclude(n *rt.Node) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hosts[n.URL.Host]
}

// TestExclude: the pool passes over excluded nodes at every step of a
// pick while another node can be chosen, and keeps its choice when every
// node is excluded: then, for an excluded pinned node, and for the probe
// of an excluded dead node, the router marks the attempt as a last
// resort, and only then.
func TestExclude(t *testing.T) {
	zoned := func(raw, zone string) *rt.Node {
		n := mustNode(t, raw)
		n.Attributes = map[string]string{"zone": zone}
		return n
	}
	tests := []struct {
		name     string
		excluded []string
		down     []string // taken down before the requests
		advance  time.Duration
		pin      string
		want     map[string]bool // hosts that may get requests; nil: any
		// lastResort: every attempt is marked with routing.WithLastResort;
		// otherwise none is, but for probes.
		lastResort bool
		probes     int // attempts that probe an excluded dead node
	}{
		{name: "none", want: map[string]bool{"a1:9200": true, "a2:9200": true}},
		{name: "one preferred", excluded: []string{"a1:9200"}, want: map[string]bool{"a2:9200": true}},
		{
			name:     "every preferred node",
			excluded: []string{"a1:9200", "a2:9200"},
			want:     map[string]bool{"b1:9200": true, "b2:9200": true},
		},
		{
			name:     "every live node, a dead one is not",
			excluded: []string{"a1:9200", "a2:9200", "b1:9200"},
			down:     []string{"b2:9200"},
			want:     map[string]bool{"b2:9200": true},
		},
		{
			name:     "a dead node not yet due",
			excluded: []string{"b2:9200"},
			down:     []string{"b2:9200"},
			want:     map[string]bool{"a1:9200": true, "a2:9200": true},
		},
		{
			// Its return is found on its schedule, whatever a breaker says.
			name:     "a due dead node is probed as a last resort",
			excluded: []string{"b2:9200"},
			down:     []string{"b2:9200"},
			advance:  time.Hour,
			want:     map[string]bool{"a1:9200": true, "a2:9200": true, "b2:9200": true},
			probes:   1,
		},
		{
			name:       "every node",
			excluded:   []string{"a1:9200", "a2:9200", "b1:9200", "b2:9200"},
			want:       map[string]bool{"a1:9200": true, "a2:9200": true},
			lastResort: true,
		},
		{
			name:       "every node, all dead",
			excluded:   []string{"a1:9200", "a2:9200", "b1:9200", "b2:9200"},
			down:       []string{"a1:9200", "a2:9200", "b1:9200", "b2:9200"},
			lastResort: true,
		},
		{
			name:       "pinned",
			excluded:   []string{"a1:9200", "a2:9200", "b1:9200"},
			pin:        "b1:9200",
			want:       map[string]bool{"b1:9200": true},
			lastResort: true,
		},
		{
			name:     "pinned, not excluded",
			excluded: []string{"a1:9200", "a2:9200", "b1:9200"},
			pin:      "b2:9200",
			want:     map[string]bool{"b2:9200": true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			stub := newStub()
			var ex excludeSet
			nodes := []*rt.Node{
				zoned("http://a1:9200", "a"), zoned("http://a2:9200", "a"),
				zoned("http://b1:9200", "b"), zoned("http://b2:9200", "b"),
			}
			p := mustPool(t, selector.PoolConfig{
				Seeds:    nodes,
				Selector: selector.RoundRobin(),
				Prefer:   selector.Attribute("zone", "a"),
				Exclude:  ex.exclude,
				Now:      clock.Now,
			})
			tr := selector.Middleware(p)(stub)
			for _, h := range tt.down {
				stub.host(h).down.Store(true)
				ctx := rt.WithNode(t.Context(), nodes[map[string]int{"a1:9200": 0, "a2:9200": 1, "b1:9200": 2, "b2:9200": 3}[h]])
				if _, err := tr.RoundTrip(get(t, ctx, "/")); err == nil {
					t.Fatalf("%s is down but answered", h)
				}
				stub.host(h).down.Store(false)
				stub.host(h).hits.Store(0)
			}
			clock.Advance(tt.advance)
			ex.set(tt.excluded...)
			start := stub.count()
			ctx := t.Context()
			if tt.pin != "" {
				ctx = rt.WithNode(ctx, mustNode(t, "http://"+tt.pin))
			}
			for range 40 {
				res, err := tr.RoundTrip(get(t, ctx, "/"))
				if err != nil {
					t.Fatal(err)
				}
				drain(res)
			}
			for _, h := range []string{"a1:9200", "a2:9200", "b1:9200", "b2:9200"} {
				if got := stub.hits(h); tt.want != nil && (got > 0) != tt.want[h] {
					t.Errorf("%s got %d requests, want some: %v", h, got, tt.want[h])
				}
			}
			marked := 0
			for _, req := range stub.since(start) {
				if routing.LastResortFrom(req.Context()) {
					marked++
				}
			}
			if want := map[bool]int{true: 40}[tt.lastResort] + tt.probes; marked != want {
				t.Errorf("%d of 40 attempts marked as last resorts, want %d", marked, want)
			}
		})
	}
}

// TestExcludeRetryAvoidsTriedNodes: a retried request goes to a node it
// has not tried and that is not excluded.
func TestExcludeRetryAvoidsTriedNodes(t *testing.T) {
	stub := newStub()
	var ex excludeSet
	p := mustPool(t, selector.PoolConfig{
		Seeds:    mustNodes(t, "http://a:9200", "http://b:9200", "http://c:9200"),
		Selector: selector.RoundRobin(),
		Exclude:  ex.exclude,
	})
	tr := selector.Middleware(p)(stub)
	ex.set("a:9200")
	for range 20 {
		ctx, att := routing.WithAttempts(t.Context())
		for range 2 {
			res, err := tr.RoundTrip(get(t, ctx, "/"))
			if err != nil {
				t.Fatal(err)
			}
			drain(res)
		}
		nodes := att.Nodes()
		if nodes[0] == nodes[1] || nodes[0].URL.Host == "a:9200" || nodes[1].URL.Host == "a:9200" {
			t.Fatalf("attempts went to %v and %v", nodes[0], nodes[1])
		}
	}
}
