package realize

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// The plan of an Azure subnet, without root: its table holds the active
// effective routes (the VNet thrown to the local table, the internet over
// the router's own internet link, None as blackholes) and a user-defined
// route to the virtual network gateway goes over the gateway's private
// line (ExpressRoute private peering on the lab's circuit).
func TestPlanAzureSystemRoutes(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: azSub, Provider: model.ProviderAzure})
	must[model.Scope](t)(c.CreateScope(azSub, model.Place{Region: "eastus", Name: "rg"}, nil))
	circuit := Circuit{Name: "er1", Account: azSub, Region: "eastus", Namespace: "mcn-t-site", Interface: "er0"}
	circuits, err := provisionCircuits(c, Options{Lab: "t", Circuits: []Circuit{circuit}})
	if err != nil {
		t.Fatal(err)
	}
	conn := c.DXConnections(azSub)[0]
	v := must[model.Network](t)(c.CreateNetworkAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "v"}, netip.MustParsePrefix("10.0.0.0/16"), nil))
	sub := must[model.Subnet](t)(c.CreateSubnetAt(azSub, v.ID, model.Place{Scope: "rg/v", Name: "s"}, netip.MustParsePrefix("10.0.1.0/24"), "", nil))
	g := must[model.VPNGateway](t)(c.CreateVPNGatewayAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "ergw"}, 0, nil))
	if err := c.AttachVPNGateway(azSub, g.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	vif := must[model.DXVirtualInterface](t)(c.CreateDXVirtualInterface(azSub, model.DXVirtualInterfaceSpec{ConnectionID: conn.ID, Name: "private",
		VLAN: 100, CustomerASN: 65010, CloudAddress: netip.MustParsePrefix("192.168.100.1/30"),
		CustomerAddress: netip.MustParsePrefix("192.168.100.2/30"), VPNGatewayID: g.ID}, nil))
	rt := must[model.RouteTable](t)(c.CreateRouteTableAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "rt"}, nil))
	if err := c.ReplaceRoutes(azSub, rt.ID, []model.Route{{Name: "onprem", Destination: netip.MustParsePrefix("172.16.0.0/16"),
		Target: model.Target{Kind: model.TargetNetworkGateway}}}); err != nil {
		t.Fatal(err)
	}
	must[model.RouteTableAssociation](t)(c.AssociateRouteTable(azSub, rt.ID, sub.ID))
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}, circuits: circuits}
	p, err := r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range p.routers[v.ID].routes {
		got = append(got, k.String())
	}
	_, inet := linkAddrs(r.links["igw/"+v.ID])
	for _, w := range []string{
		"table 100 10.0.0.0/16 throw",
		"table 100 0.0.0.0/0 via " + inet.Addr().String() + " dev " + igwIf,
		"table 100 172.16.0.0/12 blackhole",
		"table 100 192.168.0.0/16 blackhole",
		"table 100 100.64.0.0/10 blackhole",
		"table 100 172.16.0.0/16 via 192.168.100.2 dev " + dxIf(vif.Handle),
	} {
		if !slices.Contains(got, w) {
			t.Errorf("plan lacks %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
	// 10.0.0.0/8 None is there but 10.0.0.0/16 is more specific; the
	// VNet's prefix is thrown, not dropped.
	if slices.Contains(got, "table 100 10.0.0.0/16 blackhole") {
		t.Errorf("the VNet's own prefix is dropped:\n%s", strings.Join(got, "\n"))
	}
	if !p.internet || !p.routers[v.ID].igw {
		t.Errorf("a VNet's router has no internet link (internet %v, igw %v)", p.internet, p.routers[v.ID].igw)
	}
}

// The plan, without root: a Standard public IP of a NIC that no NSG
// filters is closed to new connections from the internet, a Basic one is
// open, and one whose NIC has an NSG is left to the NSG.
func TestPlanAzurePublicIPsClosed(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: azSub, Provider: model.ProviderAzure})
	must[model.Scope](t)(c.CreateScope(azSub, model.Place{Region: "eastus", Name: "rg"}, nil))
	v := must[model.Network](t)(c.CreateNetworkAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "v"}, netip.MustParsePrefix("10.0.0.0/16"), nil))
	sub := must[model.Subnet](t)(c.CreateSubnetAt(azSub, v.ID, model.Place{Scope: "rg/v", Name: "s"}, netip.MustParsePrefix("10.0.1.0/24"), "", nil))
	nsg := must[model.RuleSet](t)(c.CreateRuleSetAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: "nsg"}, model.RuleSetSpec{Flavor: model.FlavorNSG}))
	want := map[netip.Addr]bool{} // private address -> closed
	for _, vm := range []struct {
		name, tier string
		nsg        bool
		closed     bool
	}{{"std", "Standard", false, true}, {"basic", "Basic", false, false}, {"filtered", "Standard", true, false}} {
		is := must[[]model.Instance](t)(c.RunInstances(azSub, model.LaunchSpec{SubnetID: sub.ID, Count: 1,
			Place: model.Place{Scope: "rg", Name: vm.name}, InterfaceName: vm.name + "-nic"}))
		pip := must[model.ElasticIP](t)(c.AllocateAddressAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: vm.name + "-ip"}, nil))
		if err := c.SetAddressClass(azSub, pip.ID, vm.tier, false); err != nil {
			t.Fatal(err)
		}
		if err := c.AssociateAddress(azSub, pip.ID, is[0].NetworkInterfaceID); err != nil {
			t.Fatal(err)
		}
		if vm.nsg {
			must[model.Attachment](t)(c.AttachRuleSet(azSub, model.FlavorNSG, nsg.ID, model.Attachment{Kind: model.OnInterface, TargetID: is[0].NetworkInterfaceID}))
		}
		want[is[0].PrivateIP] = vm.closed
	}
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}}
	p, err := r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	got := map[netip.Addr]bool{}
	for a := range want {
		got[a] = false
	}
	for _, tb := range p.routers[v.ID].nft.tables {
		for _, ch := range tb.Chains {
			for _, ru := range ch.Rules {
				if ru.IIF == igwIf && ru.CtState == policy.CtNew && ru.Verdict == policy.Drop {
					got[ru.Dst.Addr()] = true
				}
			}
		}
	}
	if !maps.Equal(got, want) {
		t.Fatalf("closed public IPs by private address: got %v, want %v", got, want)
	}
}
