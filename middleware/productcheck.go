package middleware

import (
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/esrt-dev/esrt/rt"
)

// ErrUnsupportedProduct is matched by every [*ProductError].
var ErrUnsupportedProduct = errors.New("esrt: the server is not Elasticsearch")

// ProductError is returned by [ProductCheck] for a successful response
// without the header that Elasticsearch sends.
type ProductError struct {
	// Header is the X-Elastic-Product value received, "" when absent.
	Header string
	// StatusCode is the response's status.
	StatusCode int
}

func (e *ProductError) Error() string {
	if e.Header == "" {
		return "esrt: the server is not Elasticsearch: a successful response had no X-Elastic-Product header"
	}
	return "esrt: the server is not Elasticsearch: X-Elastic-Product is " + quote(e.Header)
}

// Is makes errors.Is(err, ErrUnsupportedProduct) true.
func (e *ProductError) Is(target error) bool { return target == ErrUnsupportedProduct }

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return "\"" + s + "\""
}

// ProductCheck returns a middleware that refuses to talk to a server that is
// not Elasticsearch: a 2xx response must carry "X-Elastic-Product:
// Elasticsearch", or its body is closed and the request fails with a
// [*ProductError]. Responses of other statuses pass unchecked (a 401 from a
// proxy proves nothing either way). The first success is remembered and
// later responses are not checked; failures are not remembered, so a request
// that reached the wrong server by accident does not poison the transport.
//
// It is off in esrt's default chain, so that OpenSearch and Amazon OpenSearch
// Service work; turn it on for a client that must only reach Elasticsearch
// (Elasticsearch sends the header from 7.14 on).
func ProductCheck() rt.Middleware {
	return func(next http.RoundTripper) http.RoundTripper {
		return &productTransport{next: next}
	}
}

type productTransport struct {
	next     http.RoundTripper
	verified atomic.Bool
}

var _ http.RoundTripper = (*productTransport)(nil)

func (t *productTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.next.RoundTrip(req)
	if err != nil || t.verified.Load() || res.StatusCode < 200 || res.StatusCode > 299 {
		return res, err
	}
	if got := res.Header.Get("X-Elastic-Product"); got != "Elasticsearch" {
		res.Body.Close()
		return nil, &ProductError{Header: got, StatusCode: res.StatusCode}
	}
	t.verified.Store(true)
	return res, nil
}

// Unwrap returns the next RoundTripper.
func (t *productTransport) Unwrap() http.RoundTripper { return t.next }

// CloseIdleConnections forwards to the next RoundTripper.
func (t *productTransport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// String names the layer, so that printing it shows no configuration.
func (t *productTransport) String() string { return "product check" }
