package model

import (
	"net/netip"
	"reflect"
	"strconv"
	"testing"
)

// scopeFixture is what the named kinds are made on in one scope: two
// networks of one subnet each, a transit gateway (with a default route
// table) and a customer gateway, all unnamed, in region alpha.
type scopeFixture struct {
	netA, netB Network
	subA, subB Subnet
	tgw        TransitGateway
	cgw        CustomerGateway
}

// newScopeFixture makes a scope's fixture; octet keeps its networks'
// prefixes apart from other scopes'.
func newScopeFixture(t *testing.T, c *Cloud, scope string, octet int) scopeFixture {
	t.Helper()
	at := Place{Region: "alpha", Scope: scope}
	var f scopeFixture
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := func(i int, tail string) netip.Prefix { return pfx("10." + strconv.Itoa(octet+i) + tail) }
	f.netA, err = c.CreateNetworkAt(namedAcct, at, p(0, ".0.0/16"), nil)
	must(err)
	f.netB, err = c.CreateNetworkAt(namedAcct, at, p(1, ".0.0/16"), nil)
	must(err)
	f.subA, err = c.CreateSubnetAt(namedAcct, f.netA.ID, at, p(0, ".1.0/24"), "alpha-1", nil)
	must(err)
	f.subB, err = c.CreateSubnetAt(namedAcct, f.netB.ID, at, p(1, ".1.0/24"), "alpha-1", nil)
	must(err)
	f.tgw, err = c.CreateTransitGatewayAt(namedAcct, at, TransitGatewayOptions{DefaultAssociation: true, DefaultPropagation: true}, nil)
	must(err)
	f.cgw, err = c.CreateCustomerGatewayAt(namedAcct, at, 65000, netip.MustParseAddr("198.51.100."+strconv.Itoa(octet)), nil)
	must(err)
	return f
}

// made is what a maker reports of the object it made.
type made struct {
	id, region string
	meta       Meta
}

// namedMaker makes one object of a kind at a place on a scope's fixture;
// try is 0 for the first object of the kind in the scope and 1 for the
// second, which takes other parents where the kind allows one object per
// parent, so that only its name can refuse it.
type namedMaker struct {
	kind   Kind
	region string // the region the object lands in (its parent's, or the place's)
	make   func(c *Cloud, f scopeFixture, at Place, try int) (made, error)
}

// namedMakers are the kinds besides networks and subnets that a front-end
// names.
var namedMakers = []namedMaker{
	{KindInternetGateway, "beta", func(c *Cloud, _ scopeFixture, at Place, _ int) (made, error) {
		g, err := c.CreateInternetGatewayAt(namedAcct, at, nil)
		return made{g.ID, g.Region, g.Meta}, err
	}},
	{KindElasticIP, "beta", func(c *Cloud, _ scopeFixture, at Place, _ int) (made, error) {
		e, err := c.AllocateAddressAt(namedAcct, at, nil)
		return made{e.ID, e.Region, e.Meta}, err
	}},
	{KindNATGateway, "alpha", func(c *Cloud, f scopeFixture, at Place, _ int) (made, error) {
		e, err := c.AllocateAddress(namedAcct, nil)
		if err != nil {
			return made{}, err
		}
		g, err := c.CreateNATGatewayAt(namedAcct, at, f.subA.ID, e.ID, nil)
		return made{g.ID, g.Region, g.Meta}, err
	}},
	{KindPeering, "alpha", func(c *Cloud, f scopeFixture, at Place, _ int) (made, error) {
		p, err := c.RequestPeeringAt(namedAcct, at, f.netA.ID, "", f.netB.ID, nil)
		return made{p.ID, p.RequesterRegion, p.Meta}, err
	}},
	{KindTransitGateway, "beta", func(c *Cloud, _ scopeFixture, at Place, _ int) (made, error) {
		g, err := c.CreateTransitGatewayAt(namedAcct, at, TransitGatewayOptions{DefaultAssociation: true}, nil)
		return made{g.ID, g.Region, g.Meta}, err
	}},
	{KindTransitGatewayRouteTable, "alpha", func(c *Cloud, f scopeFixture, at Place, _ int) (made, error) {
		rt, err := c.CreateTransitGatewayRouteTableAt(namedAcct, at, f.tgw.ID, nil)
		return made{rt.ID, rt.Region, rt.Meta}, err
	}},
	{KindTransitGatewayAttachment, "alpha", func(c *Cloud, f scopeFixture, at Place, try int) (made, error) {
		n, s := f.netA, f.subA // one attachment per network and gateway
		if try == 1 {
			n, s = f.netB, f.subB
		}
		a, err := c.CreateTransitGatewayVPCAttachmentAt(namedAcct, at, f.tgw.ID, n.ID, []string{s.ID}, nil)
		return made{a.ID, a.Region, a.Meta}, err
	}},
	{KindVPNGateway, "beta", func(c *Cloud, _ scopeFixture, at Place, _ int) (made, error) {
		g, err := c.CreateVPNGatewayAt(namedAcct, at, 0, nil)
		return made{g.ID, g.Region, g.Meta}, err
	}},
	{KindCustomerGateway, "beta", func(c *Cloud, _ scopeFixture, at Place, _ int) (made, error) {
		g, err := c.CreateCustomerGatewayAt(namedAcct, at, 65001, netip.MustParseAddr("198.51.100.200"), nil)
		return made{g.ID, g.Region, g.Meta}, err
	}},
	{KindVPNConnection, "alpha", func(c *Cloud, f scopeFixture, at Place, _ int) (made, error) {
		v, err := c.CreateVPNConnectionAt(namedAcct, at, VPNSpec{CustomerGatewayID: f.cgw.ID, TransitGatewayID: f.tgw.ID}, nil)
		return made{v.ID, v.Region, v.Meta}, err
	}},
}

