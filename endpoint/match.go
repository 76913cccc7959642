package endpoint

import "strings"

// The route table (table.go, generated from the specifications) is a trie
// of path segments. Each node has literal children, sorted by segment, and
// at most one placeholder child, which takes any segment; the routes that
// end at a node are listed by method. All of it is static data: nothing is
// built or parsed when the program starts.

// node is one node of the trie; nodes[0] is the root ("/").
type node struct {
	edge0, edge1   uint16 // literal children: edges[edge0:edge1], sorted by seg
	param          uint16 // placeholder child; 0 for none (the root is nobody's child)
	route0, route1 uint16 // routes ending here: routes[route0:route1]
}

// edge leads to the child of a literal segment.
type edge struct {
	seg  string
	node uint16
}

// route is one method on one path template of one endpoint.
type route struct {
	method method
	spec   uint16 // the endpoint: specs[spec]
	safety Safety
	holes  uint16 // bit i set: segment i of the path is a placeholder
	params string // the placeholders' names in path order, comma-separated
}

// spec is one endpoint.
type spec struct {
	id    string
	flags fact
}

// find returns the route that method m and path call.
func find(m method, path string) (*route, bool) {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	i := walk(0, m, path)
	if i < 0 {
		return nil, false
	}
	return &routes[i], true
}

// walk matches path below node n and returns the index of the route, or
// -1. At each segment a literal child is tried before the placeholder
// child, and a branch is left again when the rest of the path or the
// method does not match further down: so POST /_scripts/painless/_execute
// is scripts_painless_execute, and POST /_scripts/painless/score is
// put_script (/_scripts/{id}/{context}). The recursion is as deep as the
// trie, whatever the path's length.
func walk(n uint16, m method, path string) int {
	nd := &nodes[n]
	seg, rest := nextSegment(path)
	if seg == "" {
		for i := nd.route0; i < nd.route1; i++ {
			if routes[i].method == m {
				return int(i)
			}
		}
		return -1
	}
	if child, ok := literal(nd, seg); ok {
		if i := walk(child, m, rest); i >= 0 {
			return i
		}
	}
	if nd.param != 0 {
		return walk(nd.param, m, rest)
	}
	return -1
}

// literal returns the child of nd for the literal segment seg.
func literal(nd *node, seg string) (uint16, bool) {
	lo, hi := int(nd.edge0), int(nd.edge1)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch c := strings.Compare(edges[mid].seg, seg); {
		case c == 0:
			return edges[mid].node, true
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, false
}

// nextSegment returns the first non-empty segment of path and what
// follows it. In a decoded path, a slash inside a date-math name
// ("<logs-{now/d}>") does not end the segment; an escaped path has no
// "<" (it is %3C).
func nextSegment(path string) (seg, rest string) {
	start := 0
	for start < len(path) && path[start] == '/' {
		start++
	}
	depth := 0
	for end := start; end < len(path); end++ {
		switch path[end] {
		case '/':
			if depth <= 0 {
				return path[start:end], path[end:]
			}
		case '<':
			depth++
		case '>':
			depth--
		}
	}
	return path[start:], ""
}
