package estest

// This file is JSON as the search parser reads it: a request body decoded
// with its keys in order, and the coercions Elasticsearch's parser applies
// to values. json.go is JSON as documents are stored and answers written.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// jsonObject is a JSON object that keeps its keys in order, which the
// Elasticsearch grammar depends on (sort objects, error messages).
type jsonObject []jsonMember

type jsonMember struct {
	Key   string
	Value any
}

// decodeJSON decodes one JSON value into jsonObject, []any, string,
// json.Number, bool or nil.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, contentError("Failed to parse the request body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, contentError("Failed to parse the request body: unexpected content after the end of the object")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := jsonObject{}
		var seen map[string]bool
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, _ := kt.(string)
			if seen == nil {
				seen = make(map[string]bool)
			}
			if seen[key] {
				return nil, fmt.Errorf("Duplicate field '%s'", key)
			}
			seen[key] = true
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, jsonMember{key, v})
		}
		_, err := dec.Token()
		return obj, err
	case json.Delim('['):
		arr := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return tok, nil
}

// tokenName names a value the way Elasticsearch's parser names its token.
func tokenName(v any) string {
	switch v.(type) {
	case jsonObject:
		return "START_OBJECT"
	case []any:
		return "START_ARRAY"
	case string:
		return "VALUE_STRING"
	case json.Number:
		return "VALUE_NUMBER"
	case bool:
		return "VALUE_BOOLEAN"
	}
	return "VALUE_NULL"
}

func isScalar(v any) bool {
	switch v.(type) {
	case jsonObject, []any:
		return false
	}
	return true
}

// scalarText is the text of a scalar query value, as Elasticsearch's
// parser.text() would give it.
func scalarText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

// intValue reads an int the way Elasticsearch's coercing parser does:
// numbers and numeric strings, fractions truncated, int32 range.
func intValue(name string, v any) (int, error) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return 0, contentError("[%s] failed to parse field, expected a number but found [%s]", name, tokenName(v))
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > math.MaxInt32 || n < math.MinInt32 {
			return 0, contentError("Numeric value (%s) out of range of int", s)
		}
		return int(n), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &queryError{Type: "number_format_exception", Reason: fmt.Sprintf("For input string: %q", s)}
	}
	if f > math.MaxInt32 || f < math.MinInt32 {
		return 0, contentError("Numeric value (%s) out of range of int", s)
	}
	return int(f), nil
}

func floatValue(v any) (float64, bool) {
	n, ok := queryNumber(v)
	if !ok {
		return 0, false
	}
	return n.float(), true
}
