package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// gcpProvider names the GCP endpoint in the lab's record.
const gcpProvider = string(topologies.ProviderGCP)

// NewGCPCredentials makes the endpoint record of a lab project: a random
// project ID (mcnlab-8 hex digits, a GCP project ID's form) and bearer
// token; the URL and regions are the caller's to fill.
func NewGCPCredentials() cloud.Endpoint {
	b := make([]byte, 28)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return cloud.Endpoint{AccountID: "mcnlab-" + hex.EncodeToString(b[:4]), Credentials: cloud.Credentials{Secret: hex.EncodeToString(b[4:])}}
}

// startGCPCloud starts the lab's emulated GCP (`mcnlab cloudmock serve
// --provider gcp --lab LAB --join`) with a new project and token, passed
// in its environment as PROJECT:TOKEN, records its endpoint (its Compute
// Engine URL, the regions of the plan's VPCs) and waits until it listens.
// The cloud writes the token file that `mcnlab cloudmock env --provider
// gcp` points gcloud at.
func startGCPCloud(ctx context.Context, lab string, cp *intent.Plan, o Options) error {
	return startGCPCloudAs(ctx, lab, cp, NewGCPCredentials(), "127.0.0.1:0", o)
}

// restartGCPCloud is RestartCloud for a lab whose cloud is GCP's: on its
// state file, with the project, token and address it had.
func restartGCPCloud(ctx context.Context, lab string, cp *intent.Plan, o Options) error {
	prev, err := ReadEndpoint(lab, gcpProvider)
	if err != nil {
		return err
	}
	u, err := url.Parse(prev.URL)
	if err != nil || u.Host == "" || prev.AccountID == "" || prev.Credentials.Secret == "" {
		return fmt.Errorf("restart the cloud of lab %s: %s records no address, project and token (%q)", lab, EndpointsFile(lab), prev.URL)
	}
	return startGCPCloudAs(ctx, lab, cp, prev, u.Host, o)
}

// startGCPCloudAs is startGCPCloud with the project, token and address
// given. The cloud keeps its model in the lab's CloudStateFile, as the
// AWS and Azure clouds do.
func startGCPCloudAs(ctx context.Context, lab string, cp *intent.Plan, creds cloud.Endpoint, listen string, o Options) error {
	self, err := o.self()
	if err != nil {
		return err
	}
	addrFile := cloudAddrFile(lab)
	if err := os.Remove(addrFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	argv := []string{self, "cloudmock", "serve", "--provider", "gcp", "--lab", lab, "--join", "--listen", listen, "--addr-file", addrFile,
		"--state", CloudStateFile(lab)}
	argv = append(argv, internetArgs(lab, cp)...)                        // its servers and the networks' resolvers (169.254.169.254)
	argv = append(argv, uplinkArgs(lab, cp)...)                          // sites by tunnel reach the gateways' external IPs
	argv = append(argv, circuitArgs(lab, cp, topologies.ProviderGCP)...) // private lines: the project's interconnects
	addr, err := runCloud(ctx, lab, argv, creds.AccountID+":"+creds.Credentials.Secret)
	if err != nil {
		return err
	}
	regions := cloudRegions(cp)
	creds.URL, creds.Region, creds.Regions = "http://"+addr+"/compute/v1/", regions[0], regions
	return WriteEndpoint(lab, gcpProvider, creds)
}
