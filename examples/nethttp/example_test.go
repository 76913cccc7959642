package nethttp_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
)

// esrt as the Transport of a plain http.Client.
func Example() {
	cluster, err := estest.Start(estest.Config{Nodes: 3})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()

	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs()})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	hc := &http.Client{Transport: tr}

	// Any node's address will do: esrt picks the node of every attempt.
	base := cluster.URLs()[0]
	req, err := http.NewRequest(http.MethodPut, base+"/books/_doc/1?refresh=true", strings.NewReader(`{"title":"Learning Go"}`))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println("index:", res.Status)

	res, err = hc.Get(base + "/books/_count")
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("count:", strings.Contains(string(body), `"count":1`))
	// Output:
	// index: 201 Created
	// count: true
}
