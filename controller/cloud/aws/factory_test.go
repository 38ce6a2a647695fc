package aws_test

import (
	"encoding/pem"
	"net/http/httptest"
	"strings"
	"testing"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
)

// TestFactoryLabEndpointOverTLS: the registered factory makes a
// multi-region provider for credentials lab from an endpoint record; an
// HTTPS endpoint is trusted through the record's CA and refused without
// it.
func TestFactoryLabEndpointOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(cmaws.New(model.New(), cmaws.Config{Region: region, Credentials: []cmaws.Credential{cred}}))
	t.Cleanup(srv.Close)
	ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	ep := cloud.Endpoint{URL: srv.URL, Region: region, AccountID: cred.AccountID,
		Credentials: cloud.Credentials{KeyID: cred.AccessKeyID, Secret: cred.SecretAccessKey}, CAPEM: ca}
	d := cloud.Desired{Owner: owner, VPCs: []cloud.VPC{{Key: "v", CIDR: pfx("10.1.0.0/16")}}}
	p, err := cloud.New(ctx, aws.Name, cloud.Config{Owner: owner, Region: region, Credentials: "lab", Endpoint: &ep, Known: d})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if c := p.Capabilities(); !c.MultiRegion || !c.PrivateLines || !c.StaticPublicAddresses {
		t.Errorf("capabilities %+v", c)
	}
	if _, _, err := p.Apply(ctx, d); err != nil {
		t.Fatalf("apply over TLS with the CA: %v", err)
	}
	inv, err := p.Observe(ctx)
	if err != nil || inv.VPCs["v"] == "" {
		t.Errorf("observe: %v, %v", inv.VPCs, err)
	}
	ep.CAPEM = ""
	bare, err := cloud.New(ctx, aws.Name, cloud.Config{Owner: owner, Region: region, Credentials: "lab", Endpoint: &ep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Observe(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("observe over TLS without the CA: %v; want a certificate error", err)
	}
}

// TestFactoryErrors: an unknown provider, lab credentials without an
// endpoint and unknown credentials are refused before any call.
func TestFactoryErrors(t *testing.T) {
	if _, err := cloud.New(ctx, "nosuch", cloud.Config{}); err == nil || err.Error() != "provider nosuch is not supported (aws is)" {
		t.Errorf("unknown provider: %v", err)
	}
	if _, err := cloud.New(ctx, aws.Name, cloud.Config{Credentials: "lab"}); err == nil || !strings.Contains(err.Error(), "need the lab's emulated cloud") {
		t.Errorf("lab credentials without an endpoint: %v", err)
	}
	if _, err := cloud.New(ctx, aws.Name, cloud.Config{Credentials: "vault"}); err == nil || !strings.Contains(err.Error(), "want lab, env or profile:NAME") {
		t.Errorf("unknown credentials: %v", err)
	}
}
