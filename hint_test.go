package esrt

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TLS failures say what to change, and the errors under the hint stay
// reachable with errors.As.
func TestTLSErrorHints(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) })
	untrusted := httptest.NewTLSServer(ok)
	defer untrusted.Close()
	untrusted.Config.ErrorLog = discardLog()
	plain := httptest.NewServer(ok)
	defer plain.Close()

	ca := newCert(t, caTemplate(), nil)
	otherTmpl := leafTemplate()
	otherTmpl.DNSNames, otherTmpl.IPAddresses = []string{"es1.example.com"}, nil
	otherName := newPinServer(t, newCert(t, otherTmpl, &ca), ca)

	tests := []struct {
		name     string
		cfg      Config
		hint     []string
		wantType any
	}{
		{"untrusted certificate", Config{Addresses: []string{untrusted.URL}},
			[]string{"CACert", "CertificateFingerprint", "http_ca.crt"}, &x509.UnknownAuthorityError{}},
		{"untrusted certificate, own transport", Config{Addresses: []string{untrusted.URL}, Transport: &http.Transport{}},
			[]string{"Config.Transport", "RootCAs"}, &x509.UnknownAuthorityError{}},
		{"certificate for another name", Config{Addresses: []string{otherName.url}, CACert: ca.pem()},
			[]string{"the address used, 127.0.0.1,", "Addresses"}, &x509.HostnameError{}},
		{"https on a plain HTTP node", Config{Addresses: []string{strings.Replace(plain.URL, "http://", "https://", 1)}},
			[]string{"the node answered plain HTTP: use http:// in Addresses"}, &tls.RecordHeaderError{}},
		{"https on a plain HTTP node, own transport", Config{Addresses: []string{strings.Replace(plain.URL, "http://", "https://", 1)}, Transport: &http.Transport{}},
			[]string{"the node answered plain HTTP: use http:// in Addresses"}, &tls.RecordHeaderError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.DisableRetry = true
			res, err := get(t, mustNew(t, tt.cfg), "/")
			if err == nil {
				res.Body.Close()
				t.Fatal("request succeeded")
			}
			for _, h := range tt.hint {
				if !strings.Contains(err.Error(), h) {
					t.Errorf("error %q does not say %q", err, h)
				}
			}
			if !errors.As(err, tt.wantType) {
				t.Errorf("error %v: errors.As finds no %T", err, tt.wantType)
			}
		})
	}
}
