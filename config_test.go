package esrt

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/middleware"
)

// secretConfig is a Config with every secret set, and non-secret fields
// that must stay visible.
func secretConfig() Config {
	return Config{
		Addresses:    []string{"https://elastic:pw-S3CRET-1@es1.example.com:9200", "https://elastic:pw-S3CRET-1@es2.example.com:9200/pre"},
		Username:     "elastic",
		Password:     "pw-S3CRET-2",
		APIKey:       "key-S3CRET-3",
		ServiceToken: "tok-S3CRET-4",
		CloudID:      "my-deployment:ZXhhbXBsZS5jb20kYWJjJGRlZg==",
		Header: http.Header{"Authorization": {"ApiKey hdr-S3CRET-5"}, "X-Api-Key": {"hdr-S3CRET-6"}, "X-Trace": {"visible-trace"},
			"User-Agent": {"visible-agent"}},
		MaxRetries:   7,
		RetryBackoff: func(int) time.Duration { return 0 },
		Transport:    http.DefaultTransport,
		CACert:       []byte("-----BEGIN CERTIFICATE-----"),
		Logger:       slog.New(slog.DiscardHandler),
		Pool:         PoolConfig{DeadTimeout: 3 * time.Second},
		Retry:        RetryConfig{Hedge: HedgeConfig{Enabled: true, HedgeConfig: middleware.HedgeConfig{Quantile: 0.99}}},
	}
}

var visibleInConfig = []string{"es1.example.com:9200", "es2.example.com:9200/pre", "elastic", "my-deployment", "visible-trace", "visible-agent", "MaxRetries", "7", "*http.Transport",
	"DeadTimeout", "Quantile", "0.99"}

// A Config prints and logs itself redacted with every verb, as a value or a
// pointer, alone or nested, and keeps its other fields visible.
func TestConfigNeverPrintsSecrets(t *testing.T) {
	cfg := secretConfig()
	secret := regexp.MustCompile(`S3CRET`)
	check := func(what, out string, visible bool) {
		t.Helper()
		if secret.MatchString(out) {
			t.Errorf("%s reveals a secret: %s", what, out)
		}
		if visible {
			for _, v := range visibleInConfig {
				if !strings.Contains(out, v) {
					t.Errorf("%s does not show %q: %s", what, v, out)
				}
			}
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%30v", "%-v"} {
		check(verb, fmt.Sprintf(verb, cfg), true)
		check(verb+" of a pointer", fmt.Sprintf(verb, &cfg), true)
		check(verb+" nested", fmt.Sprintf(verb, struct {
			C  Config
			P  *Config
			S  []Config
			M  map[string]Config
			Ii any
		}{cfg, &cfg, []Config{cfg}, map[string]Config{"a": cfg}, cfg}), true)
	}
	for _, verb := range []string{"%x", "%X", "%d", "%T"} {
		check(verb, fmt.Sprintf(verb, cfg), false)
	}
	check("String", cfg.String(), true)
	check("GoString", cfg.GoString(), true)
	check("Sprint", fmt.Sprint(cfg, &cfg), true)
	check("Sprintln", fmt.Sprintln(cfg), true)

	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		for _, v := range []any{cfg, &cfg} {
			var buf bytes.Buffer
			slog.New(h(&buf)).Info("config", "cfg", v)
			check("slog "+name, buf.String(), true)
		}
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("nested", "v", struct{ C Config }{cfg}, slog.Group("g", "cfg", cfg))
		check("slog "+name+" nested", buf.String(), false)
	}
}

// Every string field of Config and of its groups, at any depth, shows in
// String unless it is a secret, and every field whose name suggests a
// secret is redacted: a new secret field cannot be added without
// redaction.
func TestConfigRedactsEverySecretField(t *testing.T) {
	var cfg Config
	suspicious := regexp.MustCompile(`(?i)password|passwd|secret|token|apikey|credential|key$`)
	var fields []string
	eachStringField(reflect.ValueOf(&cfg).Elem(), "", func(path, name string, v reflect.Value) {
		if suspicious.MatchString(name) && !secretField(name) {
			t.Errorf("field %s looks like a secret but is not redacted", path)
		}
		v.SetString("value-of-" + path)
		fields = append(fields, path)
	})
	if !slices.Contains(fields, "Protocol.SendGetBodyAs") {
		t.Fatalf("the walk missed the groups' fields: %v", fields)
	}
	for _, out := range []string{fmt.Sprintf("%+v", cfg), logged(cfg)} {
		for _, path := range fields {
			name := path[strings.LastIndexByte(path, '.')+1:]
			if shown := strings.Contains(out, "value-of-"+path); shown == secretField(name) {
				t.Errorf("field %s: shown %v, secret %v: %s", path, shown, secretField(name), out)
			}
		}
	}
}

