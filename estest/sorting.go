package estest

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
)

// sortField is one sort criterion.
type sortField struct {
	field        string // a path, or _score, _doc, _id, _shard_doc
	desc         bool
	missingFirst bool
	missing      *sortValue // a replacement value for documents without one
	mode         string     // min, max, sum, avg or median; "" picks min ascending, max descending
}

func newSortField(field string) sortField {
	return sortField{field: field, desc: field == "_score"}
}

// parseSort parses the body's sort: a string, an object of one or more
// fields, or an array of these.
func parseSort(v any) ([]sortField, error) {
	var out []sortField
	var add func(v any, top bool) error
	add = func(v any, top bool) error {
		switch t := v.(type) {
		case string:
			out = append(out, newSortField(t))
		case jsonObject:
			for _, m := range t {
				sf, err := parseSortObject(m)
				if err != nil {
					return err
				}
				out = append(out, sf)
			}
		case []any:
			if !top {
				return parsingError("[sort] malformed: nested arrays are not supported")
			}
			for _, e := range t {
				if err := add(e, false); err != nil {
					return err
				}
			}
		default:
			return parsingError("[sort] malformed: unexpected token [%s]", tokenName(v))
		}
		return nil
	}
	return out, add(v, true)
}

func parseSortObject(m jsonMember) (sortField, error) {
	sf := newSortField(m.Key)
	switch m.Key {
	case "_geo_distance", "_script":
		return sf, illegalArgument("[%s] sort is not supported by estest", m.Key)
	}
	parseOrder := func(v any) error {
		switch s := strings.ToLower(scalarText(v)); {
		case !isScalar(v) || v == nil:
			return parsingError("[sort] order must be a string, found [%s]", tokenName(v))
		case s == "asc":
			sf.desc = false
		case s == "desc":
			sf.desc = true
		default:
			return illegalArgument("Unknown SortOrder [%s]", scalarText(v))
		}
		return nil
	}
	opts, ok := m.Value.(jsonObject)
	if !ok {
		return sf, parseOrder(m.Value)
	}
	for _, o := range opts {
		switch o.Key {
		case "order":
			if err := parseOrder(o.Value); err != nil {
				return sf, err
			}
		case "missing":
			switch o.Value {
			case "_last":
				sf.missingFirst = false
			case "_first":
				sf.missingFirst = true
			default:
				if !isScalar(o.Value) || o.Value == nil {
					return sf, contentError("[field_sort] missing doesn't support values of type: %s", tokenName(o.Value))
				}
				v := afterValue(o.Value)
				sf.missing = &v
			}
		case "mode":
			switch s := scalarText(o.Value); s {
			case "min", "max", "sum", "avg", "median":
				sf.mode = s
			default:
				return sf, illegalArgument("Unknown SortMode [%s]", s)
			}
		case "unmapped_type":
			// No effect: an absent field sorts as missing anyway.
		case "format", "numeric_type":
			return sf, illegalArgument("[%s] in a field sort is not supported by estest", o.Key)
		default:
			return sf, contentError("[field_sort] unknown field [%s]", o.Key)
		}
	}
	return sf, nil
}

// sortValue is one sort key of a document: missing, a number or a string.
type sortValue struct {
	missing bool
	isNum   bool
	num     number
	str     string
}

// afterValue converts a search_after or missing value from the request.
func afterValue(v any) sortValue {
	switch t := v.(type) {
	case nil:
		return sortValue{missing: true}
	case bool:
		if t {
			return sortValue{isNum: true, num: intNumber(1)}
		}
		return sortValue{isNum: true, num: intNumber(0)}
	case json.Number:
		if n, ok := parseNumber(t.String()); ok {
			return sortValue{isNum: true, num: n}
		}
	}
	return sortValue{str: scalarText(v)}
}

// wire is the sort value as a hit reports it: int64, float64, string, or nil
// for a document without a value.
func (v sortValue) wire() any {
	switch {
	case v.missing:
		return nil
	case v.isNum && v.num.isInt:
		return v.num.i
	case v.isNum:
		return v.num.f
	}
	return v.str
}

// value computes the document's key for this criterion.
func (sf sortField) value(d *evalDoc, score float64) sortValue {
	switch sf.field {
	case "_score":
		return sortValue{isNum: true, num: number{f: score}}
	case "_doc", "_shard_doc":
		return sortValue{isNum: true, num: intNumber(d.doc.SeqNo)}
	}
	var nums []number
	var strs []string
	for _, l := range d.leaves(sf.field) {
		switch l.kind {
		case kindText, kindKeyword:
			strs = append(strs, l.text)
		default:
			nums = append(nums, l.num)
		}
	}
	wantMax := sf.mode == "max" || sf.mode == "" && sf.desc
	switch {
	case len(nums) > 0:
		switch sf.mode {
		case "sum", "avg", "median":
			return sortValue{isNum: true, num: aggregate(sf.mode, nums)}
		}
		pick := slices.MinFunc(nums, cmpNumber)
		if wantMax {
			pick = slices.MaxFunc(nums, cmpNumber)
		}
		return sortValue{isNum: true, num: pick}
	case len(strs) > 0:
		if wantMax {
			return sortValue{str: slices.Max(strs)}
		}
		return sortValue{str: slices.Min(strs)}
	case sf.missing != nil:
		return *sf.missing
	}
	return sortValue{missing: true}
}

func aggregate(mode string, nums []number) number {
	switch mode {
	case "median":
		s := slices.Clone(nums)
		slices.SortFunc(s, cmpNumber)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return number{f: (s[len(s)/2-1].f + s[len(s)/2].f) / 2}
	}
	sum := 0.0
	for _, n := range nums {
		sum += n.f
	}
	if mode == "avg" {
		sum /= float64(len(nums))
	}
	if sum == math.Trunc(sum) && math.Abs(sum) < 1<<53 {
		return intNumber(int64(sum))
	}
	return number{f: sum}
}

// compare orders two keys under this criterion. Missing values go last
// whatever the order, unless the criterion asks for them first.
func (sf sortField) compare(a, b sortValue) int {
	if a.missing || b.missing {
		switch {
		case a.missing && b.missing:
			return 0
		case a.missing == sf.missingFirst:
			return -1
		}
		return 1
	}
	c := compareValues(a, b)
	if sf.desc {
		c = -c
	}
	return c
}

// compareValues orders numbers numerically and strings lexically; a string
// meeting a number is read as a number or an ISO date (epoch millis) if it
// is one, else sorts after it.
func compareValues(a, b sortValue) int {
	if a.isNum != b.isNum {
		if a.isNum {
			if n, ok := queryDate(b.str); ok {
				return cmpNumber(a.num, n)
			}
			return -1
		}
		if n, ok := queryDate(a.str); ok {
			return cmpNumber(n, b.num)
		}
		return 1
	}
	if a.isNum {
		return cmpNumber(a.num, b.num)
	}
	return strings.Compare(a.str, b.str)
}
