package otelesrt

import "bytes"

// bulkCounter counts the actions of a _bulk body as it is written to it,
// in pieces of any size, without keeping the body: each action line
// ({"index":...}, {"create":...}, {"update":...}, {"delete":...}) counts
// one, and the source line that follows an index, create or update is
// skipped. Blank lines are ignored; a line that is not an action where an
// action is due counts nothing (Elasticsearch would refuse the request).
type bulkCounter struct {
	actions int
	source  bool // the next non-blank line is an action's source
	state   bulkState
	key     [8]byte
	keyLen  int
}

type bulkState uint8

const (
	bulkLineStart bulkState = iota // before the first non-blank byte of a line
	bulkBeforeKey                  // after an action line's "{"
	bulkInKey                      // in the action's name
	bulkSkipLine                   // up to the next newline
)

// Write counts the actions in p; it never fails.
func (b *bulkCounter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if b.state == bulkSkipLine {
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				break
			}
			p = p[i+1:]
			b.state = bulkLineStart
			continue
		}
		c := p[0]
		p = p[1:]
		if c == '\n' {
			b.state = bulkLineStart
			continue
		}
		b.step(c)
	}
	return n, nil
}

// step takes one byte of a line other than its newline.
func (b *bulkCounter) step(c byte) {
	switch b.state {
	case bulkLineStart:
		switch {
		case isSpace(c):
		case b.source:
			b.source = false
			b.state = bulkSkipLine
		case c == '{':
			b.state = bulkBeforeKey
		default:
			b.state = bulkSkipLine
		}
	case bulkBeforeKey:
		switch {
		case isSpace(c):
		case c == '"':
			b.state, b.keyLen = bulkInKey, 0
		default:
			b.state = bulkSkipLine
		}
	case bulkInKey:
		switch {
		case c == '"':
			b.action(string(b.key[:b.keyLen]))
			b.state = bulkSkipLine
		case b.keyLen < len(b.key):
			b.key[b.keyLen] = c
			b.keyLen++
		default:
			b.state = bulkSkipLine
		}
	}
}

func (b *bulkCounter) action(name string) {
	switch name {
	case "index", "create", "update":
		b.actions++
		b.source = true
	case "delete":
		b.actions++
	}
}

// isSpace reports whether c is JSON whitespace other than a newline.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }
