package client

import (
	"bytes"
	"unicode/utf8"
)

// replyScanner reads JSON just enough for a bulk response: it walks
// objects and arrays, returns strings undecoded and skips what it is not
// asked for. It checks the structure (brackets, quotes, separators), not
// every detail that encoding/json would reject, such as the spelling of
// literals.
type replyScanner struct {
	b     []byte
	i     int
	depth int
}

// maxReplyDepth bounds nesting, as encoding/json does, so that a hostile
// body cannot exhaust the stack.
const maxReplyDepth = 10000

// ws skips whitespace and returns the next byte, or 0 at the end.
func (s *replyScanner) ws() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// object reads an object, calling fn for each key with the scanner before
// the key's value; fn must read the value.
func (s *replyScanner) object(fn func(key []byte) error) error {
	if s.ws() != '{' || s.depth >= maxReplyDepth {
		return errBadReply
	}
	s.i++
	s.depth++
	defer func() { s.depth-- }()
	if s.ws() == '}' {
		s.i++
		return nil
	}
	for {
		key, err := s.str()
		if err != nil {
			return err
		}
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			key = []byte(decodeReplyText(key)) // never so in Elasticsearch's answers
		}
		if s.ws() != ':' {
			return errBadReply
		}
		s.i++
		if err := fn(key); err != nil {
			return err
		}
		switch s.ws() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return errBadReply
		}
	}
}

// array reads an array, calling fn to read each element.
func (s *replyScanner) array(fn func() error) error {
	if s.ws() != '[' || s.depth >= maxReplyDepth {
		return errBadReply
	}
	s.i++
	s.depth++
	defer func() { s.depth-- }()
	if s.ws() == ']' {
		s.i++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch s.ws() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return errBadReply
		}
	}
}

// str reads a string and returns its contents, escapes undecoded.
func (s *replyScanner) str() ([]byte, error) {
	if s.ws() != '"' {
		return nil, errBadReply
	}
	start := s.i + 1
	for from := start; ; {
		q := bytes.IndexByte(s.b[from:], '"')
		if q < 0 {
			return nil, errBadReply
		}
		q += from
		k := q
		for k > start && s.b[k-1] == '\\' {
			k--
		}
		if (q-k)%2 == 0 {
			s.i = q + 1
			return s.b[start:q], nil
		}
		from = q + 1
	}
}

// integer reads a number; a value that is not an int64 (null, a fraction,
// one out of range) reads as 0.
func (s *replyScanner) integer() (int64, error) {
	s.ws()
	start := s.i
	if err := s.skip(); err != nil {
		return 0, err
	}
	v := s.b[start:s.i]
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 {
		return 0, nil
	}
	var u uint64
	for _, c := range v {
		if c < '0' || c > '9' || u > (1<<63)/10 {
			return 0, nil
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), nil
	case !neg && u < 1<<63:
		return int64(u), nil
	}
	return 0, nil
}

// skip reads any value.
func (s *replyScanner) skip() error {
	switch s.ws() {
	case '"':
		_, err := s.str()
		return err
	case '{':
		return s.object(func([]byte) error { return s.skip() })
	case '[':
		return s.array(s.skip)
	case 0, ',', ':', '}', ']':
		return errBadReply
	}
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r', ':', '{', '[', '"':
			if s.i == start {
				return errBadReply
			}
			return nil
		}
		s.i++
	}
	return nil
}
