package routing

import (
	"net/http"

	"github.com/esrt-dev/esrt/rt"
)

// NodeOf returns the node that answered res, as the router that sent the
// attempt recorded it: the router's response bodies have a Node() *rt.Node
// method. It returns nil when that is not known: no router below, a body
// replaced by another middleware, or an empty body.
//
// Together with the [*rt.AttemptError] a router returns for a failed
// attempt sent without an [Attempts] in its context, it lets a retrying
// middleware learn where its first attempt went without building the
// record before it knows it will retry.
func NodeOf(res *http.Response) *rt.Node {
	if res == nil {
		return nil
	}
	if b, ok := res.Body.(interface{ Node() *rt.Node }); ok {
		return b.Node()
	}
	return nil
}
