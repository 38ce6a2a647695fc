package oci

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/identity"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// Name is the name the provider registers under, as topologies name it.
const Name = "oci"

func init() { cloud.Register(Name, NewFromConfig) }

// CompartmentEnv is the environment variable that names the compartment
// of an account with credentials env (the tenancy's root compartment
// without it).
const CompartmentEnv = "OCI_COMPARTMENT_ID"

// NewFromConfig is the provider's cloud.Factory: against the lab's
// endpoint c.Endpoint for credentials "lab" (its Core Services URL, its
// tenancy, and the user's key ID and PEM private key as the credentials),
// and against real OCI with the OCI config file for "env" (OCI_CONFIG_FILE
// and OCI_CLI_PROFILE, else ~/.oci/config's DEFAULT profile). c.Region is
// the region. c.Compartment, when set, is the compartment it works in
// (InCompartment), under the tenancy's root (with env, in place of
// OCI_COMPARTMENT_ID).
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/sdkconfig.htm — the SDK and CLI configuration file
func NewFromConfig(ctx context.Context, c cloud.Config) (cloud.Provider, error) {
	switch c.Credentials {
	case "", "lab":
		prov, err := LabConfig(c.Endpoint)
		if err != nil {
			return nil, err
		}
		return newWith(prov, c.Endpoint.AccountID, c.Region, c.Owner, c.Endpoint.URL, InCompartment(c.Compartment))
	case "env":
		prov := common.DefaultConfigProvider()
		if f := os.Getenv("OCI_CONFIG_FILE"); f != "" {
			var err error
			if prov, err = common.ConfigurationProviderFromFileWithProfile(f, os.Getenv("OCI_CLI_PROFILE"), ""); err != nil {
				return nil, fmt.Errorf("load OCI config (env): %w", err)
			}
		}
		tenancy, err := prov.TenancyOCID()
		if err != nil {
			return nil, fmt.Errorf("load OCI config (env): %w", err)
		}
		compartment := os.Getenv(CompartmentEnv)
		if compartment == "" || c.Compartment != "" {
			compartment = tenancy
		}
		return newWith(prov, compartment, c.Region, c.Owner, "", InCompartment(c.Compartment))
	}
	return nil, fmt.Errorf("credentials %q: want lab or env", c.Credentials)
}

// LabConfig is the SDK configuration of the lab's emulated OCI e: its
// tenancy, the user and key fingerprint of its key ID
// (TENANCY/USER/FINGERPRINT) and its PEM private key (the secret). It
// reads nothing from the environment, so that a user's OCI settings
// cannot point the lab's controller elsewhere.
func LabConfig(e *cloud.Endpoint) (common.ConfigurationProvider, error) {
	if e == nil || e.URL == "" || e.AccountID == "" {
		return nil, fmt.Errorf("credentials lab need the lab's emulated OCI")
	}
	parts := strings.SplitN(e.Credentials.KeyID, "/", 3)
	if len(parts) != 3 || parts[0] != e.AccountID || e.Credentials.Secret == "" {
		return nil, fmt.Errorf("the lab's OCI at %s: want a key ID TENANCY/USER/FINGERPRINT of tenancy %s and a PEM private key", e.URL, e.AccountID)
	}
	return common.NewRawConfigurationProvider(parts[0], parts[1], e.Region, parts[2], e.Credentials.Secret, nil), nil
}

// newWith makes the SDK's clients of prov (at host, where given: the
// lab's endpoint) and the provider on them.
func newWith(prov common.ConfigurationProvider, compartment, region, owner, host string, options ...Option) (*Provider, error) {
	vn, err := core.NewVirtualNetworkClientWithConfigurationProvider(prov)
	if err != nil {
		return nil, fmt.Errorf("OCI virtual network client: %w", err)
	}
	cc, err := core.NewComputeClientWithConfigurationProvider(prov)
	if err != nil {
		return nil, fmt.Errorf("OCI compute client: %w", err)
	}
	id, err := identity.NewIdentityClientWithConfigurationProvider(prov)
	if err != nil {
		return nil, fmt.Errorf("OCI identity client: %w", err)
	}
	for _, b := range []*common.BaseClient{&vn.BaseClient, &cc.BaseClient, &id.BaseClient} {
		if host != "" {
			// cloud-clients.md: the Go SDK takes the endpoint as the
			// client's Host.
			b.Host = strings.TrimSuffix(host, "/")
			b.HTTPClient = counted{next: &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: cloud.ParallelOps}}}
		} else {
			b.HTTPClient = counted{next: b.HTTPClient}
		}
	}
	if region != "" && host == "" {
		vn.SetRegion(region)
		cc.SetRegion(region)
		id.SetRegion(region)
	}
	return New(compartment, region, owner, vn, cc, id, options...), nil
}

// counted counts each request the SDK sends (cloud.CountCall).
type counted struct{ next common.HTTPRequestDispatcher }

// Do sends r.
func (c counted) Do(r *http.Request) (*http.Response, error) {
	cloud.CountCall(Name)
	return c.next.Do(r)
}
