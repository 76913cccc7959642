package middleware

import (
	"errors"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

func TestStatusSet(t *testing.T) {
	s, err := newStatusSet(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for code := -1; code < 700; code++ {
		want := code == 429 || code == 502 || code == 503 || code == 504
		if got := s.has(code); got != want {
			t.Errorf("default set: has(%d) = %v, want %v", code, got, want)
		}
	}
	s, err = newStatusSet([]int{100, 200, 599}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !s.has(100) || !s.has(200) || !s.has(599) || s.has(429) || s.has(640) || s.has(-64) {
		t.Errorf("set of 100, 200, 599: %b", s)
	}
	empty, err := newStatusSet([]int{}, true)
	if err != nil || empty != (statusSet{}) {
		t.Errorf("empty list: %b, %v; want an empty set", empty, err)
	}
	for _, tt := range []struct {
		codes      []int
		errorsOnly bool
	}{
		{[]int{99}, false}, {[]int{600}, false}, {[]int{-1}, false}, {[]int{399}, true}, {[]int{503, 200}, true},
	} {
		_, err := newStatusSet(tt.codes, tt.errorsOnly)
		var ce *rt.ConfigError
		if !errors.As(err, &ce) || ce.Field != "RetryOnStatus" {
			t.Errorf("newStatusSet(%v, %v) = %v, want an *rt.ConfigError for RetryOnStatus", tt.codes, tt.errorsOnly, err)
		}
	}
}
