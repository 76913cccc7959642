package header

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestIsToken(t *testing.T) {
	for _, s := range []string{"GET", "X-Opaque-Id", "x_y", "A!#$%&'*+-.^_`|~9"} {
		if !IsToken(s) {
			t.Errorf("IsToken(%q) = false", s)
		}
	}
	for _, s := range []string{"", "X A", "X:A", "X\nA", "Ü", "(a)", "a/b"} {
		if IsToken(s) {
			t.Errorf("IsToken(%q) = true", s)
		}
	}
}

func TestValidValue(t *testing.T) {
	for _, v := range []string{"", "ApiKey abc==", "a\tb", "ünïcode"} {
		if !ValidValue(v) {
			t.Errorf("ValidValue(%q) = false", v)
		}
	}
	for _, v := range []string{"a\nb", "a\r", "\x00", "a\x7f"} {
		if ValidValue(v) {
			t.Errorf("ValidValue(%q) = true", v)
		}
	}
}

func TestCheck(t *testing.T) {
	if name, err := Check(http.Header{"X-A": {"ok"}, "Accept": {"a", "b"}}); name != "" || err != nil {
		t.Errorf("Check of valid headers = %q, %v", name, err)
	}
	name, err := Check(http.Header{"X-A": {"ok", "S3CRET\n"}})
	if name != "X-A" || !errors.Is(err, ErrControl) || strings.Contains(err.Error(), "S3CRET") {
		t.Errorf("Check = %q, %v; want X-A and ErrControl without the value", name, err)
	}
	if name, err := Check(http.Header{"X A": {"v"}}); name != "X A" || err == nil {
		t.Errorf("Check of an invalid name = %q, %v", name, err)
	}
}
