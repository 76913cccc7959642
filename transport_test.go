package esrt

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

func TestParseFingerprint(t *testing.T) {
	const hexFP = "a52dd93511e8c6045e21f16654b77c9ee0f34aea26d9f40320b531c474676228"
	colons := strings.ToUpper(strings.Join(chunks(hexFP, 2), ":"))
	tests := []struct {
		in      string
		wantErr string
	}{
		{hexFP, ""},
		{colons, ""},
		{" " + strings.ToUpper(hexFP) + "\n", ""},
		{"", "0 bytes"},
		{hexFP[:62], "31 bytes"},
		{hexFP + "00", "33 bytes"},
		{"zz" + hexFP[2:], "not hexadecimal"},
		{hexFP[:63], "not hexadecimal"},
	}
	for _, tt := range tests {
		got, err := ParseFingerprint(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseFingerprint(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != 32 || got[0] != 0xa5 || got[31] != 0x28 {
			t.Errorf("ParseFingerprint(%q) = %x, %v", tt.in, got, err)
		}
	}
}

func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func TestNewHTTPTransportRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   HTTPTransportConfig
		field string
	}{
		{"garbage PEM", HTTPTransportConfig{CACert: []byte("not a pem")}, "CACert"},
		{"broken PEM", HTTPTransportConfig{CACert: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}, "CACert"},
		{"fingerprint", HTTPTransportConfig{CertificateFingerprint: "abc"}, "CertificateFingerprint"},
		{"dial timeout", HTTPTransportConfig{DialTimeout: -time.Second}, "DialTimeout"},
		{"handshake timeout", HTTPTransportConfig{TLSHandshakeTimeout: -1}, "TLSHandshakeTimeout"},
		{"header timeout", HTTPTransportConfig{ResponseHeaderTimeout: -1}, "ResponseHeaderTimeout"},
		{"idle conns", HTTPTransportConfig{MaxIdleConnsPerHost: -1}, "MaxIdleConnsPerHost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := NewHTTPTransport(tt.cfg)
			var ce *rt.ConfigError
			if tr != nil || !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, rt.ErrInvalidConfig) {
				t.Fatalf("NewHTTPTransport = %v, %v; want a ConfigError for %s", tr, err, tt.field)
			}
		})
	}
}

func TestNewHTTPTransportDefaults(t *testing.T) {
	user := &tls.Config{ServerName: "es.internal", MinVersion: tls.VersionTLS10}
	tr, err := NewHTTPTransport(HTTPTransportConfig{TLSConfig: user})
	if err != nil {
		t.Fatal(err)
	}
	if tr.MaxIdleConnsPerHost != 256 || !tr.ForceAttemptHTTP2 || tr.TLSHandshakeTimeout != 10*time.Second {
		t.Errorf("pool settings: per host %d, http2 %v, handshake %v", tr.MaxIdleConnsPerHost, tr.ForceAttemptHTTP2, tr.TLSHandshakeTimeout)
	}
	tc := tr.TLSClientConfig
	if tc.MinVersion != tls.VersionTLS12 || tc.ServerName != "es.internal" || tc.InsecureSkipVerify {
		t.Errorf("TLS: min %x, server name %q, skip verify %v", tc.MinVersion, tc.ServerName, tc.InsecureSkipVerify)
	}
	if user.MinVersion != tls.VersionTLS10 {
		t.Error("the caller's tls.Config was modified")
	}
}

// FuzzParseFingerprint: what parses is 32 bytes, the hex digits of the
// input; and any 32 bytes, written as Elasticsearch prints them (lower
// hex) or openssl does (upper hex with colons), parse back to themselves.
func FuzzParseFingerprint(f *testing.F) {
	f.Add("a52dd93511e8c6045e21f16654b77c9ee0f34aea26d9f40320b531c474676228")
	f.Add("A5:2D:D9:35:11:E8:C6:04:5E:21:F1:66:54:B7:7C:9E:E0:F3:4A:EA:26:D9:F4:03:20:B5:31:C4:74:67:62:28")
	f.Add("A5:2D:D9")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseFingerprint(s)
		if err == nil {
			want, _ := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
			if len(b) != 32 || !bytes.Equal(b, want) {
				t.Fatalf("ParseFingerprint(%q) = %x", s, b)
			}
		}
		sum := sha256.Sum256([]byte(s))
		lower := hex.EncodeToString(sum[:])
		var colons []string
		for _, c := range sum {
			colons = append(colons, fmt.Sprintf("%02X", c))
		}
		for _, form := range []string{lower, strings.ToUpper(lower), strings.Join(colons, ":"), " " + lower + "\n"} {
			if got, err := ParseFingerprint(form); err != nil || !bytes.Equal(got, sum[:]) {
				t.Fatalf("ParseFingerprint(%q) = %x, %v", form, got, err)
			}
		}
	})
}
