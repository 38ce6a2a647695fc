package oci_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/identity"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/oci"
)

// inCompartment makes a provider of the env's tenancy for owner working
// in compartment comp, as the controller makes one for an account with
// compartment: in the topology.
func (e *env) inCompartment(t *testing.T, comp string) cloud.Provider {
	t.Helper()
	p, err := cloud.New(context.Background(), oci.Name, cloud.Config{Owner: owner, Region: region, Credentials: "lab", Endpoint: &e.ep, Compartment: comp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// clients are an identity and a compute client of the env's API, as a
// user reads it with the OCI Go SDK.
func (e *env) clients(t *testing.T) (identity.IdentityClient, core.ComputeClient) {
	t.Helper()
	prov, err := oci.LabConfig(&e.ep)
	if err != nil {
		t.Fatal(err)
	}
	id, err := identity.NewIdentityClientWithConfigurationProvider(prov)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := core.NewComputeClientWithConfigurationProvider(prov)
	if err != nil {
		t.Fatal(err)
	}
	id.Host, cc.Host = e.ep.URL, e.ep.URL
	return id, cc
}

// TestCompartmentFromTopology: a provider for an account with
// compartment: mcnlab-prod plans the compartment first (CreateCompartment
// under the root, the VCNs in <mcnlab-prod>) and writes nothing; apply
// makes it through the Identity API and everything else in it, which the
// OCI Go SDK reads back listing by that compartment (and finds none of it
// in the root); another provider of the same name finds it and has
// nothing to do, as does one given its OCID; a name taken is 409
// CompartmentAlreadyExists; an OCID the tenancy lacks is 404.
func TestCompartmentFromTopology(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.inCompartment(t, "mcnlab-prod")
	calls, err := p.Plan(ctx, desired())
	if err != nil {
		t.Fatal(err)
	}
	got := callStrings(calls)
	if len(got) != len(wantPlan)+1 || got[0] != "identity CreateCompartment mcnlab-prod compartmentId="+tenancy ||
		got[1] != "core CreateVcn transit-vpc cidrBlocks=[10.10.0.0/16] compartmentId=<mcnlab-prod>" {
		t.Fatalf("plan:\n%s", strings.Join(got, "\n"))
	}
	if w := e.wire.writes(); len(w) != 0 {
		t.Fatalf("plan wrote: %v", w)
	}
	inv, made, err := p.Apply(ctx, desired())
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != len(wantPlan)+1 || made[0].Action != "CreateCompartment" {
		t.Fatalf("apply made %v", callStrings(made))
	}
	id, cc := e.clients(t)
	list, err := id.ListCompartments(ctx, identity.ListCompartmentsRequest{CompartmentId: common.String(tenancy), Name: common.String("mcnlab-prod")})
	if err != nil || len(list.Items) != 1 || list.Items[0].LifecycleState != identity.CompartmentLifecycleStateActive {
		t.Fatalf("compartments named mcnlab-prod: %+v, %v", list.Items, err)
	}
	comp := *list.Items[0].Id
	if got := e.inCompartmentCounts(t, comp); got != "vcns 2 subnets 3 nsgs 3 igws 2 instances 3 publicips 2" {
		t.Errorf("in compartment %s: %s", comp, got)
	}
	if got := e.inCompartmentCounts(t, tenancy); got != "vcns 0 subnets 0 nsgs 0 igws 0 instances 0 publicips 0" {
		t.Errorf("in the root compartment: %s", got)
	}
	ins, err := cc.ListInstances(ctx, core.ListInstancesRequest{CompartmentId: &comp})
	if err != nil || !slices.ContainsFunc(ins.Items, func(i core.Instance) bool { return *i.Id == inv.Instances["app1"].ID }) {
		t.Errorf("app1 (%s) not among the compartment's instances: %v", inv.Instances["app1"].ID, err)
	}
	for _, spec := range []string{"mcnlab-prod", comp} {
		if _, made, err := e.inCompartment(t, spec).Apply(ctx, desired()); err != nil || len(made) != 0 {
			t.Errorf("apply again in %s: %v, made %v; want nothing", spec, err, callStrings(made))
		}
	}
	if w := e.wire.writes(); slices.Contains(w, "POST /20160918/compartments") && len(w) != len(wantPlan)+1 {
		t.Errorf("writes: %v", w)
	}
	noRetry := common.NoRetryPolicy()
	_, err = id.CreateCompartment(ctx, identity.CreateCompartmentRequest{CreateCompartmentDetails: identity.CreateCompartmentDetails{
		CompartmentId: common.String(tenancy), Name: common.String("mcnlab-prod"), Description: common.String("again")},
		RequestMetadata: common.RequestMetadata{RetryPolicy: &noRetry}})
	if se, ok := common.IsServiceError(err); !ok || se.GetHTTPStatusCode() != http.StatusConflict || se.GetCode() != "CompartmentAlreadyExists" {
		t.Errorf("a second mcnlab-prod: %v; want 409 CompartmentAlreadyExists", err)
	}
	_, err = e.inCompartment(t, "ocid1.compartment.oc1..nosuchone").Plan(ctx, desired())
	if se := common.ServiceError(nil); !errors.As(err, &se) || se.GetHTTPStatusCode() != http.StatusNotFound || se.GetCode() != "NotAuthorizedOrNotFound" {
		t.Errorf("plan in a compartment the tenancy lacks: %v; want 404", err)
	}
}

// inCompartmentCounts counts what the OCI Go SDK lists in compartment
// comp.
func (e *env) inCompartmentCounts(t *testing.T, comp string) string {
	t.Helper()
	ctx := context.Background()
	vn := e.vn(t)
	_, cc := e.clients(t)
	limit := common.Int(1000)
	vcns, err1 := vn.ListVcns(ctx, core.ListVcnsRequest{CompartmentId: &comp, Limit: limit})
	subs, err2 := vn.ListSubnets(ctx, core.ListSubnetsRequest{CompartmentId: &comp, Limit: limit})
	nsgs, err3 := vn.ListNetworkSecurityGroups(ctx, core.ListNetworkSecurityGroupsRequest{CompartmentId: &comp, Limit: limit})
	igws, err4 := vn.ListInternetGateways(ctx, core.ListInternetGatewaysRequest{CompartmentId: &comp, Limit: limit})
	ins, err5 := cc.ListInstances(ctx, core.ListInstancesRequest{CompartmentId: &comp, Limit: limit})
	pubs, err6 := vn.ListPublicIps(ctx, core.ListPublicIpsRequest{CompartmentId: &comp, Scope: core.ListPublicIpsScopeRegion, Limit: limit})
	for _, err := range []error{err1, err2, err3, err4, err5, err6} {
		if err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, i := range ins.Items {
		if i.LifecycleState != core.InstanceLifecycleStateTerminated {
			n++
		}
	}
	return strings.Join([]string{"vcns", strconv.Itoa(len(vcns.Items)), "subnets", strconv.Itoa(len(subs.Items)), "nsgs", strconv.Itoa(len(nsgs.Items)),
		"igws", strconv.Itoa(len(igws.Items)), "instances", strconv.Itoa(n), "publicips", strconv.Itoa(len(pubs.Items))}, " ")
}
