package middleware

import (
	"bytes"
	"io"
)

// rejectedItemScan passes a _bulk response body through and watches it for
// an item rejected with status 429: the pattern "status" : 429 (any JSON
// whitespace around the colon, not followed by a digit), which
// Elasticsearch writes in each rejected item. Once it has found one it
// reports it and only passes bytes through. A 429 inside a document's
// source returned by an update would count too; bulk responses rarely
// carry sources.
type rejectedItemScan struct {
	body  io.ReadCloser
	class *adaptiveLimit
	tk    ticket
	state uint8 // see step
	found bool
}

const statusKey = `"status"`

func (s *rejectedItemScan) Read(p []byte) (int, error) {
	n, err := s.body.Read(p)
	if n > 0 && !s.found && s.scan(p[:n]) {
		s.found = true
		s.class.rejected(s.tk)
	}
	return n, err
}

func (s *rejectedItemScan) Close() error { return s.body.Close() }

// scan feeds p to the matcher and reports whether the pattern ended in it.
func (s *rejectedItemScan) scan(p []byte) bool {
	for len(p) > 0 {
		if s.state == 0 {
			i := bytes.Index(p, []byte(statusKey))
			if i < 0 {
				// Only a prefix of the key may end p.
				p = p[max(0, len(p)-len(statusKey)+1):]
				for _, b := range p {
					s.step(b)
				}
				return false
			}
			s.state = uint8(len(statusKey))
			p = p[i+len(statusKey):]
			continue
		}
		if s.step(p[0]) {
			return true
		}
		p = p[1:]
	}
	return false
}

// step advances the matcher by one byte and reports whether the pattern is
// complete. States 0 to 8 count the bytes of "status" matched; 9 follows
// the colon; 10, 11 and 12 follow 4, 42 and 429.
func (s *rejectedItemScan) step(b byte) bool {
	const key = len(statusKey)
	switch st := int(s.state); {
	case st < key:
		if b == statusKey[st] {
			s.state++
			return false
		}
	case st == key || st == key+1:
		if b == ' ' || b == '\t' || b == '\n' || b == '\r' {
			return false
		}
		if st == key && b == ':' || st == key+1 && b == '4' {
			s.state++
			return false
		}
	case st == key+2 && b == '2', st == key+3 && b == '9':
		s.state++
		return false
	case st == key+4:
		if b < '0' || b > '9' {
			s.state = 0
			return true
		}
	}
	s.state = 0
	if b == '"' {
		s.state = 1
	}
	return false
}
