package gcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	compute "google.golang.org/api/compute/v1"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/gcp"
)

const (
	owner   = "lab1"
	region  = "us-central1"
	project = "proj-lab1"
	token   = "tok-lab1"
)

// env is the emulated Compute Engine API (cloudmock/gcp over the model,
// not realized) served in-process, a provider for owner made through
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
	c.AddAccount(model.Account{ID: project, Provider: model.ProviderGCP})
	wire := &recorder{next: cmgcp.New(c, cmgcp.Config{Tokens: map[string]string{token: project}, PageSize: 3})}
	ts := httptest.NewServer(wire)
	t.Cleanup(ts.Close)
	e := &env{cloud: c, wire: wire,
		ep: cloud.Endpoint{URL: ts.URL + "/compute/v1/", Region: region, AccountID: project, Credentials: cloud.Credentials{Secret: token}}}
	e.p = e.provider(t, owner)
	return e
}

// provider makes a provider of the env's project for an owner, as the
// controller makes one: by name, with credentials lab.
func (e *env) provider(t *testing.T, o string) cloud.Provider {
	t.Helper()
	p, err := cloud.New(context.Background(), gcp.Name, cloud.Config{Owner: o, Region: region, Credentials: "lab", Endpoint: &e.ep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// recorder logs the requests that change something: "POST /compute/v1/...",
// operation waits left out.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	log  []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, q *http.Request) {
	if q.Method != http.MethodGet && !strings.HasSuffix(q.URL.Path, "/wait") {
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

// desired is a transit network with a gateway and a spoke network (in
// another region) with a gateway and a workload, as intent compiles a
// topology.
func desired() cloud.Desired {
	any4 := pfx("0.0.0.0/0")
	return cloud.Desired{Owner: owner,
		VPCs: []cloud.VPC{
			{Key: "transit-vpc", CIDR: pfx("10.10.0.0/16"), Region: region, Internet: true,
				Subnets: []cloud.Subnet{{Key: "transit-vpc/gw", CIDR: pfx("10.10.1.0/24")}}},
			{Key: "spoke-vpc", CIDR: pfx("10.1.0.0/16"), Region: "europe-west1", Internet: true,
				Subnets: []cloud.Subnet{{Key: "spoke-vpc/gw", CIDR: pfx("10.1.0.0/24")}, {Key: "spoke-vpc/app", CIDR: pfx("10.1.1.0/24")}}},
		},
		SecurityGroups: []cloud.SecurityGroup{
			{Key: "transit-vpc/gateways", VPC: "transit-vpc", Ingress: []cloud.Rule{
				{Protocol: cloud.ProtocolUDP, FromPort: 51820, ToPort: 51827, Source: any4},
				{Protocol: cloud.ProtocolAll, Source: pfx("10.0.0.0/8")}}},
			{Key: "spoke-vpc/gateways", VPC: "spoke-vpc", Ingress: []cloud.Rule{{Protocol: cloud.ProtocolAll, Source: pfx("10.0.0.0/8")}}},
			{Key: "spoke-vpc/app1", VPC: "spoke-vpc", Ingress: []cloud.Rule{{Protocol: cloud.ProtocolICMP, FromPort: -1, ToPort: -1, Source: pfx("10.10.0.0/16")}}},
		},
		Instances: []cloud.Instance{
			{Key: "transit-1", VPC: "transit-vpc", Subnet: "transit-vpc/gw", PrivateIP: ip("10.10.1.10"), Image: cloud.ImageGateway,
				SecurityGroups: []string{"transit-vpc/gateways"}, PublicIP: true},
			{Key: "spoke-1", VPC: "spoke-vpc", Subnet: "spoke-vpc/gw", PrivateIP: ip("10.1.0.10"), Image: cloud.ImageGateway,
				SecurityGroups: []string{"spoke-vpc/gateways"}, PublicIP: true},
			{Key: "app1", VPC: "spoke-vpc", Subnet: "spoke-vpc/app", PrivateIP: ip("10.1.1.10"), Image: cloud.ImageWorkload,
				SecurityGroups: []string{"spoke-vpc/app1"}, SourceDestCheck: true},
		},
		Routes: []cloud.Route{
			{Subnet: "transit-vpc/gw", Destination: any4, Target: cloud.TargetInternet},
			{Subnet: "spoke-vpc/gw", Destination: any4, Target: cloud.TargetInternet},
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

// service is a client of the env's API, as a user reads it.
func (e *env) service(t *testing.T) *compute.Service {
	t.Helper()
	svc, err := gcp.LabService(context.Background(), &e.ep)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}
