package oci_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	cmoci "github.com/mcnlab/mcnlab/cloudmock/oci"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/oci"
)

const (
	owner   = "lab1"
	region  = "us-ashburn-1"
	tenancy = "ocid1.tenancy.oc1..aaaaaaaaprovidertest"
	user    = "ocid1.user.oc1..aaaaaaaaprovidertest"
)

// env is the emulated Core Services API (cloudmock/oci over the model,
// not realized) served in-process, a provider for owner made through
// cloud.New, and a log of the requests that change something.
type env struct {
	p     cloud.Provider
	cloud *model.Cloud
	ep    cloud.Endpoint
	key   *rsa.PrivateKey
	wire  *recorder
}

// testKey is one RSA key for every test (making one costs ~100 ms).
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func keyPEM(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := model.New()
	c.AddAccount(model.Account{ID: tenancy, Provider: model.ProviderOCI})
	k := testKey()
	u := cmoci.User{Tenancy: tenancy, User: user, Key: &k.PublicKey}
	wire := &recorder{next: cmoci.New(c, cmoci.Config{Region: region, Users: []cmoci.User{u}, PageSize: 3})}
	ts := httptest.NewServer(wire)
	t.Cleanup(ts.Close)
	e := &env{cloud: c, wire: wire, key: k,
		ep: cloud.Endpoint{URL: ts.URL, Region: region, AccountID: tenancy, Credentials: cloud.Credentials{KeyID: u.KeyID(), Secret: keyPEM(k)}}}
	e.p = e.provider(t, owner)
	return e
}

// provider makes a provider of the env's tenancy for an owner, as the
// controller makes one: by name, with credentials lab.
func (e *env) provider(t *testing.T, o string) cloud.Provider {
	t.Helper()
	p, err := cloud.New(context.Background(), oci.Name, cloud.Config{Owner: o, Region: region, Credentials: "lab", Endpoint: &e.ep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// vn is a virtual network client of the env's API, as a user reads it.
func (e *env) vn(t *testing.T) core.VirtualNetworkClient {
	t.Helper()
	prov, err := oci.LabConfig(&e.ep)
	if err != nil {
		t.Fatal(err)
	}
	c, err := core.NewVirtualNetworkClientWithConfigurationProvider(prov)
	if err != nil {
		t.Fatal(err)
	}
	c.Host = e.ep.URL
	return c
}

// recorder logs the requests that change something: "POST /20160918/vcns".
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	log  []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, q *http.Request) {
	if q.Method != http.MethodGet {
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

// desired is a transit VCN with a gateway and a spoke VCN with a gateway
// and a workload, as intent compiles a topology.
func desired() cloud.Desired {
	any4 := pfx("0.0.0.0/0")
	return cloud.Desired{Owner: owner,
		VPCs: []cloud.VPC{
			{Key: "transit-vpc", CIDR: pfx("10.10.0.0/16"), Region: region, Internet: true,
				Subnets: []cloud.Subnet{{Key: "transit-vpc/gw", CIDR: pfx("10.10.1.0/24")}}},
			{Key: "spoke-vpc", CIDR: pfx("10.1.0.0/16"), Region: region, Internet: true,
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

// get reads a pointer field of an SDK answer.
func get(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
