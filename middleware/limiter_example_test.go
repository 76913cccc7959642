package middleware_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

// rejectSecond stands in for a cluster: it answers the second request it
// gets with 429, as Elasticsearch does when its write queue is full, and
// every other with 200.
func rejectSecond() rt.Func {
	var n atomic.Int32
	return func(req *http.Request) (*http.Response, error) {
		if req.Body != nil {
			req.Body.Close()
		}
		status := http.StatusOK
		if n.Add(1) == 2 {
			status = http.StatusTooManyRequests
		}
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	}
}

func ExampleNewLimiter() {
	lim, err := middleware.NewLimiter(middleware.LimiterConfig{
		Bulk: middleware.LimiterClassConfig{Initial: 10, Max: 100, NoSlowStart: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	tr := rt.Chain(rejectSecond(), lim.Middleware())

	for range 3 {
		req, _ := http.NewRequest("POST", "http://localhost:9200/_bulk",
			strings.NewReader("{\"index\":{\"_index\":\"logs\"}}\n{\"msg\":\"hi\"}\n"))
		res, err := tr.RoundTrip(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		res.Body.Close()
		fmt.Println(res.StatusCode)
	}
	st := lim.Stats().Bulk
	fmt.Printf("bulk: limit %d, in flight %d, queued %d, rejections %d\n", st.Limit, st.InFlight, st.Queued, st.Rejections)
	// Output:
	// 200
	// 429
	// 200
	// bulk: limit 9, in flight 0, queued 0, rejections 1
}

// The limiter belongs outside retry, and sees the 429s that retry hides
// through its hooks.
func ExampleLimiter_Hooks() {
	lim, err := middleware.NewLimiter(middleware.LimiterConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	retry, err := middleware.Retry(middleware.RetryConfig{
		Hooks:   lim.Hooks(),                          // with hooks of your own: rt.ComposeHooks(yours, lim.Hooks())
		Backoff: func(int) time.Duration { return 0 }, // for the example only
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	tr := rt.Chain(rejectSecond(), lim.Middleware(), retry)

	for range 2 {
		req, _ := http.NewRequest("POST", "http://localhost:9200/logs/_bulk",
			strings.NewReader("{\"index\":{\"_id\":\"1\"}}\n{\"msg\":\"hi\"}\n"))
		res, err := tr.RoundTrip(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		res.Body.Close()
		fmt.Println(res.StatusCode)
	}
	st := lim.Stats().Bulk
	fmt.Printf("bulk: admitted %d, rejections %d, decreases %d\n", st.Admitted, st.Rejections, st.Decreases)
	// Output:
	// 200
	// 200
	// bulk: admitted 2, rejections 1, decreases 1
}
