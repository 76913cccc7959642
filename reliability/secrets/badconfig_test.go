package secrets_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/internal/secret/secrettest"
	"github.com/esrt-dev/esrt/rt"
)

// A badConfig is a configuration New refuses, holding a secret.
type badConfig struct {
	name    string
	cfg     esrt.Config
	env     string // ELASTICSEARCH_URL, if set
	secrets []string
}

// raw is an address with the user name and password written into it as
// they are, unescaped, as users paste them.
func raw(user, password, hostport string) string {
	return "https://" + user + ":" + password + "@" + hostport
}

func badConfigs() []badConfig {
	const host = "127.0.0.1:9200"
	pw := secrettest.Password
	basic := secrettest.Basic(secrettest.User, pw)
	token := secrettest.Forms(secrettest.ServiceToken)
	apiKey := secrettest.Forms(secrettest.EncodedAPIKey(), secrettest.APIKeySecret)
	addresses := func(a ...string) esrt.Config { return esrt.Config{Addresses: a} }
	var cases []badConfig
	// Every character that breaks userinfo, alone and all together.
	for _, c := range []string{"#", "/", "?", "%", " ", "%zz", "\n"} {
		p := "Ab1Cd" + c + "Xy2Gh"
		cases = append(cases, badConfig{name: "unescaped " + url.QueryEscape(c) + " in a password",
			cfg: addresses(raw(secrettest.User, p, host)), secrets: secrettest.Basic(secrettest.User, p)})
	}
	cases = append(cases,
		badConfig{name: "unescaped password in Addresses", cfg: addresses(raw(secrettest.User, pw, host)), secrets: basic},
		badConfig{name: "unescaped password in the second address",
			cfg: addresses("https://"+host, raw(secrettest.User, pw, host)), secrets: basic},
		badConfig{name: "unescaped password in ELASTICSEARCH_URL", env: raw(secrettest.User, pw, host), secrets: basic},
		badConfig{name: "unescaped password, no scheme", cfg: addresses(secrettest.User + ":" + pw + "@" + host), secrets: basic},
		badConfig{name: "userinfo, unknown scheme", cfg: addresses("ftp://" + secrettest.Userinfo() + "@" + host), secrets: basic},
		badConfig{name: "userinfo, bad port", cfg: addresses("https://" + secrettest.Userinfo() + "@127.0.0.1:99999"), secrets: basic},
		badConfig{name: "userinfo, bad IPv6 host", cfg: addresses("https://" + secrettest.Userinfo() + "@[::1"), secrets: basic},
		badConfig{name: "userinfo, space in the host", cfg: addresses("https://" + secrettest.Userinfo() + "@es host:9200"), secrets: basic},
		badConfig{name: "addresses with different userinfo",
			cfg:     addresses("https://"+secrettest.Userinfo()+"@"+host, "https://other:"+url.PathEscape(secrettest.UserToken)+"@"+host),
			secrets: append(basic, secrettest.Forms(secrettest.UserToken)...)},
		badConfig{name: "userinfo and Username", cfg: esrt.Config{Addresses: []string{"https://" + secrettest.Userinfo() + "@" + host},
			Username: "someone", Password: secrettest.UserToken}, secrets: append(basic, secrettest.Forms(secrettest.UserToken)...)},
		badConfig{name: "Password without Username", cfg: esrt.Config{Password: pw}, secrets: secrettest.Forms(pw)},
		badConfig{name: "Password and APIKey", cfg: esrt.Config{Username: secrettest.User, Password: pw,
			APIKey: secrettest.EncodedAPIKey()}, secrets: append(basic, apiKey...)},
		badConfig{name: "APIKey and ServiceToken", cfg: esrt.Config{APIKey: secrettest.EncodedAPIKey(),
			ServiceToken: secrettest.ServiceToken}, secrets: append(apiKey, token...)},
		badConfig{name: "ServiceToken and Authorization in Header", cfg: esrt.Config{ServiceToken: secrettest.ServiceToken,
			Header: http.Header{"Authorization": {"Bearer " + secrettest.Bearer}}}, secrets: append(token, secrettest.Forms(secrettest.Bearer)...)},
		badConfig{name: "APIKey with a line break", cfg: esrt.Config{APIKey: secrettest.EncodedAPIKey() + "\n"}, secrets: apiKey},
		badConfig{name: "ServiceToken with a line break", cfg: esrt.Config{ServiceToken: secrettest.ServiceToken + "\r\n"}, secrets: token},
		badConfig{name: "Authorization in Header with a line break",
			cfg: esrt.Config{Header: http.Header{"Authorization": {"Bearer " + secrettest.Bearer + "\n"}}}, secrets: secrettest.Forms(secrettest.Bearer)},
		badConfig{name: "secret header with a control character",
			cfg: esrt.Config{Header: http.Header{"X-Api-Token": {secrettest.ServiceToken + "\x00"}}}, secrets: token},
		badConfig{name: "CloudID with Addresses holding userinfo", cfg: esrt.Config{CloudID: "prod:ZXhhbXBsZS5jb20kYWJjJGRlZg==",
			Addresses: []string{"https://" + secrettest.Userinfo() + "@" + host}}, secrets: basic},
	)
	return cases
}

