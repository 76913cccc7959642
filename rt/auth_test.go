package rt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestAuthHeader(t *testing.T) {
	tests := []struct {
		name string
		auth Auth
		want string
	}{
		{"basic", BasicAuth("elastic", "changeme"), "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="},
		{"basic empty password", BasicAuth("elastic", ""), "Basic ZWxhc3RpYzo="},
		{"api key encoded", APIKeyAuth("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="),
			"ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="},
		{"api key id:key", APIKeyAuth("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw"),
			"ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="},
		{"bearer", BearerAuth("AAEAAWVsYXN0aWMvZmxlZXQ"), "Bearer AAEAAWVsYXN0aWMvZmxlZXQ"},
		{"zero", Auth{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.auth.Header(); got != tt.want {
				t.Errorf("Header() = %q, want %q", got, tt.want)
			}
			if got := tt.auth.IsZero(); got != (tt.want == "") {
				t.Errorf("IsZero() = %v", got)
			}
		})
	}
}

func TestAuthNeverPrintsSecret(t *testing.T) {
	const secret = "s3cr3t-value"
	for _, a := range []Auth{BasicAuth("user", secret), APIKeyAuth(secret), APIKeyAuth("id:" + secret), BearerAuth(secret)} {
		encoded := strings.TrimPrefix(a.Header(), a.Scheme()+" ")
		var out []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T %v", "%d"} {
			out = append(out, fmt.Sprintf(verb, a))
		}
		out = append(out, fmt.Sprint(a), fmt.Sprintf("%v", struct{ A Auth }{a}), fmt.Sprintf("%+v", &a))
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "auth", a)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "auth", a)
		out = append(out, buf.String())
		j, _ := json.Marshal(a)
		out = append(out, string(j))
		for _, s := range out {
			if strings.Contains(s, secret) || strings.Contains(s, encoded) {
				t.Errorf("%s credential printed its secret: %q", a.Scheme(), s)
			}
		}
	}
}
