package estest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// maxLoggedBody is how many bytes of each decoded body the log keeps.
const maxLoggedBody = 64 << 10

// Request is one request as a node received it, recorded before any fault
// applied to it.
type Request struct {
	Time     time.Time
	Method   string
	Path     string // URL path as received, not unescaped
	RawQuery string
	Header   http.Header // a clone of the request headers

	// BodySHA256 is the hex SHA-256 of the body bytes as received (gzip
	// compressed when Content-Encoding is gzip); DecodedSHA256 that of the
	// decoded body. They are equal for uncompressed bodies. An empty body
	// hashes to e3b0c442...
	BodySHA256    string
	DecodedSHA256 string
	BodySize      int    // bytes received
	Body          []byte // the decoded body, at most 64 KiB of it

	// Status is the status answered, or 0 when no answer was sent: the
	// connection was reset, the client gave up on a hung or delayed
	// request, or the node was killed or the cluster closed meanwhile.
	Status int
}

// requestLog is a node's bounded request log: a ring of the last limit
// entries.
type requestLog struct {
	mu      sync.Mutex
	limit   int
	entries []*Request
	next    int // where the next entry goes once the ring is full
}

func (l *requestLog) add(r *http.Request, raw, decoded []byte, t time.Time) *Request {
	e := &Request{
		Time:          t,
		Method:        r.Method,
		Path:          r.URL.EscapedPath(),
		RawQuery:      r.URL.RawQuery,
		Header:        r.Header.Clone(),
		BodySHA256:    hashHex(raw),
		DecodedSHA256: hashHex(decoded),
		BodySize:      len(raw),
		Body:          append([]byte(nil), decoded[:min(len(decoded), maxLoggedBody)]...),
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) < l.limit {
		l.entries = append(l.entries, e)
		return e
	}
	l.entries[l.next] = e
	l.next = (l.next + 1) % l.limit
	return e
}

func (e *Request) setStatus(l *requestLog, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Status = status
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Requests returns a copy of the node's request log, oldest first. The log
// keeps the last Config.RequestLogSize requests.
func (n *Node) Requests() []Request {
	n.log.mu.Lock()
	defer n.log.mu.Unlock()
	out := make([]Request, 0, len(n.log.entries))
	for i := range n.log.entries {
		e := *n.log.entries[(n.log.next+i)%len(n.log.entries)]
		e.Header = e.Header.Clone()
		e.Body = append([]byte(nil), e.Body...)
		out = append(out, e)
	}
	return out
}

// ClearRequests empties the node's request log.
func (n *Node) ClearRequests() {
	n.log.mu.Lock()
	defer n.log.mu.Unlock()
	n.log.entries = nil
	n.log.next = 0
}
