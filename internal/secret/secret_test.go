package secret

import "testing"

func TestHeader(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"Authorization", true},
		{"Proxy-Authorization", true},
		{"X-Api-Key", true},
		{"Cookie", true},
		{"X-Amz-Security-Token", true},
		{"X-Client-Secret", true},
		{"X-Elastic-Client-Password", true},
		{"Es-Secondary-Authorization", true},
		{"X-Session-Id", true},
		{"X-Amz-Signature", true},
		{"Cf-Access-Jwt-Assertion", true},
		{"X-Goog-Iap-Jwt-Assertion", true},
		{"X-Passphrase", true},
		{"X-Bearer", true},
		{"Content-Type", false},
		{"User-Agent", false},
		{"X-Opaque-Id", false},
		{"Accept", false},
	}
	for _, tt := range tests {
		if got := Header(tt.name); got != tt.want {
			t.Errorf("Header(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
