package routing

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/rt"
)

// nodeBody is a response body that knows its node, as the router's are.
type nodeBody struct {
	io.ReadCloser
	node *rt.Node
}

func (b nodeBody) Node() *rt.Node { return b.node }

func TestNodeOf(t *testing.T) {
	n := &rt.Node{ID: "n1"}
	body := io.NopCloser(strings.NewReader("{}"))
	tests := []struct {
		name string
		res  *http.Response
		want *rt.Node
	}{
		{"no response", nil, nil},
		{"no body", &http.Response{}, nil},
		{"a body without a node", &http.Response{Body: body}, nil},
		{"the router's body", &http.Response{Body: nodeBody{body, n}}, n},
	}
	for _, tt := range tests {
		if got := NodeOf(tt.res); got != tt.want {
			t.Errorf("%s: NodeOf = %v, want %v", tt.name, got, tt.want)
		}
	}
}
