package azure_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// TestValidate: what Azure cannot hold is refused before any call, each
// problem naming its object.
func TestValidate(t *testing.T) {
	e := newEnv(t)
	d := desired()
	d.VPCs[1].Subnets[1].Key = "app"
	d.Instances[2].Subnet = "app"
	d.Instances[0].SecurityGroups = append(d.Instances[0].SecurityGroups, "transit-vnet/gateways")
	d.VPCs[0].PrivateLines = true
	d.VirtualInterfaces = []cloud.VirtualInterface{{Key: "dc1-vif", Connection: "dc1", VPC: "transit-vnet", VLAN: 100, ASN: 65100,
		CloudAddress: pfx("192.168.100.1/30"), CustomerAddress: pfx("192.168.100.2/30"), CloudASN: 64512}}
	_, err := e.p.Plan(context.Background(), d)
	for _, want := range []string{
		"subnet app: an Azure subnet's key is its VNet's key, '/' and a subnet name",
		"instance transit-1: 2 security groups, but an Azure network interface has one network security group",
		"virtual interface dc1-vif: CloudASN 64512, but Microsoft's side of an ExpressRoute private peering is AS 12076",
		"virtual interface dc1-vif: addresses 192.168.100.2/30 (customer) and 192.168.100.1/30 (Microsoft) are not the first and second usable addresses of a /30",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("plan: %v\nwant %q", err, want)
		}
	}
	if w := e.wire.writes(); len(w) != 0 {
		t.Errorf("a refused plan wrote %v", w)
	}
}

// TestNameTakenByAnother: a name another owner's object has in the
// resource group is refused, naming it, instead of being taken over by a PUT.
func TestNameTakenByAnother(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	theirs := cloud.Desired{Owner: "lab2", VPCs: []cloud.VPC{{Key: "spoke-vnet", CIDR: pfx("10.50.0.0/16"), Region: region, Group: "rg-spoke"}}}
	if _, _, err := e.provider(t, "lab2").Apply(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.p.Apply(ctx, desired())
	if err == nil || !strings.Contains(err.Error(), "spoke-vnet: virtualNetworks spoke-vnet in resource group rg-spoke is not owner lab1's") {
		t.Fatalf("apply over another's VNet: %v", err)
	}
}

// TestDestroyLeavesNothing: applying an empty desired state deletes every
// object of the owner, the resource groups it made included.
func TestDestroyLeavesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	_, made, err := e.p.Apply(ctx, cloud.Desired{Owner: owner})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(actions(made), "\n"); !strings.HasSuffix(got, "Microsoft.Resources resourceGroups/delete rg-spoke\nMicrosoft.Resources resourceGroups/delete rg-transit") {
		t.Errorf("destroy made:\n%s\nwant the resource groups deleted last", got)
	}
	inv, err := e.p.Observe(ctx)
	if err != nil || len(inv.VPCs)+len(inv.Subnets)+len(inv.RouteTables)+len(inv.Groups)+len(inv.Instances) != 0 {
		t.Errorf("after destroy: %+v, %v", inv, err)
	}
	if n := len(e.cloud.Networks(sub)); n != 0 {
		t.Errorf("the cloud holds %d networks after destroy", n)
	}
	if n := len(e.cloud.Instances(sub)); n != 0 {
		t.Errorf("the cloud holds %d VMs after destroy", n)
	}
}

// TestCredentials: credentials lab need the lab's HTTPS endpoint; others
// than lab and env are refused.
func TestCredentials(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		cfg  cloud.Config
		want string
	}{
		{cloud.Config{Owner: owner, Credentials: "lab"}, "credentials lab need the lab's emulated Azure"},
		{cloud.Config{Owner: owner, Credentials: "lab", Endpoint: &cloud.Endpoint{URL: "http://127.0.0.1:1"}}, "ARM takes bearer tokens over HTTPS only"},
		{cloud.Config{Owner: owner, Credentials: "profile:x"}, `credentials "profile:x": want lab or env`},
	} {
		if _, err := cloud.New(ctx, "azure", c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
	t.Setenv("AZURE_SUBSCRIPTION_ID", "")
	if _, err := cloud.New(ctx, "azure", cloud.Config{Owner: owner, Credentials: "env"}); err == nil || !strings.Contains(err.Error(), "AZURE_SUBSCRIPTION_ID") {
		t.Errorf("env without a subscription: %v", err)
	}
}