// TestBadConfig gives New configurations it must refuse, each holding a
// secret, and checks that neither the error, nor the log, nor the Config
// printed shows it, and that New does not panic.
func TestBadConfig(t *testing.T) {
	for _, bc := range badConfigs() {
		t.Run(bc.name, func(t *testing.T) {
			if bc.env != "" {
				t.Setenv("ELASTICSEARCH_URL", bc.env)
			}
			var c secrettest.Capture
			cfg := bc.cfg
			cfg.Logger, cfg.Logging.Curl = c.Logger(), true
			c.Format(cfg)
			slog.New(slog.NewJSONHandler(writer{&c}, nil)).Info("config", "config", cfg)
			var panicked bool
			err := newErr(&c, cfg, &panicked)
			if panicked {
				t.Error("New panicked")
			}
			var ce *rt.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, rt.ErrInvalidConfig) {
				t.Fatalf("New: %v, want an *rt.ConfigError", err)
			}
			c.Check(t, bc.secrets, secrettest.Errors, secrettest.Formatted)
		})
	}
}

func newErr(c *secrettest.Capture, cfg esrt.Config, panicked *bool) error {
	defer c.Recover(panicked)
	tr, err := esrt.New(cfg)
	c.Error(err)
	if err == nil {
		tr.Close()
	}
	return err
}

// TestBadPerRequestAuth sends a request whose rt.WithAuth credential
// cannot be sent, a token with a line break, and checks that it fails
// before reaching a node, with an error and log records that show no
// part of the token.
func TestBadPerRequestAuth(t *testing.T) {
	node := secrettest.Start(t, secrettest.OK)
	var c secrettest.Capture
	tr, err := esrt.New(esrt.Config{Addresses: []string{node.URL}, Logger: c.Logger(), Logging: esrt.LoggingConfig{Curl: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	// Basic credentials are base64, as is an "id:key" API key: any
	// bytes can be sent.
	for _, a := range []rt.Auth{rt.BearerAuth(secrettest.Bearer + "\n"), rt.APIKeyAuth(secrettest.EncodedAPIKey() + "\r\n")} {
		cred := credential{request: func(req *http.Request) *http.Request {
			return req.WithContext(rt.WithAuth(req.Context(), a))
		}}
		resp, err := tr.RoundTrip(newRequest(t, context.Background(), cred))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%v: status %d, want an error", a, resp.StatusCode)
		}
		var le *rt.LocalError
		if !errors.As(err, &le) {
			t.Errorf("%v: err = %v, want an *rt.LocalError", a, err)
		}
		c.Error(err)
		c.Format(a)
	}
	select {
	case got := <-node.Auth:
		t.Fatalf("the node got a request, with Authorization %q", got)
	default:
	}
	secrets := secrettest.Forms(secrettest.Bearer, secrettest.EncodedAPIKey(), secrettest.APIKeySecret)
	c.Check(t, secrets, secrettest.Errors, secrettest.Logs, secrettest.Formatted)
}
