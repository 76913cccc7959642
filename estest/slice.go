package estest

import (
	"hash/fnv"
	"net/url"
)

// sliceSpec is a search's "slice": {"id": i, "max": n}. A document belongs
// to slice hash(_id) mod n, so the n slices of a scroll or point in time
// partition its documents, as Elasticsearch's _id-based slicing does.
type sliceSpec struct {
	id, max int
}

// parseSlice reads the slice member, with Elasticsearch's checks.
func (r *searchRequest) parseSlice(m jsonMember) error {
	obj, ok := m.Value.(jsonObject)
	if !ok {
		return unknownKey(m)
	}
	s := &sliceSpec{id: -1, max: -1}
	for _, sm := range obj {
		var err error
		switch sm.Key {
		case "id":
			s.id, err = intValue("id", sm.Value)
		case "max":
			s.max, err = intValue("max", sm.Value)
		default:
			return contentError("[slice] unknown field [%s]", sm.Key)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case s.max <= 1:
		return illegalArgument("max must be greater than 1")
	case s.id < 0:
		return illegalArgument("id must be greater than or equal to 0")
	case s.id >= s.max:
		return illegalArgument("max must be greater than id")
	}
	r.slice = s
	return nil
}

// checkSliceContext refuses a slice outside a scroll or a point in time.
func (r *searchRequest) checkSliceContext(params url.Values) error {
	if r.slice != nil && r.pit == "" && params.Get("scroll") == "" {
		return illegalArgument("[slice] can only be used with [scroll] or [point-in-time] requests")
	}
	return nil
}

// inSlice reports whether the document with id belongs to the request's
// slice; every document does without one.
func (r *searchRequest) inSlice(id string) bool {
	if r.slice == nil {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32()%uint32(r.slice.max)) == r.slice.id
}
