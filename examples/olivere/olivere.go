package olivere

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/olivere/elastic/v7"
)

// Retrier returns the olivere retrier for a client whose transport is
// esrt. It retries, once and at once, only a request that olivere refused
// to send because it had marked every one of its URLs dead (after esrt
// reported errors for them): olivere revives its URLs when it refuses, so
// the retry goes out, and esrt routes it to a live node. It never retries a
// request that was sent, whatever its error or status: esrt already
// retried that as far as its operation allows. It is safe for concurrent
// use.
func Retrier() elastic.Retrier {
	return elastic.RetrierFunc(func(_ context.Context, retry int, req *http.Request, _ *http.Response, err error) (time.Duration, bool, error) {
		return 0, req == nil && retry == 1 && errors.Is(err, elastic.ErrNoClient), nil
	})
}
