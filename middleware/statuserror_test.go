package middleware

import "testing"

func TestStatusError(t *testing.T) {
	if got := (&statusError{StatusCode: 503}).Error(); got != "status 503 Service Unavailable" {
		t.Fatalf("Error() = %q", got)
	}
}
