package controller

import (
	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mcnlab/mcnlab/controller/cloud"
	awsprov "github.com/mcnlab/mcnlab/controller/cloud/aws"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// NewProvider returns the SDK client of an account: against the lab's
// emulated cloud lc for credentials "lab", and against the real cloud with
// the SDK's default chain ("env") or a named profile ("profile:NAME")
// otherwise. owner tags what it creates. a.Region is the account's home
// region; each VPC of a.Desired, with what it holds, is made in its own
// region (awsprov.Regional).
func NewProvider(ctx context.Context, a intent.Account, owner string, lc *LabCloud) (cloud.Provider, error) {
	if a.Account.Provider != topologies.ProviderAWS {
		return nil, fmt.Errorf("provider %s is not supported (aws is)", a.Account.Provider)
	}
	creds := a.Account.Credentials
	switch {
	case creds == "" || creds == "lab":
		if lc == nil || lc.URL == "" {
			return nil, fmt.Errorf("credentials lab need the lab's emulated cloud")
		}
		cfg := sdkaws.Config{Region: a.Region, BaseEndpoint: sdkaws.String(lc.URL),
			Credentials:      credentials.NewStaticCredentialsProvider(lc.AccessKeyID, lc.SecretAccessKey, ""),
			RetryMaxAttempts: 3}
		return awsprov.NewRegional(cfg, owner, a.Desired), nil
	case creds == "env" || strings.HasPrefix(creds, "profile:"):
		opts := []func(*config.LoadOptions) error{config.WithRegion(a.Region)}
		if p, ok := strings.CutPrefix(creds, "profile:"); ok {
			opts = append(opts, config.WithSharedConfigProfile(p))
		}
		cfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("load AWS credentials (%s): %w", creds, err)
		}
		return awsprov.NewRegional(cfg, owner, a.Desired), nil
	}
	return nil, fmt.Errorf("credentials %q: want lab, env or profile:NAME", creds)
}
