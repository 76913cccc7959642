package estest

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"
)

// filterPath applies the filter_path parameter to a JSON answer as
// Elasticsearch's FilterPath does: comma-separated dot paths whose
// segments may hold * wildcards, ** for any depth, and a leading - for an
// exclusion. Arrays are crossed transparently. Includes apply first, then
// excludes; an answer nothing is left of is {}. Error envelopes are not
// filtered, as Elasticsearch builds them without the filter.
func filterPath(spec string, body []byte) []byte {
	var incl, excl [][]string
	for p := range strings.SplitSeq(spec, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(p, "-"); ok {
			excl = append(excl, strings.Split(rest, "."))
		} else {
			incl = append(incl, strings.Split(p, "."))
		}
	}
	v, err := decodeJSON(body)
	if err != nil || (len(incl) == 0 && len(excl) == 0) {
		return body
	}
	if len(incl) > 0 {
		var ok bool
		if v, ok = include(v, incl); !ok {
			return []byte("{}")
		}
	}
	if len(excl) > 0 {
		v = exclude(v, excl)
	}
	var buf bytes.Buffer
	encodeValue(&buf, v)
	return buf.Bytes()
}

// advance returns what is left of paths once key has been matched; an
// empty path in the result means the key matched a whole path.
func advance(paths [][]string, key string) [][]string {
	var out [][]string
	for _, p := range paths {
		if p[0] == "**" {
			if len(p) == 1 {
				out = append(out, nil)
				continue
			}
			out = append(out, p)
			out = append(out, advance([][]string{p[1:]}, key)...)
			continue
		}
		if ok, _ := path.Match(p[0], key); ok || p[0] == key {
			out = append(out, p[1:])
		}
	}
	return out
}

func hasEmpty(paths [][]string) bool {
	for _, p := range paths {
		if len(p) == 0 {
			return true
		}
	}
	return false
}

// include keeps what paths select in v, and reports whether anything is
// left.
func include(v any, paths [][]string) (any, bool) {
	switch t := v.(type) {
	case jsonObject:
		var out jsonObject
		for _, m := range t {
			rest := advance(paths, m.Key)
			if hasEmpty(rest) {
				out = append(out, m)
			} else if len(rest) > 0 {
				if sub, ok := include(m.Value, rest); ok {
					out = append(out, jsonMember{m.Key, sub})
				}
			}
		}
		return out, len(out) > 0
	case []any:
		var out []any
		for _, e := range t {
			if sub, ok := include(e, paths); ok {
				out = append(out, sub)
			}
		}
		return out, len(out) > 0
	}
	return nil, false
}

// exclude drops what paths select in v.
func exclude(v any, paths [][]string) any {
	switch t := v.(type) {
	case jsonObject:
		out := jsonObject{}
		for _, m := range t {
			rest := advance(paths, m.Key)
			switch {
			case hasEmpty(rest):
			case len(rest) > 0:
				out = append(out, jsonMember{m.Key, exclude(m.Value, rest)})
			default:
				out = append(out, m)
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			out = append(out, exclude(e, paths))
		}
		return out
	}
	return v
}

// encodeValue renders a value decodeJSON returned, keeping key order.
func encodeValue(buf *bytes.Buffer, v any) {
	switch t := v.(type) {
	case jsonObject:
		buf.WriteByte('{')
		for i, m := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(mustMarshal(m.Key))
			buf.WriteByte(':')
			encodeValue(buf, m.Value)
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			encodeValue(buf, e)
		}
		buf.WriteByte(']')
	case json.Number:
		buf.WriteString(t.String())
	default:
		buf.Write(mustMarshal(t))
	}
}

// isErrorEnvelope reports whether resp is an error answer, which
// Elasticsearch never filters.
func isErrorEnvelope(resp response) bool {
	if resp.status < 400 {
		return false
	}
	obj, err := parseObject(resp.body)
	if err != nil {
		return true
	}
	for _, m := range obj {
		if m.key == "error" {
			return true
		}
	}
	return false
}
