package client

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// A text body with an invalid byte keeps its text as the Reason, the
// byte replaced; a long one used to be cut down to "…" alone.
func TestErrorReasonInvalidUTF8(t *testing.T) {
	body := []byte("\xff upstream proxy said no " + strings.Repeat("x", 300))
	e := newError("search", 502, http.Header{"Content-Type": {"text/plain"}}, body)
	if !strings.HasPrefix(e.Reason, "\uFFFD upstream proxy said no x") || !utf8.ValidString(e.Reason) {
		t.Errorf("Reason = %q", e.Reason)
	}
}

// FuzzNewError reads any error answer: the error keeps status and body,
// always has a Reason, takes Type and Reason from an envelope as
// encoding/json reads it, and shortens a text body to its first 200
// bytes of valid UTF-8 with the white space collapsed.
func FuzzNewError(f *testing.F) {
	files, _ := filepath.Glob("testdata/responses/error_*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "application/json")
	}
	var bodies []struct{ Body json.RawMessage }
	b, err := os.ReadFile("testdata/error_bodies.json")
	if err != nil || json.Unmarshal(b, &bodies) != nil || len(bodies) == 0 {
		f.Fatalf("error_bodies.json: %v", err)
	}
	for _, x := range bodies {
		f.Add([]byte(x.Body), "application/json")
	}
	f.Add([]byte("<html><head><title>502 Bad &amp; Gateway</title></head><body>nginx</body></html>"), "text/html")
	f.Add([]byte("upstream connect error or disconnect/reset before headers\n"), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		e := newError("search", 503, http.Header{"Content-Type": {contentType}}, body)
		if e.Status != 503 || string(e.Body) != string(body) || e.Reason == "" {
			t.Fatalf("newError(%q) = %+v", body, e)
		}
		if !strings.HasPrefix(e.Error(), "esrt: search: 503") {
			t.Fatalf("Error() = %q", e.Error())
		}
		var env struct {
			Error struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			} `json:"error"`
		}
		if json.Unmarshal(body, &env) == nil && env.Error.Type != "" {
			if e.Type != env.Error.Type || e.Reason != env.Error.Reason && env.Error.Reason != "" {
				t.Fatalf("envelope %q read as %q: %q", body, e.Type, e.Reason)
			}
			return
		}
		if json.Valid(body) || strings.Contains(contentType, "html") || strings.HasPrefix(strings.TrimSpace(string(body)), "<") {
			return
		}
		if want := refTextReason(body); e.Reason != want && want != "" {
			t.Fatalf("text %q: Reason %q, want %q", body, e.Reason, want)
		}
	})
}

// refTextReason is what a text body's Reason must be.
func refTextReason(body []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "\uFFFD")), " ")
	if len(s) <= maxReason {
		return s
	}
	cut := 0
	for i := range s {
		if i > maxReason {
			break
		}
		cut = i
	}
	if _, size := utf8.DecodeRuneInString(s[cut:]); cut+size <= maxReason {
		cut += size
	}
	return s[:cut] + "…"
}

// An envelope that holds only root causes says what its first one says;
// its error used to read "esrt: search: 404" and nothing more.
func TestErrorRootCauseOnly(t *testing.T) {
	body := []byte(`{"error": {"root_cause": [{"type": "index_not_found_exception", "reason": "no such index [poop]"}]}, "status": 404}`)
	e := newError("search", 404, nil, body)
	if e.Type != "index_not_found_exception" || e.Reason != "no such index [poop]" || len(e.RootCause) != 1 {
		t.Errorf("newError = %+v", e)
	}
	if e := newError("search", 404, nil, []byte(`{"error":{}}`)); e.Reason != "Not Found" {
		t.Errorf("empty envelope: Reason %q", e.Reason)
	}
}
