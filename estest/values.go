package estest

// This file is the values the search engine compares: numbers kept exact
// when they are integers, and query values read as numbers, booleans or
// dates.

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// number is a JSON number kept exact when it is an integer.
type number struct {
	i     int64
	f     float64
	isInt bool
}

func intNumber(i int64) number { return number{i: i, f: float64(i), isInt: true} }

func (n number) float() float64 { return n.f }

func parseNumber(s string) (number, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return intNumber(i), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return number{}, false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return intNumber(int64(f)), true
	}
	return number{f: f}, true
}

func cmpNumber(a, b number) int {
	if a.isInt && b.isInt {
		return cmpInt64(a.i, b.i)
	}
	switch {
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	}
	return 0
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func queryNumber(q any) (number, bool) {
	switch t := q.(type) {
	case json.Number:
		return parseNumber(t.String())
	case string:
		return parseNumber(strings.TrimSpace(t))
	}
	return number{}, false
}

func queryBool(q any) (bool, bool) {
	switch t := q.(type) {
	case bool:
		return t, true
	case string:
		switch t {
		case "true":
			return true, true
		case "false", "":
			return false, true
		}
	}
	return false, false
}

// queryDate reads a date given as an ISO 8601 string or as epoch millis.
func queryDate(q any) (number, bool) {
	switch t := q.(type) {
	case json.Number:
		return parseNumber(t.String())
	case string:
		if ms, ok := parseDate(t); ok {
			return intNumber(ms), true
		}
		return parseNumber(t)
	}
	return number{}, false
}

// parseDate recognises the strings that dynamic mapping's date detection
// maps as dates (strict_date_optional_time: yyyy-MM-dd, optionally with a
// time and a zone; UTC when the zone is absent) and returns epoch millis.
func parseDate(s string) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	layouts := [...]string{
		"2006-01-02",
		"2006-01-02T15:04",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04:05Z07:00",
		"2006-01-02T15:04:05Z0700",
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), true
		}
	}
	return 0, false
}
