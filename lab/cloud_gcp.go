package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
	self, err := o.self()
	if err != nil {
		return err
	}
	creds := NewGCPCredentials()
	addrFile := cloudAddrFile(lab)
	if err := os.Remove(addrFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	argv := []string{self, "cloudmock", "serve", "--provider", "gcp", "--lab", lab, "--join", "--listen", "127.0.0.1:0", "--addr-file", addrFile}
	addr, err := runCloud(ctx, lab, argv, creds.AccountID+":"+creds.Credentials.Secret)
	if err != nil {
		return err
	}
	regions := cloudRegions(cp)
	creds.URL, creds.Region, creds.Regions = "http://"+addr+"/compute/v1/", regions[0], regions
	return WriteEndpoint(lab, gcpProvider, creds)
}
