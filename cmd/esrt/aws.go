package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/contrib/aws/sigv4"
)

// signAWS adds SigV4 signing for region and service to cfg, with the
// credentials of the default AWS chain (environment, shared files, IAM
// role).
func signAWS(ctx context.Context, cfg *esrt.Config, region, service string) error {
	if region == "" {
		if service != "" {
			return errors.New("--aws-service needs --aws-region")
		}
		return nil
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return fmt.Errorf("loading AWS credentials: %w", err)
	}
	cfg.AttemptMiddleware = append(cfg.AttemptMiddleware, sigv4.Middleware(sigv4.Config{
		Credentials: awsCfg.Credentials,
		Region:      region,
		Service:     service,
	}))
	return nil
}
