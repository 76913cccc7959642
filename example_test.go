package esrt_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/estest"
	"github.com/esrt-dev/esrt/rt"
)

func ExampleNew() {
	// An in-process cluster stands in for a real one.
	cluster, err := estest.Start(estest.Config{Nodes: 3})
	if err != nil {
		panic(err)
	}
	defer cluster.Close()

	tr, err := esrt.New(esrt.Config{Addresses: cluster.URLs()})
	if err != nil {
		panic(err)
	}
	defer tr.Close()

	cluster.Node(0).Kill() // one node is down: requests go to the others
	client := &http.Client{Transport: tr}
	for range 3 {
		res, err := client.Get("http://es/_cluster/health") // the host is chosen per attempt
		if err != nil {
			panic(err)
		}
		var health struct {
			Status string `json:"status"`
		}
		json.NewDecoder(res.Body).Decode(&health)
		res.Body.Close()
		fmt.Println(res.StatusCode, health.Status)
	}
	// Output:
	// 200 green
	// 200 green
	// 200 green
}

func ExampleNew_invalidConfig() {
	_, err := esrt.New(esrt.Config{Addresses: []string{"https://elastic:changeme@es1:9200", "es2:9200"}})
	var ce *rt.ConfigError
	fmt.Println(errors.As(err, &ce), ce.Field)
	fmt.Println(err)
	// Output:
	// true Addresses[1]
	// esrt: invalid configuration: Addresses[1]: node address: missing scheme: write http:// or https:// before the host, as in https://localhost:9200
}

func ExampleNewHTTPTransport() {
	// A fresh Elasticsearch prints its CA's fingerprint at first start.
	base, err := esrt.NewHTTPTransport(esrt.HTTPTransportConfig{
		CertificateFingerprint: "A5:2D:D9:35:11:E8:C6:04:5E:21:F1:66:54:B7:7C:9E:E0:F3:4A:EA:26:D9:F4:03:20:B5:31:C4:74:67:62:28",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(base.MaxIdleConnsPerHost, base.ForceAttemptHTTP2)

	_, err = esrt.NewHTTPTransport(esrt.HTTPTransportConfig{CertificateFingerprint: "A5:2D"})
	fmt.Println(err)
	// Output:
	// 32 true
	// esrt: invalid configuration: CertificateFingerprint: 2 bytes, want a SHA-256 fingerprint of 32 bytes
}
