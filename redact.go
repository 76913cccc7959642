package esrt

import (
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/esrt-dev/esrt/internal/secret"
)

// String returns the configuration with its secrets redacted: the fields
// that are set, in order, groups as "{...}" with their own fields that are
// set, with Password, APIKey and ServiceToken shown as "[redacted]", the
// userinfo of Addresses as "xxxxx" (everything before an address's last
// "@", as New reads it, whether or not it parses) and the values of Header
// keys that may hold a credential (Authorization, Cookie, *token*, *key*,
// *secret*, ...) as "[redacted]". CloudID, which only names the
// deployment, is shown. Pointers, functions and interfaces show their type
// only: what they point to may be shared state or hold secrets of its own.
func (c Config) String() string {
	return formatFields("esrt.Config", redactedFields(reflect.ValueOf(c)))
}

// Format prints [Config.String] for every verb, %#v included, so that no
// verb reveals a secret, also when a Config is nested in another value
// that is printed.
func (c Config) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), c.String())
}

// GoString returns [Config.String].
func (c Config) GoString() string { return c.String() }

// LogValue logs the fields that are set as a group, groups as nested
// groups, redacted as [Config.String] says, so that log/slog handlers never
// reach a secret.
func (c Config) LogValue() slog.Value { return slog.GroupValue(redactedFields(reflect.ValueOf(c))...) }

// formatFields prints attrs as "name{key:value key:{key:value} ...}".
func formatFields(name string, attrs []slog.Attr) string {
	var b strings.Builder
	writeFields(&b, name, attrs)
	return b.String()
}

func writeFields(b *strings.Builder, name string, attrs []slog.Attr) {
	b.WriteString(name)
	b.WriteByte('{')
	for i, a := range attrs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(a.Key)
		b.WriteByte(':')
		if a.Value.Kind() == slog.KindGroup {
			writeFields(b, "", a.Value.Group())
		} else {
			b.WriteString(a.Value.String())
		}
	}
	b.WriteByte('}')
}

// redactedFields returns the exported fields of the struct v that are not
// zero, with secrets redacted. The fields of an embedded struct are shown
// as the struct's own, as Go promotes them.
func redactedFields(v reflect.Value) []slog.Attr {
	var attrs []slog.Attr
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		switch {
		case f.IsZero() || !sf.IsExported():
		case sf.Anonymous && f.Kind() == reflect.Struct:
			attrs = append(attrs, redactedFields(f)...)
		default:
			attrs = append(attrs, slog.Attr{Key: sf.Name, Value: redactedField(sf.Name, f)})
		}
	}
	return attrs
}

// redactAddress masks the userinfo of a configured address by the rule
// rt.NewNode reads it with: everything between the scheme and the last
// "@". An address New refuses, such as one whose password holds an
// unescaped "/" ("https://elastic:2024/Summer@es:9200"), parses as a URL
// with the "@" in its path, so secret.RedactURL would show it whole.
func redactAddress(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 && i < at {
		start = i + len("://")
	}
	return s[:start] + "xxxxx" + s[at:]
}

// secretField reports whether the field called name, in Config or any of
// its groups, holds a secret.
func secretField(name string) bool {
	return name == "Password" || name == "APIKey" || name == "ServiceToken"
}

func redactedField(name string, f reflect.Value) slog.Value {
	switch {
	case secretField(name):
		return slog.StringValue("[redacted]")
	case name == "Addresses" && f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		addresses := make([]string, f.Len())
		for i := range addresses {
			addresses[i] = redactAddress(f.Index(i).String())
		}
		return slog.AnyValue(addresses)
	case f.Type() == reflect.TypeFor[http.Header]():
		return slog.AnyValue(redactedHeader(f.Interface().(http.Header)))
	case f.Type() == reflect.TypeFor[time.Duration]():
		return slog.DurationValue(time.Duration(f.Int()))
	}
	switch f.Kind() {
	case reflect.String:
		return slog.StringValue(f.String())
	case reflect.Bool:
		return slog.BoolValue(f.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return slog.Int64Value(f.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return slog.Uint64Value(f.Uint())
	case reflect.Float32, reflect.Float64:
		return slog.Float64Value(f.Float())
	case reflect.Struct:
		return slog.GroupValue(redactedFields(f)...)
	case reflect.Slice:
		switch f.Type().Elem().Kind() {
		case reflect.Int:
			return slog.AnyValue(f.Interface())
		case reflect.Uint8:
			return slog.StringValue(fmt.Sprintf("(%d bytes)", f.Len()))
		}
		return slog.StringValue(fmt.Sprintf("%s(len %d)", f.Type(), f.Len()))
	case reflect.Interface:
		return slog.StringValue(f.Elem().Type().String())
	}
	return slog.StringValue(f.Type().String())
}

// redactedHeader returns a copy of h with the values of the keys that may
// hold a credential replaced by "[redacted]".
func redactedHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if secret.Header(k) {
			vs = slices.Repeat([]string{"[redacted]"}, len(vs))
		}
		out[k] = vs
	}
	return out
}
