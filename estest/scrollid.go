package estest

// This file encodes scroll ids as Elasticsearch's TransportSearchHelper
// does, so that they look like and fail like real ones: base64url of
// ["include_context_uuid"] type, count, then per shard context [uuid,]
// id (a long) and node id. Elasticsearch writes the context uuid (from
// 7.12); OpenSearch does not. Strings are a vint length and the bytes
// (ASCII here), a long is eight bytes big endian.

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

const includeContextUUID = "include_context_uuid"

// encodeScrollID returns the id of a scroll over n shard contexts with
// consecutive ids from first, held by node.
func (c *Cluster) encodeScrollID(first int64, n int, node string) string {
	var b bytes.Buffer
	withUUID := c.product == Elasticsearch
	if withUUID {
		writeString(&b, includeContextUUID)
	}
	typ := "queryThenFetch"
	if n == 1 {
		typ = "queryAndFetch"
	}
	writeString(&b, typ)
	writeVInt(&b, n)
	for i := range n {
		if withUUID {
			writeString(&b, c.uuid)
		}
		_ = binary.Write(&b, binary.BigEndian, first+int64(i))
		writeString(&b, node)
	}
	return base64.URLEncoding.EncodeToString(b.Bytes())
}

// decodeScrollID returns the context ids of a scroll id; an id that does
// not parse is Elasticsearch's 400 "Cannot parse scroll id".
func decodeScrollID(id string) ([]int64, *esError) {
	ids, err := parseScrollID(id)
	if err == nil {
		return ids, nil
	}
	e := newError(http.StatusBadRequest, "illegal_argument_exception", "Cannot parse scroll id")
	var ce *causeError
	if !errors.As(err, &ce) {
		ce = &causeError{"e_o_f_exception", "read past EOF"}
	}
	e.causedBy = newError(http.StatusBadRequest, ce.typ, ce.reason)
	return nil, e
}

// causeError is a decoding failure named as the Java exception would be.
type causeError struct{ typ, reason string }

func (e *causeError) Error() string { return e.reason }

func parseScrollID(id string) ([]int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "="))
	if err != nil {
		var ce base64.CorruptInputError
		reason := err.Error()
		if errors.As(err, &ce) && int(ce) < len(id) {
			reason = fmt.Sprintf("Illegal base64 character %x", id[ce])
		}
		return nil, &causeError{"illegal_argument_exception", reason}
	}
	r := bytes.NewReader(raw)
	first, err := readString(r)
	if err != nil {
		return nil, err
	}
	withUUID := first == includeContextUUID
	if withUUID {
		if _, err := readString(r); err != nil {
			return nil, err
		}
	}
	n, err := readVInt(r)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, min(n, 64))
	for range n {
		if withUUID {
			if _, err := readString(r); err != nil {
				return nil, err
			}
		}
		var ctx int64
		if err := binary.Read(r, binary.BigEndian, &ctx); err != nil {
			return nil, err
		}
		if _, err := readString(r); err != nil {
			return nil, err
		}
		ids = append(ids, ctx)
	}
	if r.Len() > 0 {
		return nil, &causeError{"illegal_argument_exception", "Not all bytes were read"}
	}
	if len(ids) == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	return ids, nil
}

func writeVInt(b *bytes.Buffer, n int) {
	for n >= 0x80 {
		b.WriteByte(byte(n&0x7f) | 0x80)
		n >>= 7
	}
	b.WriteByte(byte(n))
}

func writeString(b *bytes.Buffer, s string) {
	writeVInt(b, len(s))
	b.WriteString(s)
}

// readVInt reads at most five bytes, as StreamInput.readVInt.
func readVInt(r *bytes.Reader) (int, error) {
	n := 0
	for shift := 0; shift < 35; shift += 7 {
		c, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		n |= int(c&0x7f) << shift
		if c&0x80 == 0 {
			return n, nil
		}
	}
	return 0, &causeError{"illegal_state_exception", "Invalid vInt"}
}

func readString(r *bytes.Reader) (string, error) {
	n, err := readVInt(r)
	if err != nil {
		return "", err
	}
	if n > r.Len() {
		return "", io.ErrUnexpectedEOF
	}
	b := make([]byte, n)
	_, err = io.ReadFull(r, b)
	return string(b), err
}
