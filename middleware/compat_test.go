package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/rt"
)

func TestCompatibilityMediaTypes(t *testing.T) {
	for _, major := range []int{7, 8, 9} {
		json := fmt.Sprintf("application/vnd.elasticsearch+json; compatible-with=%d", major)
		ndjson := fmt.Sprintf("application/vnd.elasticsearch+x-ndjson; compatible-with=%d", major)
		tests := []struct {
			name, method, path, contentType, accept string
			body                                    bool
			wantType, wantAccept                    string
		}{
			{"search json", "POST", "/idx/_search", "application/json", "", true, json, json},
			{"json with charset", "POST", "/idx/_doc/1", "application/json; charset=utf-8", "application/json", true, json, json},
			{"bulk ndjson", "POST", "/_bulk", "application/x-ndjson", "", true, ndjson, json},
			{"msearch without type", "POST", "/idx/_msearch", "", "", true, ndjson, json},
			{"bulk without type, trailing slash", "POST", "/idx/_bulk/", "", "", true, ndjson, json},
			{"doc without type", "PUT", "/idx/_doc/1", "", "", true, json, json},
			{"PUT bulk without type", "PUT", "/_bulk", "", "", true, ndjson, json},
			{"msearch template without type", "GET", "/idx/_msearch/template", "", "", true, ndjson, json},
			{"monitoring bulk without type", "PUT", "/_monitoring/bulk", "", "", true, ndjson, json},
			{"fleet msearch without type", "POST", "/idx/_fleet/_fleet_msearch", "", "", true, ndjson, json},
			{"find_structure without type", "POST", "/_text_structure/find_structure", "", "", true, ndjson, json},
			{"document named _bulk without type", "PUT", "/idx/_doc/_bulk", "", "", true, json, json},
			{"get has no content type", "GET", "/", "", "", false, "", json},
			{"other accept kept", "GET", "/_cat/indices", "", "text/plain", false, "", "text/plain"},
			{"other type kept", "POST", "/_ingest", "text/csv", "", true, "text/csv", json},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%d/%s", major, tt.name), func(t *testing.T) {
				mw, err := Compatibility(major)
				if err != nil {
					t.Fatal(err)
				}
				base := &capture{}
				var req *http.Request
				if tt.body {
					req, _ = http.NewRequest(tt.method, "http://es"+tt.path, strings.NewReader("{}\n"))
				} else {
					req, _ = http.NewRequest(tt.method, "http://es"+tt.path, nil)
				}
				if tt.contentType != "" {
					req.Header.Set("Content-Type", tt.contentType)
				}
				if tt.accept != "" {
					req.Header.Set("Accept", tt.accept)
				}
				res, err := mw(base).RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				sent := base.request()
				if got := sent.Header.Get("Content-Type"); got != tt.wantType {
					t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
				}
				if got := sent.Header.Get("Accept"); got != tt.wantAccept {
					t.Errorf("Accept = %q, want %q", got, tt.wantAccept)
				}
				if req.Header.Get("Content-Type") != tt.contentType {
					t.Error("the caller's Content-Type was changed")
				}
			})
		}
	}
	if _, err := Compatibility(6); !errors.Is(err, rt.ErrInvalidConfig) {
		t.Errorf("Compatibility(6) error = %v, want ErrInvalidConfig", err)
	}
}

// TestCompatibilityGoesByContextEndpoint checks that the endpoint a
// request's context carries decides whether a body without a Content-Type
// is NDJSON, whatever its path says.
func TestCompatibilityGoesByContextEndpoint(t *testing.T) {
	ndjson := "application/vnd.elasticsearch+x-ndjson; compatible-with=8"
	json := "application/vnd.elasticsearch+json; compatible-with=8"
	tests := []struct {
		name, path string
		call       endpoint.Call
		want       string
	}{
		{"bulk at a document path", "/idx/_doc/1", endpoint.Parse("POST", "/_bulk"), ndjson},
		{"search at a bulk path", "/_bulk", endpoint.Parse("POST", "/_search"), json},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := Compatibility(8)
			if err != nil {
				t.Fatal(err)
			}
			base := &capture{}
			ctx := endpoint.NewContext(t.Context(), tt.call)
			req, _ := http.NewRequestWithContext(ctx, "POST", "http://es"+tt.path, strings.NewReader("{}\n"))
			res, err := mw(base).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := base.request().Header.Get("Content-Type"); got != tt.want {
				t.Errorf("Content-Type = %q, want %q", got, tt.want)
			}
		})
	}
}
