package estest

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxContentLength is http.max_content_length's default, as every
// /_nodes/http fixture reports it.
const maxContentLength = 100 << 20

// response is a handler's answer, written by the node (or dropped when the
// connection is reset after applying the request).
type response struct {
	status int
	header http.Header // extra headers
	body   []byte
}

// request is one decoded request as the handlers see it.
type request struct {
	r      *http.Request
	node   *Node
	body   []byte // decoded (gunzipped) body
	params url.Values
	vars   map[string]string // path variables: index, id
	start  time.Time
	faults faults // the node's faults when the request arrived
}

// handle is the node's http.Handler: it records the request, applies the
// injected faults in a fixed order (in-flight cap, hang, latency, failure,
// reset), then authenticates, checks media types, routes and answers.
func (n *Node) handle(l *life, w http.ResponseWriter, r *http.Request) {
	c := n.c
	if !c.enter() {
		abort()
	}
	defer c.active.Done()
	inFlight := n.inFlight.Add(1)
	defer n.inFlight.Add(-1)

	start := time.Now()
	raw, ok := n.readBody(w, r, maxContentLength)
	if !ok {
		return
	}
	body, decodeErr := decodeBody(r, raw)
	entry := n.log.add(r, raw, body, start)
	finish := func(resp response) {
		entry.setStatus(&n.log, resp.status)
		n.write(w, r, resp)
	}

	f := n.snapshot()
	if f.maxInFlight > 0 && inFlight > int64(f.maxInFlight) {
		finish(rejected("coordinating", len(raw)).response())
		return
	}
	n.delay(l, r, f, body)
	if fail := n.failureFor(r, f, body); fail != nil {
		finish(fail.response())
		return
	}
	mode := n.resetFor(r, f, body)
	if mode == ResetBeforeApply {
		reset(w)
		return
	}
	var resp response
	if decodeErr != nil {
		resp = newError(http.StatusBadRequest, "illegal_argument_exception", "failed to decode gzip body: "+decodeErr.Error()).response()
	} else {
		resp = c.serve(&request{r: r, node: n, body: body, params: r.URL.Query(), start: start, faults: f})
	}
	if mode == ResetAfterApply {
		reset(w)
		return
	}
	finish(resp)
}

// readBody reads the request body, at most limit bytes. A larger body is
// answered 413, unlogged, and ok is false; a client that goes away mid-body
// aborts the handler.
func (n *Node) readBody(w http.ResponseWriter, r *http.Request, limit int64) (raw []byte, ok bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return raw, true
	}
	var tooLarge *http.MaxBytesError
	if !errors.As(err, &tooLarge) {
		abort()
	}
	n.write(w, r, response{status: http.StatusRequestEntityTooLarge})
	return nil, false
}

// decodeBody returns the body as the handlers see it: raw, gunzipped when
// the request says it is gzip-encoded.
func decodeBody(r *http.Request, raw []byte) ([]byte, error) {
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") && len(raw) > 0 {
		return gunzip(raw)
	}
	return raw, nil
}

// serve authenticates, checks media types and dispatches.
func (c *Cluster) serve(rq *request) response {
	if resp, ok := c.checkMediaTypes(rq); !ok {
		return resp
	}
	if resp, ok := c.checkCredentials(rq.r); !ok {
		return resp
	}
	resp := c.route(rq)
	if spec, ok := rq.params["filter_path"]; ok && len(resp.body) > 0 && !isErrorEnvelope(resp) &&
		!strings.HasPrefix(resp.header.Get("Content-Type"), "text/") {
		resp.body = filterPath(strings.Join(spec, ","), resp.body)
	}
	if _, pretty := rq.params["pretty"]; pretty && len(resp.body) > 0 && !strings.HasPrefix(resp.header.Get("Content-Type"), "text/") {
		var buf bytes.Buffer
		if indentJSON(&buf, resp.body) == nil {
			buf.WriteByte('\n')
			resp.body = buf.Bytes()
		}
	}
	return resp
}

// write sends resp with the product's headers, the negotiated content type
// and, when configured and accepted, gzip.
func (n *Node) write(w http.ResponseWriter, r *http.Request, resp response) {
	c := n.c
	h := w.Header()
	if c.sendsProductHeader() {
		h.Set("X-Elastic-Product", "Elasticsearch")
	}
	for k, vs := range resp.header {
		h[k] = append([]string(nil), vs...)
	}
	if h.Get("Content-Type") == "" && (len(resp.body) > 0 || r.Method == http.MethodHead) {
		h.Set("Content-Type", c.contentType(r))
	}
	body := resp.body
	if c.cfg.CompressResponses && len(body) > 0 && r.Method != http.MethodHead && acceptsGzip(r) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = buf.Bytes()
		h.Set("Content-Encoding", "gzip")
		h.Add("Vary", "Accept-Encoding")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// sendsProductHeader reports whether responses carry X-Elastic-Product,
// which Elasticsearch sends from 7.14.
func (c *Cluster) sendsProductHeader() bool {
	return c.product == Elasticsearch && (c.major > 7 || c.major == 7 && c.minor >= 14)
}

// abort ends the handler without an answer: net/http closes the
// connection instead of sending an empty 200.
func abort() { panic(http.ErrAbortHandler) }

// reset hijacks the connection and closes it with SO_LINGER 0, so the
// client sees a TCP RST instead of a response.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		abort()
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		abort()
	}
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = raw.Close()
}

// view returns r with a fresh reader over the decoded body, for the fault
// functions.
func view(r *http.Request, body []byte) *http.Request {
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(io.LimitReader(zr, maxContentLength))
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") {
				return true
			}
		}
	}
	return false
}
