package otelesrt_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/contrib/otel/otelesrt"
	"github.com/esrt-dev/esrt/internal/secret/secrettest"
	"github.com/esrt-dev/esrt/rt"
)

// queryLiteral is the value a search looks for.
const queryLiteral = "Ql8Wx-Literal-Yv7Zu"

// A secretsCredential is one way users give esrt a secret. The core
// matrix (reliability/secrets) has every way; these are the ones that
// reach the layers the instrumentation sees differently: static, in the
// addresses, per request, in the request's URL.
type secretsCredential struct {
	name    string
	cfg     func(*esrt.Config, []string)
	request func(*http.Request) *http.Request
	secrets []string
}

func secretsCredentials() []secretsCredential {
	basic := secrettest.Basic(secrettest.User, secrettest.Password)
	addrs := func(f func(*esrt.Config)) func(*esrt.Config, []string) {
		return func(cfg *esrt.Config, a []string) { cfg.Addresses = a; f(cfg) }
	}
	return []secretsCredential{
		{name: "Username and Password", cfg: addrs(func(cfg *esrt.Config) {
			cfg.Username, cfg.Password = secrettest.User, secrettest.Password
		}), secrets: basic},
		{name: "userinfo in Addresses", cfg: func(cfg *esrt.Config, a []string) {
			for _, s := range a {
				cfg.Addresses = append(cfg.Addresses, strings.Replace(s, "://", "://"+secrettest.Userinfo()+"@", 1))
			}
		}, secrets: basic},
		{name: "APIKey", cfg: addrs(func(cfg *esrt.Config) { cfg.APIKey = secrettest.EncodedAPIKey() }),
			secrets: secrettest.Forms(secrettest.EncodedAPIKey(), secrettest.APIKeySecret)},
		{name: "ServiceToken", cfg: addrs(func(cfg *esrt.Config) { cfg.ServiceToken = secrettest.ServiceToken }),
			secrets: secrettest.Forms(secrettest.ServiceToken)},
		{name: "Authorization in Header", cfg: addrs(func(cfg *esrt.Config) {
			cfg.Header = http.Header{"Authorization": {"Bearer " + secrettest.Bearer}}
		}), secrets: secrettest.Forms(secrettest.Bearer)},
		{name: "rt.WithAuth", cfg: addrs(func(*esrt.Config) {}), request: func(r *http.Request) *http.Request {
			return r.WithContext(rt.WithAuth(r.Context(), rt.BearerAuth(secrettest.Bearer)))
		}, secrets: secrettest.Forms(secrettest.Bearer)},
		{name: "userinfo in the request URL", cfg: addrs(func(*esrt.Config) {}), request: func(r *http.Request) *http.Request {
			r.URL.User = url.UserPassword(secrettest.User, secrettest.Password)
			return r
		}, secrets: basic},
	}
}

// TestSecretsMatrix sends a search with every credential to nodes failing
// in every way, instrumented with query text on, and checks that no span
// name, attribute, event or status, and no metric attribute, nor the
// error or the log, shows any form of the secret. The search's own
// literal must not reach the telemetry either (db.query.text replaces
// literals); the curl trace shows it, as it shows every search body.
func TestSecretsMatrix(t *testing.T) {
	for _, f := range secrettest.Failures {
		t.Run(string(f), func(t *testing.T) {
			nodes := []string{secrettest.Start(t, f).URL, secrettest.Start(t, f).URL}
			for _, cred := range secretsCredentials() {
				t.Run(cred.name, func(t *testing.T) {
					tm := newTelemetry(t)
					tm.cfg.CaptureQueryText = true
					var c secrettest.Capture
					cfg := esrt.Config{Logger: c.Logger(), Logging: esrt.LoggingConfig{Curl: true},
						MaxRetries: 1, RetryBackoff: func(int) time.Duration { return 0 }}
					if f == secrettest.Timeout {
						cfg.Limits.RequestTimeout = 100 * time.Millisecond
					}
					cred.cfg(&cfg, nodes)
					otelesrt.Instrument(&cfg, tm.cfg)
					secretsRoundTrip(t, &c, cfg, cred)
					secretsTelemetry(t, &c, tm)
					c.Check(t, cred.secrets, secrettest.Telemetry, secrettest.Logs)
					var tc secrettest.Capture
					tc.Add(secrettest.Telemetry, c.Texts(secrettest.Telemetry)...)
					tc.Check(t, []string{queryLiteral})
					if f == secrettest.OK && !slices.ContainsFunc(tc.Texts(secrettest.Telemetry), func(s string) bool {
						return strings.HasPrefix(s, "db.query.text=")
					}) {
						t.Error("no db.query.text: the query literal was not put to the test")
					}
				})
			}
		})
	}
}

func secretsRoundTrip(t *testing.T, c *secrettest.Capture, cfg esrt.Config, cred secretsCredential) {
	t.Helper()
	tr, err := esrt.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	body := fmt.Sprintf(`{"query":{"term":{"user.secret":%q}}}`, queryLiteral)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://es.invalid/logs-*/_search", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if cred.request != nil {
		req = cred.request(req)
	}
	resp, err := tr.RoundTrip(req)
	c.Error(err)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// secretsTelemetry records every span and metric attribute in c.
func secretsTelemetry(t *testing.T, c *secrettest.Capture, tm *telemetry) {
	t.Helper()
	spans := tm.spans()
	if len(spans) == 0 {
		t.Fatal("no span")
	}
	for _, s := range spans {
		c.Add(secrettest.Telemetry, s.Name, s.Status.Description, fmt.Sprintf("%+v", s.Attributes))
		addAttrs(c, s.Attributes)
		for _, e := range s.Events {
			c.Add(secrettest.Telemetry, e.Name)
			addAttrs(c, e.Attributes)
		}
	}
	for _, sm := range tm.collect(t).ScopeMetrics {
		for _, m := range sm.Metrics {
			for _, set := range metricSets(m.Data) {
				addAttrs(c, set.ToSlice())
			}
		}
	}
}

func addAttrs(c *secrettest.Capture, kvs []attribute.KeyValue) {
	for _, kv := range kvs {
		c.Add(secrettest.Telemetry, string(kv.Key)+"="+kv.Value.Emit())
	}
}

// metricSets returns the attribute sets of a metric's data points.
func metricSets(data metricdata.Aggregation) []attribute.Set {
	var sets []attribute.Set
	switch d := data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	case metricdata.Histogram[int64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	}
	return sets
}
