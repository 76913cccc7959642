package sigv4

import (
	"fmt"
	"log/slog"
	"strings"
)

// String returns the configuration without its credentials: the region,
// the service and the type of the credentials provider, whose fields (the
// keys of credentials.StaticCredentialsProvider, the keys an
// aws.CredentialsCache holds) are never shown.
func (cfg Config) String() string {
	var parts []string
	if cfg.Credentials != nil {
		parts = append(parts, fmt.Sprintf("Credentials:%T", cfg.Credentials))
	}
	if cfg.Region != "" {
		parts = append(parts, "Region:"+cfg.Region)
	}
	if cfg.Service != "" {
		parts = append(parts, "Service:"+cfg.Service)
	}
	if cfg.Now != nil {
		parts = append(parts, "Now:func")
	}
	return "sigv4.Config{" + strings.Join(parts, " ") + "}"
}

// Format prints [Config.String] for every verb, %#v included.
func (cfg Config) Format(f fmt.State, _ rune) { fmt.Fprint(f, cfg.String()) }

// LogValue keeps log/slog handlers from reaching the credentials.
func (cfg Config) LogValue() slog.Value { return slog.StringValue(cfg.String()) }

// String names the layer, so that printing it shows no configuration.
func (t *transport) String() string { return "sigv4" }

// Format prints the layer's name for every verb: the layer holds the
// credentials provider and its cache of keys, which fmt would otherwise
// print field by field.
func (t *transport) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }
