package discovery

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/esrt-dev/esrt/rt"
)

const (
	// nodesInfoPath is the nodes info endpoint, relative to a node's path
	// prefix.
	nodesInfoPath = "/_nodes/http"
	// maxBodySize caps the nodes info body (about 1 KiB per node).
	maxBodySize = 32 << 20
)

// ask sends GET /_nodes/http to n and returns the body of a 200 answer, or
// the status (0 without a response) and an error.
func (s *Sniffer) ask(ctx context.Context, n *rt.Node) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	req, err := s.newRequest(ctx, http.MethodGet, n, nodesInfoPath)
	if err != nil {
		return nil, 0, err
	}
	res, err := s.transport.RoundTrip(req)
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		// Drain a little so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
		return nil, res.StatusCode, fmt.Errorf("HTTP %d", res.StatusCode)
	}
	if res.ContentLength > maxBodySize {
		// Refused as declared, without reading a byte of it.
		return nil, res.StatusCode, &rt.ResponseTooLargeError{Limit: maxBodySize}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBodySize+1))
	if err != nil {
		return nil, res.StatusCode, fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxBodySize {
		return nil, res.StatusCode, &rt.ResponseTooLargeError{Limit: maxBodySize}
	}
	return body, res.StatusCode, nil
}

// newRequest returns a request for path under n's path prefix, with the
// configured headers and credentials; the URL carries no userinfo.
func (s *Sniffer) newRequest(ctx context.Context, method string, n *rt.Node, path string) (*http.Request, error) {
	u := *n.URL
	u.User = nil
	u.Path += path
	if u.RawPath != "" {
		u.RawPath += path
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	for k, v := range s.header {
		req.Header[k] = slices.Clone(v)
	}
	if !s.auth.IsZero() {
		req.Header.Set("Authorization", s.auth.Header())
	}
	if ui := n.URL.User; ui != nil {
		password, _ := ui.Password()
		req.Header.Set("Authorization", rt.BasicAuth(ui.Username(), password).Header())
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	return req, nil
}

// refused reports whether status means "this cluster does not let you
// discover nodes".
func refused(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound
}

// safeAddr returns n's URL without userinfo, for logs and errors.
func safeAddr(n *rt.Node) string {
	u := *n.URL
	u.User = nil
	return u.String()
}
