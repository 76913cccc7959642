package estest

// This file is the queries that match everything or nothing (match_all,
// match_none) or combine clauses (bool, constant_score).

import (
	"strconv"
	"strings"
)

type matchAllQuery struct{ boost float64 }

func (q matchAllQuery) match(*evalDoc) (bool, float64) { return true, q.boost }

func parseMatchAll(body jsonObject) (query, error) {
	q := matchAllQuery{boost: 1}
	for _, m := range body {
		if ok, err := commonOption("match_all", m, &q.boost); !ok || err != nil {
			return nil, firstErr(err, doesNotSupport("match_all", m.Key))
		}
	}
	return q, nil
}

type matchNoneQuery struct{}

func (matchNoneQuery) match(*evalDoc) (bool, float64) { return false, 0 }

func parseMatchNone(body jsonObject) (query, error) {
	var boost float64
	for _, m := range body {
		if ok, err := commonOption("match_none", m, &boost); !ok || err != nil {
			return nil, firstErr(err, doesNotSupport("match_none", m.Key))
		}
	}
	return matchNoneQuery{}, nil
}

type boolQuery struct {
	must, filter, should, mustNot []query
	msm                           string // "" is the default
	boost                         float64
}

func (q boolQuery) match(d *evalDoc) (bool, float64) {
	score := 0.0
	for _, c := range q.must {
		ok, s := c.match(d)
		if !ok {
			return false, 0
		}
		score += s
	}
	for _, c := range q.filter {
		if ok, _ := c.match(d); !ok {
			return false, 0
		}
	}
	for _, c := range q.mustNot {
		if ok, _ := c.match(d); ok {
			return false, 0
		}
	}
	matched := 0
	for _, c := range q.should {
		if ok, s := c.match(d); ok {
			matched++
			score += s
		}
	}
	need := 0
	if q.msm != "" {
		need = minimumShouldMatch(q.msm, len(q.should))
	} else if len(q.must) == 0 && len(q.filter) == 0 && len(q.should) > 0 {
		need = 1
	}
	if matched < need {
		return false, 0
	}
	if len(q.must)+len(q.filter)+len(q.should)+len(q.mustNot) == 0 {
		score = 1 // An empty bool is match_all.
	}
	return true, score * q.boost
}

func parseBool(body jsonObject) (query, error) {
	q := boolQuery{boost: 1}
	for _, m := range body {
		if ok, err := commonOption("bool", m, &q.boost); ok || err != nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		var dst *[]query
		switch m.Key {
		case "must":
			dst = &q.must
		case "filter":
			dst = &q.filter
		case "should":
			dst = &q.should
		case "must_not":
			dst = &q.mustNot
		case "minimum_should_match":
			if !isScalar(m.Value) || m.Value == nil {
				return nil, doesNotSupport("bool", m.Key)
			}
			q.msm = scalarText(m.Value)
			if _, ok := parseMSM(q.msm); !ok {
				return nil, illegalArgument("unsupported minimum_should_match [%s]", q.msm)
			}
			continue
		case "adjust_pure_negative":
			continue
		default:
			return nil, doesNotSupport("bool", m.Key)
		}
		clauses := []any{m.Value}
		if arr, ok := m.Value.([]any); ok {
			clauses = arr
		}
		for _, c := range clauses {
			if _, ok := c.(jsonObject); !ok {
				return nil, parsingError("[bool] query does not support [%s]", m.Key)
			}
			sub, err := parseQuery(c)
			if err != nil {
				return nil, err
			}
			*dst = append(*dst, sub)
		}
	}
	return q, nil
}

// msmSpec is a minimum_should_match in its integer ("2", "-1") or
// percentage ("75%", "-25%") form; negative values count the clauses that
// may be missing.
type msmSpec struct {
	n   int
	pct bool
}

// parseMSM parses the forms of minimum_should_match that estest supports.
func parseMSM(s string) (msmSpec, bool) {
	s = strings.TrimSpace(s)
	p, pct := strings.CutSuffix(s, "%")
	n, err := strconv.Atoi(p)
	if err != nil {
		return msmSpec{}, false
	}
	return msmSpec{n: n, pct: pct}, true
}

// minimumShouldMatch is how many of optional clauses must match, computed
// as Elasticsearch's Queries.calculateMinShouldMatch does for the integer
// and percentage forms.
func minimumShouldMatch(s string, optional int) int {
	msm, ok := parseMSM(s)
	if !ok {
		return 0
	}
	n := msm.n
	if msm.pct {
		n = optional * n / 100
	}
	if n < 0 {
		n += optional
	}
	return max(n, 0)
}

type constantScoreQuery struct {
	filter query
	boost  float64
}

func (q constantScoreQuery) match(d *evalDoc) (bool, float64) {
	if ok, _ := q.filter.match(d); ok {
		return true, q.boost
	}
	return false, 0
}

func parseConstantScore(body jsonObject) (query, error) {
	q := constantScoreQuery{boost: 1}
	for _, m := range body {
		if ok, err := commonOption("constant_score", m, &q.boost); ok || err != nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if m.Key != "filter" {
			return nil, doesNotSupport("constant_score", m.Key)
		}
		f, err := parseQuery(m.Value)
		if err != nil {
			return nil, err
		}
		q.filter = f
	}
	if q.filter == nil {
		return nil, parsingError("[constant_score] requires a 'filter' element")
	}
	return q, nil
}
