package middleware

import (
	"net/http"
	"strconv"
)

// statusError stands for an attempt that got a response with a status
// that counts as a failure (a 503 that was retried, say), in the list of
// an [rt.RetryError]. Retry never returns it for a final response: that is
// returned as a response.
type statusError struct {
	StatusCode int
}

func (e *statusError) Error() string {
	return "status " + strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode)
}
