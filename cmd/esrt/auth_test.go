package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/estest"
)

const testPassword = "s3cret-Pa55word"

func TestRequestBasicAuthTraceVerbose(t *testing.T) {
	c := estest.New(t, estest.Config{Username: "elastic", Password: testPassword})
	t.Setenv("ELASTICSEARCH_PASSWORD", testPassword)
	code, out, errOut := runCmd(t, "request", "--user", "elastic", "--trace", "--verbose", "--url", c.URLs()[0], "GET", "/")
	if code != 0 || !strings.Contains(out, `"cluster_name"`) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, want := range []string{"curl -X GET '" + c.URLs()[0] + `/' -u "elastic:$ES_PASSWORD"`, "\n# 200 in ", "* attempt 1 GET / → " + c.URLs()[0] + ": 200 OK"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	noSecret(t, testPassword, out, errOut)
}

func TestRequestWrongPassword(t *testing.T) {
	c := estest.New(t, estest.Config{Username: "elastic", Password: testPassword})
	t.Setenv("ELASTICSEARCH_PASSWORD", "wrong-"+testPassword)
	code, out, errOut := runCmd(t, "request", "--user", "elastic", "--trace", "--verbose", "--url", c.URLs()[0], "GET", "/")
	if code != 1 || !strings.Contains(out, "security_exception") || !strings.Contains(errOut, "esrt request: GET /: 401") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	noSecret(t, testPassword, out, errOut)
}

func TestRequestUserWithoutPassword(t *testing.T) {
	c := estest.New(t, estest.Config{Username: "elastic", Password: testPassword})
	t.Setenv("ELASTICSEARCH_PASSWORD", "") // restored after the test
	os.Unsetenv("ELASTICSEARCH_PASSWORD")
	stdin = strings.NewReader(testPassword + "\n") // not a terminal: no prompt
	t.Cleanup(func() { stdin = os.Stdin })
	code, out, errOut := runCmd(t, "request", "--user", "elastic", "--url", c.URLs()[0], "GET", "/")
	if code != 2 || out != "" || !strings.Contains(errOut, "ELASTICSEARCH_PASSWORD") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestRequestAPIKeyFlag(t *testing.T) {
	const key = "a2V5LWlkOmtleS1zZWNyZXQ="
	c := estest.New(t, estest.Config{APIKey: key})
	code, out, errOut := runCmd(t, "request", "--api-key", key, "--trace", "--verbose", "--url", c.URLs()[0], "GET", "/")
	if code != 0 || !strings.Contains(out, `"cluster_name"`) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	noSecret(t, key, out, errOut)
}

func TestRequestTLS(t *testing.T) {
	c := estest.New(t, estest.Config{TLS: true})
	url := c.URLs()[0]
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, c.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, flags := range map[string][]string{
		"ca-cert":     {"--ca-cert", ca},
		"fingerprint": {"--fingerprint", c.CAFingerprint()},
	} {
		args := append(append([]string{"request"}, flags...), "--url", url, "GET", "/")
		if code, out, errOut := runCmd(t, args...); code != 0 || !strings.Contains(out, `"cluster_name"`) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, out, errOut)
		}
	}
	code, out, errOut := runCmd(t, "request", "--url", url, "GET", "/")
	if code != 1 || out != "" || strings.Count(errOut, "\n") != 1 {
		t.Errorf("untrusted certificate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = runCmd(t, "request", "--ca-cert", filepath.Join(t.TempDir(), "none.pem"), "--url", url, "GET", "/")
	if code != 2 || !strings.HasPrefix(errOut, "esrt request: --ca-cert: ") {
		t.Errorf("missing --ca-cert file: exit %d, stderr %q", code, errOut)
	}
}

func TestRequestURLUserinfoNeverShown(t *testing.T) {
	c := estest.New(t, estest.Config{Nodes: 2, Username: "elastic", Password: testPassword})
	dead := "http://elastic:" + testPassword + "@" + strings.TrimPrefix(c.URLs()[0], "http://")
	live := "http://elastic:" + testPassword + "@" + strings.TrimPrefix(c.URLs()[1], "http://")
	c.Node(0).Kill()
	code, out, errOut := runCmd(t, "request", "--trace", "--verbose", "--url", dead, "--url", live, "GET", "/")
	if code != 0 || !strings.Contains(errOut, "* attempt 1 GET / → http://elastic:xxxxx@") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	noSecret(t, testPassword, out, errOut)
	code, out, errOut = runCmd(t, "request", "--verbose", "--url", dead, "GET", "/")
	if code != 1 || !strings.Contains(errOut, "\nesrt request: GET /: no node answered after 4 attempts; the last: attempt 4 to http://elastic:xxxxx@") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	noSecret(t, testPassword, out, errOut)
}

func TestRequestConfigErrorsNameTheFlag(t *testing.T) {
	for flag, args := range map[string][]string{
		"--url (address 0): ": {"--url", "ftp://x"},
		"--fingerprint: ":     {"--fingerprint", "zz", "--url", "http://127.0.0.1:1"},
		"--cloud-id: ":        {"--cloud-id", "garbage"},
		"--api-key: ":         {"--api-key", "key1", "--user", "u"},
	} {
		t.Setenv("ELASTICSEARCH_PASSWORD", testPassword)
		code, out, errOut := runCmd(t, append(append([]string{"request"}, args...), "GET", "/")...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "esrt request: "+flag) {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
		noSecret(t, testPassword, errOut)
	}
}

func TestRequestUserWinsOverEnvironmentAPIKey(t *testing.T) {
	c := estest.New(t, estest.Config{Username: "elastic", Password: testPassword})
	t.Setenv("ELASTICSEARCH_API_KEY", "ZW52LWtleTplbnYtc2VjcmV0")
	t.Setenv("ELASTICSEARCH_PASSWORD", testPassword)
	code, out, errOut := runCmd(t, "request", "--user", "elastic", "--url", c.URLs()[0], "GET", "/")
	if code != 0 || !strings.Contains(out, `"cluster_name"`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestDevNullIsNotATerminal(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Errorf("%s counts as a terminal", os.DevNull)
	}
}
