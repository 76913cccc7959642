package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestRequestAWSSigV4(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	var mu sync.Mutex
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"green"}`))
	}))
	t.Cleanup(srv.Close)
	code, out, errOut := runCmd(t, "request", "--aws-region", "eu-west-1", "--aws-service", "aoss",
		"--trace", "--verbose", "--url", srv.URL, "GET", "/_cluster/health")
	if code != 0 || !strings.Contains(out, "green") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/eu-west-1/aoss/aws4_request") {
		t.Errorf("Authorization = %q, want a SigV4 signature for eu-west-1/aoss", auth)
	}
	noSecret(t, secret, out, errOut)
	noSecret(t, "Signature=", errOut)

	code, _, errOut = runCmd(t, "request", "--aws-service", "aoss", "--url", srv.URL, "GET", "/")
	if code != 2 || !strings.Contains(errOut, "--aws-service needs --aws-region") {
		t.Errorf("--aws-service alone: exit %d, stderr %q", code, errOut)
	}
}
