package endpoint

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"os"
	"slices"
	"strings"
	"testing"
)

// This file generates table.go from testdata/elasticsearch.json,
// testdata/opensearch.json and the decisions in facts_test.go:
//
//	go test -run '^TestTable$' -update ./endpoint
//
// (go generate ./endpoint runs the same). Without -update, TestTable fails
// when table.go is not what they give.

var update = flag.Bool("update", false, "rewrite table.go from testdata and facts_test.go")

// fixtureEndpoint is one endpoint of testdata/*.json.
type fixtureEndpoint struct {
	ID    string        `json:"id"`
	Paths []fixturePath `json:"paths"`
}

type fixturePath struct {
	Path    string   `json:"path"`
	Methods []string `json:"methods"`
	Parts   []string `json:"parts"`
}

func loadFixture(name string) ([]fixtureEndpoint, error) {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		return nil, err
	}
	var eps []fixtureEndpoint
	if err := json.Unmarshal(b, &eps); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return eps, nil
}

// fixtures returns the endpoints of both specifications, Elasticsearch's
// first, and the extra ones of facts_test.go.
func fixtures(t testing.TB) []fixtureEndpoint {
	t.Helper()
	es, err := loadFixture("elasticsearch.json")
	if err != nil {
		t.Fatal(err)
	}
	opensearch, err := loadFixture("opensearch.json")
	if err != nil {
		t.Fatal(err)
	}
	return slices.Concat(es, opensearch, factExtraRoutes)
}