// TestNamedProfileNamesEveryKind: every kind that a front-end names is
// made at a place and found by its name; a second of the kind with the
// name in the same scope is refused, one in another scope is not; the
// objects made inside a parent take its region; and names and scopes
// survive a snapshot.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules — a resource name is unique in its resource group and type
func TestNamedProfileNamesEveryKind(t *testing.T) {
	c := New()
	lim := namedProfile.Limits
	lim.InternetGatewaysPerRegion, lim.ElasticIPsPerRegion, lim.NATGatewaysPerZone, lim.RouteTablesPerTransitGateway = 5, 5, 5, 5
	c.AddAccount(Account{ID: namedAcct, Provider: "named", Limits: lim})
	fixtures := map[string]scopeFixture{"rg1": newScopeFixture(t, c, "rg1", 1), "rg2": newScopeFixture(t, c, "rg2", 3)}
	want := map[nameKey]made{}
	for _, m := range namedMakers {
		for _, scope := range []string{"rg1", "rg2"} {
			at := Place{Region: "beta", Scope: scope, Name: "x"}
			got, err := m.make(c, fixtures[scope], at, 0)
			if err != nil {
				t.Fatalf("%s named x in %s: %v", m.kind, scope, err)
			}
			if got.meta.Name != "x" || got.meta.Scope != scope || got.region != m.region {
				t.Errorf("%s %s: %+v in %q; want name x, scope %s, region %s", m.kind, got.id, got.meta, got.region, scope, m.region)
			}
			if id, err := c.ByName(namedAcct, scope, m.kind, "x"); err != nil || id != got.id {
				t.Errorf("ByName(%s, %s, x) = %q, %v; want %s", scope, m.kind, id, err, got.id)
			}
			want[nameKey{namedAcct, scope, m.kind, "x"}] = got
			if scope == "rg1" {
				_, err = m.make(c, fixtures[scope], at, 1)
				wantCode(t, err, CodeAlreadyExists)
			}
		}
	}
	checkInnerScopes(t, c)
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	for k, w := range want {
		if id, err := r.ByName(k.account, k.scope, k.kind, k.name); err != nil || id != w.id {
			t.Errorf("after restore ByName(%s, %s, %s) = %q, %v; want %s", k.scope, k.kind, k.name, id, err, w.id)
		}
		r.mu.RLock()
		m := r.metaLocked(w.id)
		r.mu.RUnlock()
		if !reflect.DeepEqual(m, w.meta) {
			t.Errorf("after restore %s %s has %+v; want %+v", k.kind, w.id, m, w.meta)
		}
	}
	checkInnerScopes(t, r)
}

