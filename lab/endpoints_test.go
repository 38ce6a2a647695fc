package lab

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestEndpointsRoundTrip: the endpoint record is written 0600 and read
// back as written; WriteEndpoint keeps the other providers' endpoints.
func TestEndpointsRoundTrip(t *testing.T) {
	roottest.UseTempState(t)
	const lab = "ep1"
	if err := state.Create(&state.Lab{Name: lab}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEndpoint(lab, "aws"); err == nil || !os.IsNotExist(unwrapAll(err)) || !strings.Contains(err.Error(), "has no emulated cloud running") {
		t.Errorf("read of no record: %v", err)
	}
	aws := cloud.Endpoint{URL: "http://127.0.0.1:1", Region: "us-east-1", Regions: []string{"us-east-1", "eu-west-1"}, AccountID: AccountID,
		Credentials: cloud.Credentials{KeyID: "AKIAX", Secret: "s"}, CAFile: "/x/ca.pem"}
	other := cloud.Endpoint{URL: "https://127.0.0.1:2", Credentials: cloud.Credentials{KeyID: "client", Secret: "t"}}
	if err := WriteEndpoint(lab, "aws", aws); err != nil {
		t.Fatal(err)
	}
	if err := WriteEndpoint(lab, "azure", other); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(EndpointsFile(lab))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("record: %v, mode %v; want 0600", err, fi.Mode())
	}
	eps, err := ReadEndpoints(lab)
	if err != nil || !reflect.DeepEqual(eps, map[string]cloud.Endpoint{"aws": aws, "azure": other}) {
		t.Errorf("read back %+v, %v", eps, err)
	}
	if _, err := ReadEndpoint(lab, "gcp"); err == nil || !strings.Contains(err.Error(), "no emulated gcp cloud") {
		t.Errorf("read of an unrecorded provider: %v", err)
	}
}

// TestEndpointsLegacy: a lab deployed before the endpoint record (flat
// AWS fields, no version) is read as its AWS endpoint, so that it can be
// destroyed and its cloud restarted.
func TestEndpointsLegacy(t *testing.T) {
	roottest.UseTempState(t)
	const lab = "old1"
	if err := state.Create(&state.Lab{Name: lab}); err != nil {
		t.Fatal(err)
	}
	old := `{"url": "http://127.0.0.1:4566", "region": "us-east-1", "account_id": "111111111111", "access_key_id": "AKIAOLD", "secret_access_key": "sec"}`
	if err := os.WriteFile(EndpointsFile(lab), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := ReadEndpoint(lab, "aws")
	want := cloud.Endpoint{URL: "http://127.0.0.1:4566", Region: "us-east-1", AccountID: "111111111111", Credentials: cloud.Credentials{KeyID: "AKIAOLD", Secret: "sec"}}
	if err != nil || !reflect.DeepEqual(e, want) {
		t.Errorf("legacy record read as %+v, %v; want %+v", e, err, want)
	}
	if !IsCloudLab(lab) {
		t.Errorf("a lab with a legacy record is not a cloud lab")
	}
	if err := os.WriteFile(EndpointsFile(lab), []byte(`{"version": 9}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEndpoints(lab); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Errorf("record of a later version: %v", err)
	}
}

// unwrapAll returns the innermost error of a chain of single wraps.
func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

// TestCloudRegions: the endpoint record's regions are those of the
// accounts on the lab's cloud, the first account's home region first; an
// account with its own credentials adds none.
func TestCloudRegions(t *testing.T) {
	top, err := topologies.Parse("t.yaml", []byte(`name: regions
version: 1
accounts:
  a: {provider: aws}
  real: {provider: aws, credentials: env}
vpcs:
  v1: {account: a, region: us-west-2, cidr: 10.1.0.0/16, subnets: {s: 10.1.0.0/24}}
  v2: {account: a, region: eu-west-1, cidr: 10.2.0.0/16, subnets: {s: 10.2.0.0/24}}
  v3: {account: a, region: us-west-2, cidr: 10.3.0.0/16, subnets: {s: 10.3.0.0/24}}
  v4: {account: real, region: ap-south-1, cidr: 10.4.0.0/16, subnets: {s: 10.4.0.0/24}}
`))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := intent.Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	if got := cloudRegions(cp); !reflect.DeepEqual(got, []string{"us-west-2", "eu-west-1"}) {
		t.Errorf("regions %v, want us-west-2 then eu-west-1", got)
	}
}
