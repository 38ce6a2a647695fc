package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"

	cmazure "github.com/mcnlab/mcnlab/cloudmock/azure"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// azureProvider names the Azure endpoint in the lab's record.
const azureProvider = string(topologies.ProviderAzure)

// NewGUID is a random GUID (version 4), the form of Azure's subscription,
// tenant and application IDs.
func NewGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	x := hex.EncodeToString(b[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// NewAzureCredentials makes the endpoint record of a lab subscription: a
// random subscription ID, and a service principal (a random client ID
// and secret) that may use it, of the lab's tenant; the URL and regions
// are the caller's to fill.
func NewAzureCredentials() cloud.Endpoint {
	secret := make([]byte, 24)
	_, _ = rand.Read(secret) // never fails (crypto/rand)
	return cloud.Endpoint{AccountID: NewGUID(), Tenant: cmazure.LabTenant,
		Credentials: cloud.Credentials{KeyID: NewGUID(), Secret: hex.EncodeToString(secret)}}
}

// labProviders reports which providers the plan's accounts on the lab's
// cloud (credentials lab) use.
func labProviders(cp *intent.Plan) map[string]bool {
	out := map[string]bool{}
	for _, a := range cp.Accounts {
		if c := a.Account.Credentials; c == "" || c == "lab" {
			out[string(a.Account.Provider)] = true
		}
	}
	return out
}

// startAzureCloud starts the lab's emulated Azure (`mcnlab cloudmock
// serve --provider azure --lab LAB --join`) with a new subscription and
// service principal, passed in its environment, records its endpoint
// (HTTPS with the lab's CA, the lab's tenant) and waits until it
// listens. The lab's sites' lines and internet are AWS's (not served
// for Azure yet).
func startAzureCloud(ctx context.Context, lab string, cp *intent.Plan, o Options) error {
	return startAzureCloudAs(ctx, lab, cp, NewAzureCredentials(), "127.0.0.1:0", o)
}

// restartAzureCloud is RestartCloud for a lab whose cloud is Azure's: on
// its state file, with the subscription, service principal and address
// it had.
func restartAzureCloud(ctx context.Context, lab string, cp *intent.Plan, o Options) error {
	prev, err := ReadEndpoint(lab, azureProvider)
	if err != nil {
		return err
	}
	u, err := url.Parse(prev.URL)
	if err != nil || u.Host == "" || prev.Credentials.KeyID == "" {
		return fmt.Errorf("restart the cloud of lab %s: %s records no address and principal (%q)", lab, EndpointsFile(lab), prev.URL)
	}
	return startAzureCloudAs(ctx, lab, cp, prev, u.Host, o)
}

// startAzureCloudAs is startAzureCloud with the subscription, principal
// and address given. The cloud keeps its model in the lab's
// CloudStateFile, as the AWS cloud does.
func startAzureCloudAs(ctx context.Context, lab string, cp *intent.Plan, creds cloud.Endpoint, listen string, o Options) error {
	self, err := o.self()
	if err != nil {
		return err
	}
	addrFile := cloudAddrFile(lab)
	if err := os.Remove(addrFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	regions := cloudRegions(cp)
	argv := []string{self, "cloudmock", "serve", "--provider", "azure", "--lab", lab, "--join", "--listen", listen,
		"--addr-file", addrFile, "--region", regions[0], "--state", CloudStateFile(lab)}
	if cp.Topology.Internet != nil {
		argv = append(argv, "--internet", TopologyFile(lab)) // its servers and the VNets' resolvers (168.63.129.16)
	}
	argv = append(argv, uplinkArgs(lab, cp)...) // sites by tunnel reach the gateways' public IPs
	addr, err := runCloud(ctx, lab, argv, accountsOf(creds))
	if err != nil {
		return err
	}
	creds.URL, creds.Region, creds.Regions, creds.CAFile = "https://"+addr, regions[0], regions, CAFile(lab)
	return WriteEndpoint(lab, azureProvider, creds)
}