// checkInnerScopes checks that the unnamed objects a transit gateway or a
// VPN makes for itself (a default route table, a VPN attachment) are in
// the gateway's scope.
func checkInnerScopes(t *testing.T, c *Cloud) {
	t.Helper()
	scopes := map[string]string{}
	for _, g := range c.TransitGateways(namedAcct) {
		scopes[g.ID] = g.Scope
	}
	for _, rt := range c.TransitGatewayRouteTables(namedAcct) {
		if rt.Scope != scopes[rt.TransitGatewayID] || (rt.Default && rt.Name != "") {
			t.Errorf("route table %s of %s: %+v; want scope %q", rt.ID, rt.TransitGatewayID, rt.Meta, scopes[rt.TransitGatewayID])
		}
	}
	vpns := 0
	for _, a := range c.TransitGatewayAttachments(namedAcct) {
		if a.Kind == AttachVPN {
			vpns++
			if a.Scope != scopes[a.TransitGatewayID] || a.Name != "" {
				t.Errorf("VPN attachment %s: %+v; want no name and scope %q", a.ID, a.Meta, scopes[a.TransitGatewayID])
			}
		}
	}
	if vpns != 2 {
		t.Errorf("%d VPN attachments; want 2", vpns)
	}
}

// An instance and its primary interface are made at a place with their
// names (a VM and its NIC on Azure): ByName finds both, a taken name is
// AlreadyExists and nothing is made, a name needs Count 1, and names
// survive Snapshot/Restore.
func TestNamedProfileNamesInstances(t *testing.T) {
	c := newNamedCloud(t)
	f := newScopeFixture(t, c, "rg1", 1)
	spec := LaunchSpec{SubnetID: f.subA.ID, Count: 1, Place: Place{Region: "beta", Scope: "rg1", Name: "vm1"}, InterfaceName: "vm1-nic"}
	is, err := c.RunInstances(namedAcct, spec)
	if err != nil {
		t.Fatal(err)
	}
	vm := is[0]
	if vm.Name != "vm1" || vm.Scope != "rg1" || vm.Region != f.subA.Region {
		t.Errorf("instance %+v in %s: want vm1 in rg1, in its subnet's region %s", vm.Meta, vm.Region, f.subA.Region)
	}
	check := func(c *Cloud) {
		t.Helper()
		if id, err := c.ByName(namedAcct, "rg1", KindInstance, "vm1"); err != nil || id != vm.ID {
			t.Errorf("ByName instance vm1 = %q, %v; want %s", id, err, vm.ID)
		}
		if id, err := c.ByName(namedAcct, "rg1", KindNetworkInterface, "vm1-nic"); err != nil || id != vm.NetworkInterfaceID {
			t.Errorf("ByName interface vm1-nic = %q, %v; want %s", id, err, vm.NetworkInterfaceID)
		}
	}
	check(c)
	before := len(c.Instances(namedAcct))
	_, err = c.RunInstances(namedAcct, LaunchSpec{SubnetID: f.subA.ID, Count: 1, Place: Place{Scope: "rg1", Name: "vm1"}})
	wantCode(t, err, CodeAlreadyExists)
	_, err = c.RunInstances(namedAcct, LaunchSpec{SubnetID: f.subA.ID, Count: 1, Place: Place{Scope: "rg1", Name: "vm2"}, InterfaceName: "vm1-nic"})
	wantCode(t, err, CodeAlreadyExists)
	_, err = c.RunInstances(namedAcct, LaunchSpec{SubnetID: f.subA.ID, Count: 2, Place: Place{Scope: "rg1", Name: "vm3"}})
	wantCode(t, err, CodeInvalidParameter)
	if n := len(c.Instances(namedAcct)); n != before {
		t.Errorf("%d instances after the refused launches, want %d", n, before)
	}
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	check(r)
}