// eachStringField calls visit for every settable string field of the
// struct v and of the structs it holds, with its path from v.
func eachStringField(v reflect.Value, prefix string, visit func(path, name string, v reflect.Value)) {
	for i := range v.NumField() {
		f, fv := v.Type().Field(i), v.Field(i)
		switch {
		case !fv.CanSet():
		case f.Type.Kind() == reflect.String:
			visit(prefix+f.Name, f.Name, fv)
		case f.Type.Kind() == reflect.Struct && f.Anonymous:
			eachStringField(fv, prefix, visit)
		case f.Type.Kind() == reflect.Struct:
			eachStringField(fv, prefix+f.Name+".", visit)
		}
	}
}

// logged returns what slog's JSON handler writes of cfg.
func logged(cfg Config) string {
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "cfg", cfg)
	return buf.String()
}

func TestConfigStringShowsOnlySetFields(t *testing.T) {
	if got := fmt.Sprint(Config{}); got != "esrt.Config{}" {
		t.Errorf("zero Config prints as %q", got)
	}
	got := fmt.Sprint(Config{Addresses: []string{"http://u:p@es:9200"}, Username: "u", Password: "p", DisableRetry: true, RetryOnStatus: []int{503},
		Pool: PoolConfig{DeadTimeout: time.Second}, Retry: RetryConfig{Hedge: HedgeConfig{Enabled: true, HedgeConfig: middleware.HedgeConfig{Quantile: 0.9}}}})
	want := "esrt.Config{Addresses:[http://xxxxx@es:9200] Username:u Password:[redacted] RetryOnStatus:[503] DisableRetry:true " +
		"Pool:{DeadTimeout:1s} Retry:{Hedge:{Enabled:true Quantile:0.9}}}"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// HTTPTransportConfig prints its TLS configuration, which may hold client
// certificates' keys, as its type only: fmt would print what the pointer
// points to with a verb such as %s.
func TestHTTPTransportConfigPrintsNoKey(t *testing.T) {
	key := []byte("private-key-S3CRET")
	cfg := HTTPTransportConfig{TLSConfig: &tls.Config{Certificates: []tls.Certificate{{PrivateKey: key}}}, CertificateFingerprint: strings.Repeat("ab", 32)}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "cfg", cfg, "nested", struct{ C HTTPTransportConfig }{cfg})
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "cfg", cfg)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
		for _, out := range []string{fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, struct{ C HTTPTransportConfig }{cfg}), buf.String()} {
			if strings.Contains(out, "S3CRET") || strings.Contains(out, fmt.Sprint(key)) {
				t.Errorf("%s shows the key: %s", verb, out)
			}
		}
	}
}

// An address that New refuses because its password holds an unescaped
// "/", "?" or "#" (so that url.Parse reads the "@" as part of the path,
// query or fragment) is still printed and logged without its password.
func TestConfigRedactsUnparsedAddresses(t *testing.T) {
	for _, addr := range []string{
		"https://elastic:2024/S3CRET@es.corp:9200",
		"https://elastic:123456?S3CRET@es.corp:9200",
		"https://elastic:9200#S3CRET@es.corp:9200",
		"https://AbCd/S3CRET+gh==@es.corp:9200",
		"elastic:S3CRET@es.corp:9200",
	} {
		cfg := Config{Addresses: []string{addr}}
		if _, err := New(cfg); err == nil {
			t.Errorf("New accepted %q", addr)
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "cfg", cfg)
		for _, out := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(cfg), buf.String()} {
			if strings.Contains(out, "S3CRET") {
				t.Errorf("%q printed as %s", addr, out)
			}
			if !strings.Contains(out, "es.corp:9200") {
				t.Errorf("%q printed without its host: %s", addr, out)
			}
		}
	}
}
