package estest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// route is one REST path pattern and its handlers by method. Pattern
// segments in braces ("{index}") are variables; the others are literal.
type route struct {
	pattern  []string
	handlers map[string]func(*request) response
}

// newRoute builds a route from a pattern such as "{index}/_doc/{id}".
func newRoute(pattern string, handlers map[string]func(*request) response) route {
	var segs []string
	if pattern != "" {
		segs = strings.Split(pattern, "/")
	}
	return route{pattern: segs, handlers: handlers}
}

// routes returns the REST API the cluster answers, as Elasticsearch's
// RestController registers it; the point-in-time routes depend on the
// product and version (pit.go).
func (c *Cluster) routes() []route {
	r := newRoute
	type h = map[string]func(*request) response
	search := func(rq *request) response { return c.search(rq, false) }
	count := func(rq *request) response { return c.search(rq, true) }
	return append([]route{
		r("", h{"GET": c.root, "HEAD": c.root}),
		r("_nodes", h{"GET": c.nodesInfo}),
		r("_nodes/http", h{"GET": c.nodesInfo}),
		r("_nodes/{nodes}/http", h{"GET": c.nodesInfo}),
		r("_cluster/health", h{"GET": c.health}),
		r("_cluster/health/{index}", h{"GET": c.health}),
		r("_bulk", h{"POST": c.bulk, "PUT": c.bulk}),
		r("_search", h{"GET": search, "POST": search}),
		r("_search/scroll", h{"GET": c.scroll, "POST": c.scroll, "DELETE": c.clearScroll}),
		r("_search/scroll/{scroll_id}", h{"GET": c.scroll, "POST": c.scroll, "DELETE": c.clearScroll}),
		r("_count", h{"GET": count, "POST": count}),
		r("_mget", h{"GET": c.mget, "POST": c.mget}),
		r("_refresh", h{"GET": c.refresh, "POST": c.refresh}),
		r("{index}", h{"GET": c.getIndex, "HEAD": c.getIndex, "PUT": c.createIndex, "DELETE": c.deleteIndex}),
		r("{index}/_doc", h{"POST": c.indexDoc}),
		r("{index}/_doc/{id}", h{"GET": c.getDoc, "HEAD": c.getDoc, "PUT": c.indexDoc, "POST": c.indexDoc, "DELETE": c.deleteDoc}),
		r("{index}/_create/{id}", h{"PUT": c.createDoc, "POST": c.createDoc}),
		r("{index}/_update/{id}", h{"POST": c.updateDoc}),
		r("{index}/_bulk", h{"POST": c.bulk, "PUT": c.bulk}),
		r("{index}/_search", h{"GET": search, "POST": search}),
		r("{index}/_count", h{"GET": count, "POST": count}),
		r("{index}/_mget", h{"GET": c.mget, "POST": c.mget}),
		r("{index}/_refresh", h{"GET": c.refresh, "POST": c.refresh}),
	}, c.pitRoutes()...)
}

// match reports whether segs fit the pattern, with the variables and the
// number of literal segments (more literals win, as in PathTrie).
func (rt route) match(segs []string) (map[string]string, int, bool) {
	if len(segs) != len(rt.pattern) {
		return nil, 0, false
	}
	vars := map[string]string{}
	literals := 0
	for i, p := range rt.pattern {
		if strings.HasPrefix(p, "{") {
			vars[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, 0, false
		}
		literals++
	}
	return vars, literals, true
}

// route dispatches rq. A path no pattern matches is answered as
// Elasticsearch's RestController does: 400 with a plain-string error and no
// status field; a known path with another method is 405 with an Allow
// header and a plain-string error with status.
func (c *Cluster) route(rq *request) response {
	var segs []string
	for s := range strings.SplitSeq(strings.Trim(rq.r.URL.EscapedPath(), "/"), "/") {
		if s == "" {
			continue
		}
		u, err := url.PathUnescape(s)
		if err != nil {
			u = s
		}
		segs = append(segs, u)
	}
	// As PathTrie does, the candidate with the most literal segments
	// decides: if it lacks the method, the answer is 405 listing the
	// methods of every candidate.
	var (
		best      route
		bestVars  map[string]string
		bestScore = -1
		allowed   []string
	)
	method := rq.r.Method
	for _, rt := range c.routeTable {
		vars, score, ok := rt.match(segs)
		if !ok {
			continue
		}
		if score > bestScore {
			best, bestVars, bestScore = rt, vars, score
		}
		for m := range rt.handlers {
			if !slices.Contains(allowed, m) {
				allowed = append(allowed, m)
			}
		}
	}
	uri := rq.r.URL.RequestURI()
	switch {
	case bestScore >= 0 && best.handlers[method] != nil:
		if resp, ok := checkParams(rq, best.pattern); !ok {
			return resp
		}
		rq.vars = bestVars
		return best.handlers[method](rq)
	case bestScore >= 0:
		slices.Sort(allowed)
		resp := stringError(http.StatusMethodNotAllowed,
			"Incorrect HTTP method for uri ["+uri+"] and method ["+method+"], allowed: ["+strings.Join(allowed, ", ")+"]", true)
		resp.header = http.Header{"Allow": {strings.Join(allowed, ",")}}
		return resp
	default:
		return stringError(http.StatusBadRequest, "no handler found for uri ["+uri+"] and method ["+method+"]", false)
	}
}
