package azure_test

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	cmazure "github.com/mcnlab/mcnlab/cloudmock/azure"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/azure"
)

const (
	owner  = "lab1"
	region = "eastus"
	tenant = "4d6c616e-6d63-4e6c-a162-00000000aaaa"
	sub    = "6a4e8c2b-1f3d-4e5a-9b7c-0d1e2f3a4b5c"
	app    = "11111111-2222-3333-4444-555555555555"
	secret = "s3cret"
)

// env is the emulated ARM (cloudmock/azure over the model, not realized)
// served in-process over TLS, a provider for owner made through
// cloud.New, and a log of the requests that change something.
type env struct {
	p     cloud.Provider
	cloud *model.Cloud
	ep    cloud.Endpoint
	wire  *recorder
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := model.New()
	c.AddAccount(model.Account{ID: sub, Provider: model.ProviderAzure})
	arm := cmazure.New(c, tenant, cmazure.Principal{ClientID: app, Secret: secret, Subscription: sub})
	wire := &recorder{next: arm}
	ts := httptest.NewTLSServer(wire)
	t.Cleanup(ts.Close)
	ep := cloud.Endpoint{URL: ts.URL, Region: region, AccountID: sub, Tenant: tenant,
		Credentials: cloud.Credentials{KeyID: app, Secret: secret},
		CAPEM:       string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}))}
	e := &env{cloud: c, ep: ep, wire: wire}
	e.p = e.provider(t, owner)
	return e
}

// provider makes a provider of the env's subscription for an owner, as
// the controller makes one: by name, with credentials lab.
func (e *env) provider(t *testing.T, o string) cloud.Provider {
	t.Helper()
	p, err := cloud.New(context.Background(), azure.Name, cloud.Config{Owner: o, Region: region, Credentials: "lab", Endpoint: &e.ep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// recorder logs the requests that are not reads: "PUT /subscriptions/...".
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	log  []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, q *http.Request) {
	if q.Method != http.MethodGet && q.Method != http.MethodHead && !strings.Contains(q.URL.Path, "/oauth2/") {
		r.mu.Lock()
		r.log = append(r.log, q.Method+" "+q.URL.Path)
		r.mu.Unlock()
	}
	r.next.ServeHTTP(w, q)
}

// writes returns the requests logged since the last call.
func (r *recorder) writes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.log
	r.log = nil
	return out
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

// desired is a transit VNet with a gateway and a spoke VNet with a
// gateway and a workload, as intent compiles a topology.
func desired() cloud.Desired {
	any4 := pfx("0.0.0.0/0")
	return cloud.Desired{Owner: owner,
		VPCs: []cloud.VPC{
			{Key: "transit-vnet", CIDR: pfx("10.10.0.0/16"), Region: region, Group: "rg-transit", Internet: true,
				Subnets: []cloud.Subnet{{Key: "transit-vnet/gw", CIDR: pfx("10.10.1.0/24")}}},
			{Key: "spoke-vnet", CIDR: pfx("10.1.0.0/16"), Region: "westeurope", Group: "rg-spoke", Internet: true,
				Subnets: []cloud.Subnet{{Key: "spoke-vnet/gw", CIDR: pfx("10.1.0.0/24")}, {Key: "spoke-vnet/app", CIDR: pfx("10.1.1.0/24")}}},
		},
		SecurityGroups: []cloud.SecurityGroup{
			{Key: "transit-vnet/gateways", VPC: "transit-vnet", Ingress: []cloud.Rule{
				{Protocol: cloud.ProtocolUDP, FromPort: 51820, ToPort: 51827, Source: any4},
				{Protocol: cloud.ProtocolAll, Source: pfx("10.0.0.0/8")}}},
			{Key: "spoke-vnet/gateways", VPC: "spoke-vnet", Ingress: []cloud.Rule{{Protocol: cloud.ProtocolAll, Source: pfx("10.0.0.0/8")}}},
			{Key: "spoke-vnet/app1", VPC: "spoke-vnet", Ingress: []cloud.Rule{{Protocol: cloud.ProtocolAll, Source: pfx("10.10.0.0/16")}}},
		},
		Instances: []cloud.Instance{
			{Key: "transit-1", VPC: "transit-vnet", Subnet: "transit-vnet/gw", PrivateIP: ip("10.10.1.10"), Image: cloud.ImageGateway,
				SecurityGroups: []string{"transit-vnet/gateways"}, PublicIP: true},
			{Key: "spoke-1", VPC: "spoke-vnet", Subnet: "spoke-vnet/gw", PrivateIP: ip("10.1.0.10"), Image: cloud.ImageGateway,
				SecurityGroups: []string{"spoke-vnet/gateways"}, PublicIP: true},
			{Key: "app1", VPC: "spoke-vnet", Subnet: "spoke-vnet/app", PrivateIP: ip("10.1.1.10"), Image: cloud.ImageWorkload,
				SecurityGroups: []string{"spoke-vnet/app1"}, SourceDestCheck: true},
		},
		Routes: []cloud.Route{
			{Subnet: "transit-vnet/gw", Destination: any4, Target: cloud.TargetInternet},
			{Subnet: "spoke-vnet/gw", Destination: any4, Target: cloud.TargetInternet},
		},
	}
}

func callStrings(calls []cloud.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.String()
	}
	return out
}
