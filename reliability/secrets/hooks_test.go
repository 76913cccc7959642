package secrets_test

import (
	"fmt"

	"github.com/esrt-dev/esrt/internal/secret/secrettest"
	"github.com/esrt-dev/esrt/rt"
)

// hooksTo returns hooks that record what esrt gives them as a caller's
// hooks would log it: each info printed with %+v, its node, and its error
// with every verb.
func hooksTo(c *secrettest.Capture) *rt.Hooks {
	record := func(info any, node *rt.Node, err error) {
		c.Add(secrettest.Formatted, fmt.Sprintf("%+v", info))
		if node != nil {
			c.Format(node)
		}
		c.Error(err)
	}
	return &rt.Hooks{
		OnAttemptStart:  func(i rt.AttemptInfo) { record(i, i.Node, nil) },
		OnAttemptDone:   func(i rt.AttemptDoneInfo) { record(i, i.Node, i.Err) },
		OnRetry:         func(i rt.RetryInfo) { record(i, nil, i.Err) },
		OnNodeDown:      func(i rt.NodeInfo) { record(i, i.Node, i.Err) },
		OnNodeUp:        func(i rt.NodeInfo) { record(i, i.Node, i.Err) },
		OnBreakerChange: func(i rt.BreakerInfo) { record(i, i.Node, nil) },
	}
}
