package endpoint_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/esrt-dev/esrt/endpoint"
)

func TestOfReadsThePath(t *testing.T) {
	req, err := http.NewRequest("PUT", "http://es/logs%2Da/_doc/a%2Fb", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := endpoint.Of(req); got.ID != "index" || got.Safety != endpoint.Idempotent {
		t.Errorf("Of = %+v, want index, Idempotent", got)
	}
	got := endpoint.CallOf(req)
	want := map[string]string{"index": "logs-a", "id": "a/b"}
	if got.ID != "index" || !reflect.DeepEqual(got.Params, want) || !reflect.DeepEqual(got.Indices, []string{"logs-a"}) {
		t.Errorf("CallOf = %+v, want index with %v", got, want)
	}
}

// The endpoint a client puts into the context wins over the path: a
// request to a path the table reads otherwise is judged by what the client
// says it calls.
func TestContextTakesPrecedence(t *testing.T) {
	call := endpoint.Call{
		Endpoint: endpoint.Endpoint{ID: "search", Safety: endpoint.ReadOnly},
		Indices:  []string{"products"},
		Params:   map[string]string{"index": "products"},
	}
	ctx := endpoint.NewContext(context.Background(), call)
	req, err := http.NewRequestWithContext(ctx, "POST", "http://es/products/_doc", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := endpoint.Of(req); got != call.Endpoint {
		t.Errorf("Of = %+v, want %+v", got, call.Endpoint)
	}
	if got := endpoint.CallOf(req); !reflect.DeepEqual(got, call) {
		t.Errorf("CallOf = %+v, want %+v", got, call)
	}
	if got := endpoint.Of(req.WithContext(context.Background())); got.ID != "index" {
		t.Errorf("without the context, Of = %+v, want index", got)
	}
}

func TestOfDoesNotAllocate(t *testing.T) {
	req, err := http.NewRequest("GET", "http://es/products/_search", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { endpoint.Of(req) }); n != 0 {
		t.Errorf("Of allocates %v times, want 0", n)
	}
}