func TestTable(t *testing.T) {
	src, err := generate(fixtures(t))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("table.go", src, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile("table.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old, src) {
		t.Fatal("table.go does not match testdata and facts_test.go: run go generate ./endpoint")
	}
}

// shape returns a path template with every placeholder written "{}", so
// that templates differing only in names compare equal.
func shape(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if isPlaceholder(s) {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

func isPlaceholder(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// shapeKey normalises a "METHOD template" key of facts_test.go.
func shapeKey(k string) string {
	m, p, _ := strings.Cut(k, " ")
	return m + " " + shape(p)
}

// candidate is an endpoint that defines a route.
type candidate struct{ id, path string }

// genRoute is one method on one path template.
type genRoute struct {
	method string
	path   string // the template, with placeholder names
	id     string
	safety Safety
}

var methodOrder = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}

func generate(eps []fixtureEndpoint) ([]byte, error) {
	ids := map[string]bool{}
	byKey := map[string][]candidate{}       // "METHOD shape" → who defines it
	methods := map[string]map[string]bool{} // "id shape" → methods
	for _, ep := range eps {
		ids[ep.ID] = true
		for _, p := range ep.Paths {
			s := shape(p.Path)
			for _, m := range p.Methods {
				if !slices.Contains(methodOrder, m) {
					return nil, fmt.Errorf("%s %s: unknown method %s", ep.ID, p.Path, m)
				}
				k := m + " " + s
				byKey[k] = append(byKey[k], candidate{ep.ID, p.Path})
				if methods[ep.ID+" "+s] == nil {
					methods[ep.ID+" "+s] = map[string]bool{}
				}
				methods[ep.ID+" "+s][m] = true
			}
		}
	}
	if err := checkFacts(ids, byKey); err != nil {
		return nil, err
	}
	byRoute := map[string]Safety{}
	for k, s := range factSafetyByRoute {
		byRoute[shapeKey(k)] = s
	}
	ambiguous := map[string]string{}
	for k, id := range factAmbiguous {
		ambiguous[shapeKey(k)] = id
	}

	var routes []genRoute
	for _, k := range slices.Sorted(mapKeys(byKey)) {
		cands := byKey[k]
		id := cands[0].id
		for _, c := range cands[1:] {
			if c.id != id {
				id = ambiguous[k]
				if id == "" {
					return nil, fmt.Errorf("%s is %s and %s: say which in factAmbiguous", k, cands[0].id, c.id)
				}
				break
			}
		}
		i := slices.IndexFunc(cands, func(c candidate) bool { return c.id == id })
		if i < 0 {
			return nil, fmt.Errorf("factAmbiguous: %s is not %s", k, id)
		}
		m, s, _ := strings.Cut(k, " ")
		routes = append(routes, genRoute{method: m, path: cands[i].path, id: id,
			safety: decide(byRoute, id, m, s, methods[id+" "+s])})
	}
	return render(routes)
}

// decide returns the safety of method m on the path shape s of endpoint
// id, which accepts methods there (see facts_test.go).
func decide(byRoute map[string]Safety, id, m, s string, methods map[string]bool) Safety {
	if v, ok := byRoute[m+" "+s]; ok {
		return v
	}
	if v, ok := factSafetyByID[id]; ok {
		return v
	}
	switch m {
	case "GET", "HEAD":
		return ReadOnly
	case "PUT", "DELETE":
		return Idempotent
	case "POST":
		if methods["GET"] {
			return decide(byRoute, id, "GET", s, methods)
		}
		if methods["PUT"] {
			return decide(byRoute, id, "PUT", s, methods)
		}
	}
	return Unsafe
}

// checkFacts refuses names in facts_test.go that the specifications do
// not have.
func checkFacts(ids map[string]bool, byKey map[string][]candidate) error {
	var missing []string
	checkID := func(list, id string) {
		if prefix, ok := strings.CutSuffix(id, "*"); ok {
			for known := range ids {
				if strings.HasPrefix(known, prefix) {
					return
				}
			}
		} else if ids[id] {
			return
		}
		missing = append(missing, list+": "+id)
	}
	for _, id := range factNDJSON {
		checkID("factNDJSON", id)
	}
	for _, id := range factSecretRequest {
		checkID("factSecretRequest", id)
	}
	for _, id := range factSecretResponse {
		checkID("factSecretResponse", id)
	}
	for id := range factSafetyByID {
		checkID("factSafetyByID", id)
	}
	for k := range factSafetyByRoute {
		if byKey[shapeKey(k)] == nil {
			missing = append(missing, "factSafetyByRoute: "+k)
		}
	}
	for k := range factAmbiguous {
		if byKey[shapeKey(k)] == nil {
			missing = append(missing, "factAmbiguous: "+k)
		}
	}
	if missing != nil {
		slices.Sort(missing)
		return fmt.Errorf("facts_test.go names what the specifications do not have:\n%s", strings.Join(missing, "\n"))
	}
	return nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// flagsOf returns the facts of endpoint id, as Go source.
func flagsOf(id string) string {
	has := func(list []string) bool {
		for _, e := range list {
			if prefix, ok := strings.CutSuffix(e, "*"); ok && strings.HasPrefix(id, prefix) || e == id {
				return true
			}
		}
		return false
	}
	var f []string
	if has(factNDJSON) {
		f = append(f, "ndjson")
	}
	if has(factSecretRequest) {
		f = append(f, "secretRequest")
	}
	if has(factSecretResponse) {
		f = append(f, "secretResponse")
	}
	if f == nil {
		return "0"
	}
	return strings.Join(f, " | ")
}

// genNode is a node of the trie being built.
type genNode struct {
	prefix string // the path shape to here, for comments
	lits   map[string]*genNode
	param  *genNode
	routes []genRoute
}

func (n *genNode) child(seg string) *genNode {
	if isPlaceholder(seg) {
		if n.param == nil {
			n.param = &genNode{prefix: n.prefix + "/{}", lits: map[string]*genNode{}}
		}
		return n.param
	}
	c := n.lits[seg]
	if c == nil {
		c = &genNode{prefix: n.prefix + "/" + seg, lits: map[string]*genNode{}}
		n.lits[seg] = c
	}
	return c
}

// render writes the trie of routes as Go source: nodes in breadth-first
// order, so that each node's edges and routes are contiguous.
func render(routes []genRoute) ([]byte, error) {
	root := &genNode{lits: map[string]*genNode{}}
	specIndex := map[string]int{}
	for _, r := range routes {
		specIndex[r.id] = 0
		n := root
		for seg := range strings.SplitSeq(strings.Trim(r.path, "/"), "/") {
			if seg != "" {
				n = n.child(seg)
			}
		}
		n.routes = append(n.routes, r)
	}
	specIDs := slices.Sorted(mapKeys(specIndex))
	for i, id := range specIDs {
		specIndex[id] = i
	}

	var b bytes.Buffer
	b.WriteString("// Code generated by TestTable (gen_test.go) from testdata/elasticsearch.json,\n")
	b.WriteString("// testdata/opensearch.json and facts_test.go. DO NOT EDIT.\n\n")
	b.WriteString("package endpoint\n\n")
	b.WriteString("// specs lists the endpoints by id.\nvar specs = [...]spec{\n")
	for i, id := range specIDs {
		fmt.Fprintf(&b, "\t%d: {%q, %s},\n", i, id, flagsOf(id))
	}
	b.WriteString("}\n\n")

	var nodesSrc, edgesSrc, routesSrc bytes.Buffer
	order := []*genNode{root}
	index := map[*genNode]int{root: 0}
	enqueue := func(n *genNode) int {
		if _, ok := index[n]; !ok {
			index[n] = len(order)
			order = append(order, n)
		}
		return index[n]
	}
	edges, nroutes := 0, 0
	for i := 0; i < len(order); i++ {
		n := order[i]
		e0 := edges
		for _, seg := range slices.Sorted(mapKeys(n.lits)) {
			fmt.Fprintf(&edgesSrc, "\t%d: {%q, %d},\n", edges, seg, enqueue(n.lits[seg]))
			edges++
		}
		param := 0
		if n.param != nil {
			param = enqueue(n.param)
		}
		r0 := nroutes
		slices.SortFunc(n.routes, func(a, b genRoute) int {
			return slices.Index(methodOrder, a.method) - slices.Index(methodOrder, b.method)
		})
		for _, r := range n.routes {
			var holes uint16
			var names []string
			segs := strings.Split(strings.Trim(r.path, "/"), "/")
			if len(segs) > 16 {
				return nil, fmt.Errorf("%s: more than 16 segments", r.path)
			}
			for j, s := range segs {
				if isPlaceholder(s) {
					holes |= 1 << j
					names = append(names, strings.Trim(s, "{}"))
				}
			}
			fmt.Fprintf(&routesSrc, "\t%d: {m%s, %d, %s, %#04x, %q}, // %s %s %s\n",
				nroutes, r.method, specIndex[r.id], r.safety, holes, strings.Join(names, ","), r.method, r.path, r.id)
			nroutes++
		}
		prefix := n.prefix
		if prefix == "" {
			prefix = "/"
		}
		fmt.Fprintf(&nodesSrc, "\t%d: {%d, %d, %d, %d, %d}, // %s\n", i, e0, edges, param, r0, nroutes, prefix)
	}
	if len(order) > 1<<16 || edges > 1<<16 || nroutes > 1<<16 {
		return nil, fmt.Errorf("table too large for uint16 indices")
	}
	b.WriteString("// nodes is the trie of path segments; nodes[0] is the root.\nvar nodes = [...]node{\n")
	b.Write(nodesSrc.Bytes())
	b.WriteString("}\n\n// edges are the literal segments of the nodes.\nvar edges = [...]edge{\n")
	b.Write(edgesSrc.Bytes())
	b.WriteString("}\n\n// routes are the methods of each path template.\nvar routes = [...]route{\n")
	b.Write(routesSrc.Bytes())
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
