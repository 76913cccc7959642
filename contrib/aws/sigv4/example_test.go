package sigv4_test

import (
	"context"
	"log"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/contrib/aws/sigv4"
	"github.com/esrt-dev/esrt/rt"
)

// Amazon OpenSearch Service: every attempt signed with SigV4, with the
// credentials of the default AWS chain (environment, shared config and
// credentials files, IAM role of the instance, task or function).
func Example_openSearchService() {
	awsCfg, err := config.LoadDefaultConfig(context.Background()) // reads AWS_REGION, AWS_PROFILE, ...
	if err != nil {
		log.Fatal(err)
	}
	signer, err := sigv4.New(sigv4.Config{
		Credentials: awsCfg.Credentials, // cached, refreshed before they expire
		Region:      awsCfg.Region,
	})
	if err != nil {
		log.Fatal(err) // a *rt.ConfigError: no region, or no credentials
	}
	tr, err := esrt.New(esrt.Config{
		Addresses:         []string{"https://search-my-domain-abc123.eu-west-1.es.amazonaws.com"},
		AttemptMiddleware: []rt.Middleware{signer}, // signs each attempt, retries too
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()

	client := &http.Client{Transport: tr}
	res, err := client.Get("https://es/_cluster/health")
	if err != nil {
		log.Fatal(err) // an *rt.LocalError if signing failed: nothing was sent
	}
	defer res.Body.Close()
}

// Amazon OpenSearch Serverless: the same with the service "aoss" and the
// collection's endpoint.
func Example_serverless() {
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	tr, err := esrt.New(esrt.Config{
		Addresses: []string{"https://abc123def456.eu-west-1.aoss.amazonaws.com"},
		AttemptMiddleware: []rt.Middleware{sigv4.Middleware(sigv4.Config{
			Credentials: awsCfg.Credentials,
			Region:      awsCfg.Region,
			Service:     sigv4.ServiceServerless,
		})},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
}
