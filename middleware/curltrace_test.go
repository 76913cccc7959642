package middleware

import "testing"

func TestLoggingText(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"plain", "plain", true},
		{"caf\xc3\xa9", "caf\xc3\xa9", true},
		{"caf\xc3", "caf", true},                       // é cut in two by the cap
		{"\xe2\x82\xac\xe2\x82", "\xe2\x82\xac", true}, // € then half of another
		{"\xff\xfe\x00", "", false},
		{"ab\xffcd", "", false},
	}
	for _, tt := range tests {
		got, ok := printable([]byte(tt.in))
		if string(got) != tt.want || ok != tt.ok {
			t.Errorf("printable(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
