package middleware

import "testing"

func TestReadOnly(t *testing.T) {
	tests := []struct {
		method, path string
		want         bool
	}{
		{"GET", "/idx/_doc/1", true},
		{"HEAD", "/idx", true},
		{"OPTIONS", "/", true},
		{"POST", "/idx/_search", true},
		{"POST", "/_msearch", true},
		{"POST", "/idx/_count", true},
		{"POST", "/_mget", true},
		{"POST", "/idx/_field_caps", true},
		{"POST", "/idx/_termvectors", true},
		{"POST", "/idx/_termvectors/1", true},
		{"POST", "/_mtermvectors", true},
		{"POST", "/idx/_search/template", true},
		{"POST", "/_msearch/template", true},
		{"POST", "/idx/_validate/query", true},
		{"POST", "/idx/_explain/1", true},
		{"POST", "/_search/scroll", false},
		{"POST", "/idx/_doc", false},
		{"POST", "/idx/_create/1", false},
		{"POST", "/_bulk", false},
		{"POST", "/idx/_update/1", false},
		{"POST", "/idx/_delete_by_query", false},
		{"POST", "/template", false},
		{"PUT", "/idx/_doc/1", false},
		{"PUT", "/idx", false},
		{"DELETE", "/idx/_doc/1", false},
		{"DELETE", "/_search/scroll", false},
		{"GET", "/_search/scroll", false},
		{"GET", "/_security/enroll/node", false},
		{"POST", "/idx%2Fx/_search", true},
		{"PATCH", "/idx", false},
	}
	for _, tt := range tests {
		if got := readOnly(tt.method, tt.path); got != tt.want {
			t.Errorf("readOnly(%s %s) = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}
