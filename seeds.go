package esrt

import (
	"errors"
	"os"
	"strings"

	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/rt"
)

// seedNodes parses the configured addresses or Cloud ID. It returns the
// name of the setting the addresses came from: "Addresses",
// "ELASTICSEARCH_URL", or "" for the default address or a Cloud ID.
func seedNodes(cfg Config) ([]*rt.Node, string, error) {
	switch {
	case cfg.CloudID != "" && len(cfg.Addresses) > 0:
		return nil, "", &rt.ConfigError{Field: "CloudID", Err: errors.New("set either Addresses or CloudID, not both")}
	case cfg.CloudID != "":
		node, err := discovery.ParseCloudID(cfg.CloudID)
		if err != nil {
			return nil, "", err
		}
		return []*rt.Node{node}, "", nil
	case len(cfg.Addresses) > 0:
		seeds, err := discovery.Seeds(cfg.Addresses)
		return seeds, "Addresses", err
	}
	env := os.Getenv("ELASTICSEARCH_URL")
	if env == "" {
		seeds, err := discovery.Seeds([]string{"http://localhost:9200"})
		return seeds, "", err
	}
	seeds, err := discovery.Seeds(strings.Split(env, ","))
	return seeds, "ELASTICSEARCH_URL", fromEnvironment(err)
}

// fromEnvironment returns the error of discovery.Seeds, which names an
// entry of the list it parses Addresses[i], as an error of the entry
// ELASTICSEARCH_URL[i] that the list came from.
func fromEnvironment(err error) error {
	var ce *rt.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	return &rt.ConfigError{Field: "ELASTICSEARCH_URL" + strings.TrimPrefix(ce.Field, "Addresses"), Err: ce.Err}
}
