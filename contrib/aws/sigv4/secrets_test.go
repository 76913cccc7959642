package sigv4_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/contrib/aws/sigv4"
	"github.com/esrt-dev/esrt/internal/secret/secrettest"
	"github.com/esrt-dev/esrt/rt"
)

// The keys of the matrix: distinctive, so that any piece of them is found.
const (
	accessKeyID     = "AKIAQX7Z3EXAMPLE9K2M"
	secretAccessKey = "wJa7r/XUtn+FEMI7K7MDENG/bPxRfiCYq9Zk2Mb+Sk"
	sessionToken    = "IQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJGMEQCIFsessTokenQw9Zr"
)

// keySecrets are the secrets of the keys in every form; the access key
// id, which names the key, is checked too: esrt writes none of the
// signature.
var keySecrets = secrettest.Forms(accessKeyID, secretAccessKey, sessionToken)

// keys are the ways users give SigV4 keys: a static provider (a value
// holding the keys, as credentials.NewStaticCredentialsProvider returns),
// with and without a session token, and a provider function.
func keys() map[string]aws.CredentialsProvider {
	return map[string]aws.CredentialsProvider{
		"static keys":    credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
		"temporary keys": credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, sessionToken),
		"provider function": aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey, SessionToken: sessionToken}, nil
		}),
	}
}

// TestSecretsMatrix signs a request with every kind of keys and sends it
// to nodes failing in every way, then checks every surface: the error,
// the log records, the curl trace, and the sigv4.Config and the chain
// printed.
func TestSecretsMatrix(t *testing.T) {
	for _, f := range secrettest.Failures {
		t.Run(string(f), func(t *testing.T) {
			nodes := []string{secrettest.Start(t, f).URL, secrettest.Start(t, f).URL}
			for name, provider := range keys() {
				t.Run(name, func(t *testing.T) {
					var c secrettest.Capture
					cfg := sigv4.Config{Credentials: provider, Region: "eu-west-1"}
					formatConfig(&c, cfg)
					mw, err := sigv4.New(cfg)
					if err != nil {
						t.Fatal(err)
					}
					resp, err := send(t, &c, esrt.Config{Addresses: nodes, AttemptMiddleware: []rt.Middleware{mw}}, f)
					c.Error(err)
					if resp != nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					nonEmpty := []secrettest.Surface{secrettest.Logs, secrettest.Curl, secrettest.Formatted}
					if resp == nil {
						nonEmpty = append(nonEmpty, secrettest.Errors)
					}
					c.Check(t, keySecrets, nonEmpty...)
				})
			}
		})
	}
}

// send builds a transport from cfg, logging to c, and sends a search.
func send(t *testing.T, c *secrettest.Capture, cfg esrt.Config, f secrettest.Failure) (*http.Response, error) {
	t.Helper()
	cfg.Logger, cfg.Logging.Curl = c.Logger(), true
	cfg.MaxRetries, cfg.RetryBackoff = 1, func(int) time.Duration { return 0 }
	if f == secrettest.Timeout {
		cfg.Limits.RequestTimeout = 100 * time.Millisecond
	}
	tr, err := esrt.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	for next := http.RoundTripper(tr); next != nil; {
		c.Format(next)
		u, ok := next.(interface{ Unwrap() http.RoundTripper })
		if !ok {
			break
		}
		next = u.Unwrap()
	}
	req, err := http.NewRequest(http.MethodPost, "http://es.invalid/logs-*/_search", strings.NewReader(`{"query":{"match_all":{}}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return tr.RoundTrip(req)
}

// formatConfig records cfg as fmt and log/slog print it.
func formatConfig(c *secrettest.Capture, cfg sigv4.Config) {
	c.Format(cfg)
	c.Format(&cfg)
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("sigv4", "config", cfg)
	slog.New(slog.NewTextHandler(&b, nil)).Info("sigv4", "config", cfg)
	c.Add(secrettest.Formatted, b.String())
}

// TestSecretsBadConfig checks the errors of a configuration that cannot
// sign, and of a request that already carries credentials, with keys
// configured: none shows them.
func TestSecretsBadConfig(t *testing.T) {
	node := secrettest.Start(t, secrettest.OK)
	provider := credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, sessionToken)
	failing := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no EC2 IMDS role found")
	})
	for _, tc := range []struct {
		name string
		cfg  sigv4.Config
		esrt esrt.Config
	}{
		{"no region", sigv4.Config{Credentials: provider}, esrt.Config{}},
		{"bad service", sigv4.Config{Credentials: provider, Region: "eu-west-1", Service: "Open Search"}, esrt.Config{}},
		{"provider fails", sigv4.Config{Credentials: failing, Region: "eu-west-1"}, esrt.Config{}},
		{"esrt credentials too", sigv4.Config{Credentials: provider, Region: "eu-west-1"},
			esrt.Config{Username: secrettest.User, Password: secrettest.Password}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c secrettest.Capture
			formatConfig(&c, tc.cfg)
			_, err := sigv4.New(tc.cfg)
			c.Error(err)
			cfg := tc.esrt
			cfg.Addresses, cfg.AttemptMiddleware = []string{node.URL}, []rt.Middleware{sigv4.Middleware(tc.cfg)}
			resp, err := send(t, &c, cfg, secrettest.OK)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("status %d, want an error", resp.StatusCode)
			}
			c.Error(err)
			secrets := append(keySecrets, secrettest.Basic(secrettest.User, secrettest.Password)...)
			c.Check(t, secrets, secrettest.Errors, secrettest.Logs, secrettest.Formatted)
		})
	}
}
