package discovery_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/rt"
)

type cloudVector struct {
	Source   string         `json:"source"`
	Test     string         `json:"test"`
	CloudID  string         `json:"cloud_id"`
	Expected map[string]any `json:"expected"`
	Note     string         `json:"note"`
}

// cloudOverrides are the vectors whose expectation is about something other
// than parsing, with what ParseCloudID does instead.
var cloudOverrides = map[string]struct {
	wantURL string // "" means an error
	why     string
}{
	"test_sniffing_disabled_on_elastic_cloud": {
		wantURL: "https://4fa8821e75634032bed1cf22110e2f97.us-east-1.aws.found.io",
		why:     "the Cloud ID is valid; refusing sniffing with a Cloud ID is the root package's job",
	},
	"TestClientConfiguration/With cfg.Addresses and cfg.CloudID": {
		why: "'both are set' is the root package's check; the payload (\\x00\\x10) is invalid here anyway",
	},
}

// wantCloudURL returns the URL a vector expects ("" for an error), in the
// form ParseCloudID returns: https, no ":443", no trailing slash.
func wantCloudURL(t *testing.T, v cloudVector) string {
	t.Helper()
	if o, ok := cloudOverrides[v.Test]; ok {
		t.Logf("override: %s", o.why)
		return o.wantURL
	}
	if _, ok := v.Expected["error"]; ok {
		return ""
	}
	if s, ok := v.Expected["es_url"].(string); ok {
		u, err := url.Parse(strings.TrimSuffix(s, "/"))
		if err != nil {
			t.Fatal(err)
		}
		if u.Port() == "443" {
			u.Host = u.Hostname()
		}
		return u.String()
	}
	addr, ok := v.Expected["es_address"]
	if !ok {
		t.Fatalf("vector expects neither error, es_url nor es_address: %v", v.Expected)
	}
	if addr == nil {
		// Python parses these but has no Elasticsearch address: an error.
		return ""
	}
	hp := addr.([]any)
	host, port := hp[0].(string), int(hp[1].(float64))
	if port == 443 {
		return "https://" + host
	}
	return "https://" + host + ":" + strconv.Itoa(port)
}

func TestParseCloudIDVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/cloud_id_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []cloudVector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) != 25 {
		t.Errorf("%d vectors, want 25", len(vs))
	}
	for i, v := range vs {
		t.Run(strconv.Itoa(i)+"_"+v.Test, func(t *testing.T) {
			want := wantCloudURL(t, v)
			n, err := discovery.ParseCloudID(v.CloudID)
			if want == "" {
				if err == nil {
					t.Fatalf("ParseCloudID(%q) = %s, want an error (%v)", v.CloudID, n.URL, v.Expected)
				}
				checkCloudError(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ParseCloudID(%q): %v", v.CloudID, err)
			}
			if got := n.URL.String(); got != want {
				t.Errorf("URL = %q, want %q", got, want)
			}
			checkUsable(t, n)
		})
	}
}

func checkCloudError(t *testing.T, err error) {
	t.Helper()
	var ce *rt.ConfigError
	if !errors.As(err, &ce) || ce.Field != "CloudID" || !errors.Is(err, rt.ErrInvalidConfig) {
		t.Errorf("error %v (%T) is not a ConfigError for CloudID", err, err)
	}
	if !strings.HasPrefix(err.Error(), "esrt: invalid configuration: CloudID: ") {
		t.Errorf("error message %q", err)
	}
}

func cloudID(name, payload string) string {
	return name + ":" + base64.StdEncoding.EncodeToString([]byte(payload))
}

func TestParseCloudID(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		want    string
		wantErr string
	}{
		{name: "default port", id: cloudID("c", "host.example$uuid$kb"), want: "https://uuid.host.example"},
		{name: "port in host part", id: cloudID("c", "host.example:9243$uuid$kb"), want: "https://uuid.host.example:9243"},
		{name: "explicit 443 left out", id: cloudID("c", "host.example:443$uuid"), want: "https://uuid.host.example"},
		{name: "port after uuid", id: cloudID("c", "host.example$uuid:9243$kb:9244"), want: "https://uuid.host.example:9243"},
		{name: "port after uuid wins", id: cloudID("c", "host.example:443$uuid:9243$kb"), want: "https://uuid.host.example:9243"},
		{name: "host port when uuid has none", id: cloudID("c", "host.example:9243$uuid$kb:9244"), want: "https://uuid.host.example:9243"},
		{name: "name with colon", id: cloudID("my:cluster", "host.example$uuid"), want: "https://uuid.host.example"},
		{name: "url-safe unpadded", id: "c:" + base64.RawURLEncoding.EncodeToString([]byte("h.example$uuid$k?")), want: "https://uuid.h.example"},
		{name: "extra parts ignored", id: cloudID("c", "h$uuid$kb$x"), want: "https://uuid.h"},
		{name: "surrounding spaces", id: " " + cloudID("c", "h$uuid") + "\n", want: "https://uuid.h"},
		{name: "empty", id: "", wantErr: "empty"},
		{name: "no colon", id: "abc", wantErr: "no ':'"},
		{name: "invalid port", id: cloudID("c", "h:x$uuid"), wantErr: `invalid port "x"`},
		{name: "port zero", id: cloudID("c", "h$uuid:0"), wantErr: "invalid port"},
		{name: "port too large", id: cloudID("c", "h:65536$uuid"), wantErr: "invalid port"},
		{name: "empty port", id: cloudID("c", "h:$uuid"), wantErr: "invalid port"},
		{name: "empty host", id: cloudID("c", "$uuid$kb"), wantErr: "empty host"},
		{name: "empty uuid", id: cloudID("c", "h$$kb"), wantErr: "empty Elasticsearch id"},
		{name: "userinfo smuggled in host", id: cloudID("c", "evil.com@h$uuid"), wantErr: "not a host name"},
		{name: "path smuggled in uuid", id: cloudID("c", "h$uuid/x"), wantErr: "not a host name"},
		{name: "not utf-8", id: cloudID("c", "h\xff$uuid"), wantErr: "not UTF-8"},
		{name: "bad base64", id: "c:xxxxx", wantErr: "illegal base64 data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := discovery.ParseCloudID(tt.id)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("got %s, want error containing %q", n.URL, tt.wantErr)
				}
				checkCloudError(t, err)
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := n.URL.String(); got != tt.want {
				t.Errorf("URL = %q, want %q", got, tt.want)
			}
			if n.ID != "" || n.Roles != nil {
				t.Errorf("node has discovered fields: %+v", n)
			}
		})
	}
}
