package realize

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Two private lines into one VPN gateway: a route to each line's /30
// leaves over that line, not over the first one (issue 22: two sites on
// private lines to one transit never converged, both lines' return
// routes going out of one).
func TestPlanTwoLinesOneGateway(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	lines := []Circuit{
		{Name: "dc1", Account: acct, Namespace: "mcn-t-dc1", Interface: "dx0"},
		{Name: "dc2", Account: acct, Namespace: "mcn-t-dc2", Interface: "dx0"},
	}
	circuits, err := provisionCircuits(c, Options{Lab: "t", Circuits: lines})
	if err != nil {
		t.Fatal(err)
	}
	v := must[model.Network](t)(c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), nil))
	must[model.Subnet](t)(c.CreateSubnet(acct, v.ID, netip.MustParsePrefix("10.0.1.0/24"), "az1", nil))
	g := must[model.VPNGateway](t)(c.CreateVPNGateway(acct, 0, nil))
	if err := c.AttachVPNGateway(acct, g.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	ifOf := map[string]string{} // line /30 -> the router's end of its link
	for i, conn := range c.DXConnections(acct) {
		base := netip.AddrFrom4([4]byte{169, 254, 250, byte(4 * i)})
		vif := must[model.DXVirtualInterface](t)(c.CreateDXVirtualInterface(acct, model.DXVirtualInterfaceSpec{ConnectionID: conn.ID, Name: conn.Name,
			VLAN: 100 + i, CustomerASN: int64(65100 + i), CloudAddress: netip.PrefixFrom(base.Next(), 30),
			CustomerAddress: netip.PrefixFrom(base.Next().Next(), 30), VPNGatewayID: g.ID}, nil))
		ln := netip.PrefixFrom(base, 30)
		ifOf[ln.String()] = dxIf(vif.Handle)
		if err := c.CreateRoute(acct, v.MainRouteTableID, ln, model.Target{Kind: model.TargetVPNGateway, ID: g.ID}); err != nil {
			t.Fatal(err)
		}
	}
	r := &Realizer{opts: Options{Lab: "t"}, links: map[string]int{}, circuits: circuits}
	p, err := r.buildPlan(takeSnapshot(c))
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, k := range p.routers[v.ID].routes {
		routes = append(routes, k.String())
	}
	for ln, dev := range ifOf {
		want := "table 100 " + ln + " dev " + dev
		if !slices.Contains(routes, want) {
			t.Errorf("no route %q:\n%s", want, strings.Join(routes, "\n"))
		}
	}
}
