// Command nethttp indexes, searches and bulk-indexes with net/http alone.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
)

type doc struct {
	Title string `json:"title"`
}

func main() {
	base := os.Getenv("ELASTICSEARCH_URL")
	body, _ := json.Marshal(doc{"a"})
	send("PUT", base+"/docs/_doc/1", "application/json", body)
	res := send("POST", base+"/docs/_search", "application/json", []byte(`{"query":{"match_all":{}}}`))
	var out struct {
		Hits struct {
			Hits []struct {
				Source doc `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	json.Unmarshal(res, &out)
	var bulk bytes.Buffer
	for i := range 10 {
		fmt.Fprintf(&bulk, "{\"index\":{\"_index\":\"docs\",\"_id\":\"%d\"}}\n", i)
		json.NewEncoder(&bulk).Encode(doc{"b"})
	}
	send("POST", base+"/_bulk", "application/x-ndjson", bulk.Bytes())
	fmt.Println(len(out.Hits.Hits))
}

func send(method, url, ct string, body []byte) []byte {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
