package estest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	n := New(t, Config{}).Node(0)

	rec := httptest.NewRecorder()
	raw, ok := n.readBody(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("0123456789")), 10)
	if !ok || string(raw) != "0123456789" || rec.Code != http.StatusOK {
		t.Errorf("a body at the limit: %q, %v, status %d; want it read", raw, ok, rec.Code)
	}

	rec = httptest.NewRecorder()
	raw, ok = n.readBody(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("0123456789x")), 10)
	if ok || raw != nil || rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %q, %v, status %d; want 413", raw, ok, rec.Code)
	}

	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("a body that fails mid-read: panic %v, want http.ErrAbortHandler", p)
		}
	}()
	r := httptest.NewRequest(http.MethodPost, "/", iotest.ErrReader(errors.New("gone")))
	n.readBody(httptest.NewRecorder(), r, 10)
}
