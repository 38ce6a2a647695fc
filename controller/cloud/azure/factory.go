package azure

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	azcloud "github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// Name is the name the provider registers under, as topologies name it.
const Name = "azure"

func init() { cloud.Register(Name, NewFromConfig) }

// armAudience is the audience of ARM's tokens in Azure's public cloud,
// which the lab's ARM takes too (cloud-clients.md §1.2).
const armAudience = "https://management.core.windows.net/"

// SubscriptionEnv is the environment variable that names the subscription
// of an account with credentials env.
const SubscriptionEnv = "AZURE_SUBSCRIPTION_ID"

// NewFromConfig is the provider's cloud.Factory: against the lab's
// endpoint c.Endpoint for credentials "lab" (its URL for ARM and the
// identity endpoint, its service principal, its CA), and against real
// Azure with azidentity's default chain for "env" (the subscription from
// AZURE_SUBSCRIPTION_ID). c.Region is the home region.
func NewFromConfig(ctx context.Context, c cloud.Config) (cloud.Provider, error) {
	switch c.Credentials {
	case "", "lab":
		cred, opts, err := LabClient(c.Endpoint)
		if err != nil {
			return nil, err
		}
		return New(c.Endpoint.AccountID, c.Region, c.Owner, cred, opts, WithPollFrequency(pollFloor))
	case "env":
		sub := os.Getenv(SubscriptionEnv)
		if sub == "" {
			return nil, fmt.Errorf("credentials env: set %s to the subscription's ID", SubscriptionEnv)
		}
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("load Azure credentials (env): %w", err)
		}
		return New(sub, c.Region, c.Owner, cred, nil)
	}
	return nil, fmt.Errorf("credentials %q: want lab or env", c.Credentials)
}

// pollFloor is the least interval the SDK's pollers take; the lab's ARM
// answers Retry-After: 0, which they follow instead.
const pollFloor = time.Second

// LabClient is the credential and client options that call the lab's
// emulated ARM e: its URL for ARM and as the identity authority (a
// client-secret credential of its service principal, instance discovery
// off), and an HTTP client that trusts e's CA alone. It reads nothing
// from the environment, so that a user's Azure settings cannot point the
// lab's controller elsewhere.
func LabClient(e *cloud.Endpoint) (azcore.TokenCredential, *arm.ClientOptions, error) {
	if e == nil || e.URL == "" {
		return nil, nil, fmt.Errorf("credentials lab need the lab's emulated Azure")
	}
	if !strings.HasPrefix(e.URL, "https://") {
		return nil, nil, fmt.Errorf("the lab's Azure at %s: ARM takes bearer tokens over HTTPS only", e.URL)
	}
	pool, err := e.CAPool()
	if err != nil {
		return nil, nil, err
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	copts := policy.ClientOptions{
		Cloud: azcloud.Configuration{ActiveDirectoryAuthorityHost: e.URL + "/",
			Services: map[azcloud.ServiceName]azcloud.ServiceConfiguration{
				azcloud.ResourceManager: {Endpoint: e.URL, Audience: armAudience}}},
		Transport: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, Proxy: nil}},
		Retry:     policy.RetryOptions{MaxRetries: 2},
	}
	tenant := e.Tenant
	if tenant == "" {
		tenant = "adfs"
	}
	cred, err := azidentity.NewClientSecretCredential(tenant, e.Credentials.KeyID, e.Credentials.Secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: copts, DisableInstanceDiscovery: true})
	if err != nil {
		return nil, nil, fmt.Errorf("credential of the lab's Azure: %w", err)
	}
	return cred, &arm.ClientOptions{ClientOptions: copts}, nil
}
