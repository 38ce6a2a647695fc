package aws

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// Name is the name the provider registers under, as topologies name it.
const Name = "aws"

func init() { cloud.Register(Name, NewFromConfig) }

// NewFromConfig is the provider's cloud.Factory: a Regional for the
// account, against the lab's endpoint c.Endpoint for credentials "lab"
// (its URL for every service, its static key, its CA for an HTTPS URL),
// and against real AWS with the SDK's default chain ("env") or a named
// profile ("profile:NAME") otherwise. c.Region is the home region; each
// VPC of c.Known, with what it holds, is made in its own region.
func NewFromConfig(ctx context.Context, c cloud.Config) (cloud.Provider, error) {
	creds := c.Credentials
	switch {
	case creds == "" || creds == "lab":
		cfg, err := LabConfig(c.Endpoint, c.Region)
		if err != nil {
			return nil, err
		}
		// The lab's record lists the regions its topology used: one
		// the topology left still holds the owner's objects.
		return NewRegional(cfg, c.Owner, c.Known).LookIn(c.Endpoint.AllRegions()...), nil
	case creds == "env" || strings.HasPrefix(creds, "profile:"):
		opts := []func(*config.LoadOptions) error{config.WithRegion(c.Region)}
		if p, ok := strings.CutPrefix(creds, "profile:"); ok {
			opts = append(opts, config.WithSharedConfigProfile(p))
		}
		cfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("load AWS credentials (%s): %w", creds, err)
		}
		cfg.HTTPClient = BufferedBody(cfg.HTTPClient)
		return NewRegional(cfg, c.Owner, c.Known), nil
	}
	return nil, fmt.Errorf("credentials %q: want lab, env or profile:NAME", creds)
}

// LabConfig is the SDK configuration that calls the endpoint e in region
// (e's home region when ""): e's URL for every service, e's static key,
// and, when e names a CA, an HTTP client that trusts it alone. It reads
// nothing from the environment, so that a user's AWS settings cannot
// point the lab's controller elsewhere.
func LabConfig(e *cloud.Endpoint, region string) (sdkaws.Config, error) {
	if e == nil || e.URL == "" {
		return sdkaws.Config{}, fmt.Errorf("credentials lab need the lab's emulated cloud")
	}
	if region == "" {
		region = e.Region
	}
	cfg := sdkaws.Config{Region: region, BaseEndpoint: sdkaws.String(e.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(e.Credentials.KeyID, e.Credentials.Secret, ""),
		RetryMaxAttempts: 3}
	pool, err := e.CAPool()
	if err != nil {
		return cfg, err
	}
	client := awshttp.NewBuildableClient()
	if pool != nil {
		client = client.WithTransportOptions(func(t *http.Transport) {
			t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		})
	}
	cfg.HTTPClient = BufferedBody(client)
	return cfg, nil
}
