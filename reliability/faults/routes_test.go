package faults_test

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/endpoint"
)

// The routes of the endpoint table, as concrete requests. They are read
// from the generated table itself (endpoint/table.go, one route per line
// with a "// METHOD /template id" comment), so that a route added to the
// table, from the specifications or from facts_test.go, is in the matrix.

// tableFile is the generated endpoint table, relative to this package.
const tableFile = "../../endpoint/table.go"

// route is one method on one path template of the table.
type route struct {
	method, template, id string
}

// routeLine matches a line of the routes array, such as
//
//	8: {mPOST, 18, IdempotentWithIDs, 0x0000, ""}, // POST /_bulk bulk
var routeLine = regexp.MustCompile(`^\s*\d+:\s*\{m[A-Z]+,.*\},\s*// ([A-Z]+) (/\S*) (\S+)$`)

// tableRoutes returns every route of the table. It fails the test when a
// line of the routes array does not parse, so that a change of the
// generator's format cannot shrink the matrix unseen.
func tableRoutes(t testing.TB) []route {
	t.Helper()
	f, err := os.Open(tableFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var routes []route
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "var routes = "):
			in = true
			continue
		case !in:
			continue
		case line == "}":
			in = false
			continue
		}
		m := routeLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s: cannot read route line %q", tableFile, line)
		}
		routes = append(routes, route{method: m[1], template: m[2], id: m[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// The specifications define over 1300 routes; far fewer means the
	// table was not found where expected.
	if len(routes) < 1000 {
		t.Fatalf("%s: %d routes, want over 1000", tableFile, len(routes))
	}
	return routes
}

// path fills the placeholders of r's template with names no literal
// segment has ("fm-index", "fm-id", ...).
func (r route) path() string {
	segs := strings.Split(r.template, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = "fm-" + strings.Trim(s, "{}")
		}
	}
	return strings.Join(segs, "/")
}

// variant is one request of the sweep: a route with a body.
type variant struct {
	route
	name string // the route and, for body-judged endpoints, which body
	path string
	body []byte // nil: no body
}

// Bodies for the endpoints whose safety depends on the body.
var (
	bulkWithIDs    = []byte("{\"index\":{\"_index\":\"fm\",\"_id\":\"1\"}}\n{\"n\":1}\n{\"delete\":{\"_index\":\"fm\",\"_id\":\"2\"}}\n")
	bulkWithoutIDs = []byte("{\"index\":{\"_index\":\"fm\",\"_id\":\"1\"}}\n{\"n\":1}\n{\"create\":{\"_index\":\"fm\"}}\n{\"n\":2}\n")
	updateDoc      = []byte(`{"doc":{"n":1}}`)
	updateScript   = []byte(`{"script":{"source":"ctx._source.n += 1"}}`)
	plainBody      = []byte(`{"fm":1}`)
)

// variants returns the requests of the sweep for every route of the
// table: one per route, and for _bulk and _update one for each kind of
// body their safety depends on. It fails the test when the filled path
// does not resolve to the route's endpoint.
func variants(t testing.TB) []variant {
	t.Helper()
	var out []variant
	for _, r := range tableRoutes(t) {
		p := r.path()
		e := endpoint.Lookup(r.method, p)
		if e.ID != r.id {
			t.Errorf("%s %s resolves to %q, want %q", r.method, p, e.ID, r.id)
			continue
		}
		name := fmt.Sprintf("%s %s", r.method, r.template)
		switch {
		case e.Safety == endpoint.IdempotentWithIDs:
			out = append(out, variant{r, name + " (ids)", p, bulkWithIDs}, variant{r, name + " (no ids)", p, bulkWithoutIDs})
		case e.Safety == endpoint.IdempotentWithoutScript:
			out = append(out, variant{r, name + " (doc)", p, updateDoc}, variant{r, name + " (script)", p, updateScript})
		case r.method == "POST" || r.method == "PUT" || r.method == "PATCH":
			out = append(out, variant{r, name, p, plainBody})
		default:
			out = append(out, variant{r, name, p, nil})
		}
	}
	return out
}

// TestFaultMatrixRoutesCoverTheTable checks the sweep's input: every
// safety class is present, and each body-judged endpoint gets both bodies.
func TestFaultMatrixRoutesCoverTheTable(t *testing.T) {
	count := map[endpoint.Safety]int{}
	again := map[bool]int{}
	for _, v := range variants(t) {
		op := opOf(v.method, v.path, v.body)
		count[op.safety]++
		again[repeatable(op)]++
	}
	for _, s := range []endpoint.Safety{endpoint.ReadOnly, endpoint.Idempotent, endpoint.IdempotentWithIDs, endpoint.IdempotentWithoutScript, endpoint.Unsafe} {
		if count[s] == 0 {
			t.Errorf("no route of safety %v", s)
		}
	}
	if again[true] == 0 || again[false] == 0 {
		t.Errorf("repeatable %d, not repeatable %d: the sweep must have both", again[true], again[false])
	}
	// The security calls that mint credentials are in the sweep, and a
	// second send would mint a second set: never repeatable.
	mints := map[string]int{}
	for _, v := range variants(t) {
		switch v.id {
		case "security.create_api_key", "security.grant_api_key", "security.get_token",
			"security.create_cross_cluster_api_key", "security.clone_api_key", "security.enroll_kibana", "security.enroll_node":
			mints[v.id]++
			if repeatable(opOf(v.method, v.path, v.body)) {
				t.Errorf("%s (%s) is repeatable", v.id, v.name)
			}
		}
	}
	if len(mints) != 7 {
		t.Errorf("minting endpoints in the sweep: %v, want all 7", mints)
	}
	t.Logf("%d requests: %v", count[0]+count[1]+count[2]+count[3]+count[4], count)
}
