package endpoint_test

import (
	"fmt"

	"github.com/esrt-dev/esrt/endpoint"
)

func Example() {
	for _, r := range []struct{ method, path string }{
		{"POST", "/logs-2026.11/_search"},
		{"PUT", "/_bulk"},
		{"PUT", "/_security/api_key"},
		{"PUT", "/logs/_doc/a%2Fb"},
		{"POST", "/logs/_frobnicate"},
	} {
		e := endpoint.Lookup(r.method, r.path)
		fmt.Printf("%s %s: %q %v ndjson=%v secrets=%v/%v\n",
			r.method, r.path, e.ID, e.Safety, e.NDJSON, e.SecretRequest, e.SecretResponse)
	}

	c := endpoint.Parse("GET", "/%3Clogs-%7Bnow%2Fd%7D%3E,metrics/_doc/a%2Fb")
	fmt.Println(c.ID, c.Indices, c.Params["id"])
	// Output:
	// POST /logs-2026.11/_search: "search" ReadOnly ndjson=false secrets=false/false
	// PUT /_bulk: "bulk" IdempotentWithIDs ndjson=true secrets=false/false
	// PUT /_security/api_key: "security.create_api_key" Unsafe ndjson=false secrets=false/true
	// PUT /logs/_doc/a%2Fb: "index" Idempotent ndjson=false secrets=false/false
	// POST /logs/_frobnicate: "" Unsafe ndjson=false secrets=false/false
	// get [<logs-{now/d}> metrics] a/b
}
