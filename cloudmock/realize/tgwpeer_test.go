package realize

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

const acct2 = "444455556666"

// spoke is a VPC of an account in a region with one instance admitting
// everything from 10.0.0.0/8, attached to a transit gateway, whose main
// route table sends the peer's CIDR to the gateway.
type spoke struct {
	vpc  model.Network
	inst model.Instance
	att  model.TransitGatewayAttachment
}

func (l *lab) spoke(account, region, cidr, subnet, zone, peerCIDR string, tgw model.TransitGateway) spoke {
	l.t.Helper()
	c := l.cloud
	v := must[model.Network](l.t)(c.CreateNetworkIn(account, region, netip.MustParsePrefix(cidr), nil))
	s := must[model.Subnet](l.t)(c.CreateSubnet(account, v.ID, netip.MustParsePrefix(subnet), zone, nil))
	g := must[model.RuleSet](l.t)(c.CreateRuleSet(account, model.RuleSetSpec{Flavor: model.FlavorSecurityGroup, NetworkID: v.ID, Name: "open", Description: "open"}))
	must[[]model.Rule](l.t)(c.AddRules(account, model.FlavorSecurityGroup, g.ID, sgRules(model.Ingress, []sgRule{
		{Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: netip.MustParsePrefix("10.0.0.0/8")}})))
	inst := must[[]model.Instance](l.t)(c.RunInstances(account, model.LaunchSpec{SubnetID: s.ID, Count: 1, SecurityGroupIDs: []string{g.ID}}))[0]
	att := must[model.TransitGatewayAttachment](l.t)(c.CreateTransitGatewayVPCAttachment(account, tgw.ID, v.ID, []string{s.ID}, nil))
	l.ok(c.CreateRoute(account, v.MainRouteTableID, netip.MustParsePrefix(peerCIDR), model.Target{Kind: model.TargetTransitGateway, ID: tgw.ID}))
	return spoke{v, inst, att}
}

// An instance in account 1's VPC on a transit gateway in us-east-1
// reaches an instance in account 2's VPC on a transit gateway in
// eu-west-1 through a peering of the two gateways, once the peering is
// accepted, associated on both sides and both gateways have a static
// route to the far VPC over it; not before acceptance, not with the
// static route of one side only, and not after the peering is deleted.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html — inter-Region, cross-account peering of transit gateways; add static routes that point to the peering attachment
func TestTransitGatewayPeeringAcrossRegions(t *testing.T) {
	l := newLab(t)
	l.cloud.AddAccount(model.Account{ID: acct2, Limits: model.DefaultLimits()})
	opts := model.TransitGatewayOptions{DefaultAssociation: true, DefaultPropagation: true}
	tgw1 := must[model.TransitGateway](t)(l.cloud.CreateTransitGatewayAt(acct, model.Place{Region: "us-east-1"}, opts, nil))
	tgw2 := must[model.TransitGateway](t)(l.cloud.CreateTransitGatewayAt(acct2, model.Place{Region: "eu-west-1"}, opts, nil))
	a := l.spoke(acct, "us-east-1", "10.71.0.0/16", "10.71.1.0/24", "us-east-1a", "10.72.0.0/16", tgw1)
	b := l.spoke(acct2, "eu-west-1", "10.72.0.0/16", "10.72.1.0/24", "eu-west-1a", "10.71.0.0/16", tgw2)
	p := must[model.TransitGatewayAttachment](t)(l.cloud.CreateTransitGatewayPeeringAttachmentAt(acct, model.Place{},
		model.TGWPeeringRequest{TransitGatewayID: tgw1.ID, PeerTransitGatewayID: tgw2.ID, PeerAccount: acct2}, nil))
	l.sync()
	l.pingFails(l.ns(a.inst), b.inst.PrivateIP) // pending acceptance: no link

	must[model.TransitGatewayAttachment](t)(l.cloud.AcceptTransitGatewayPeeringAttachment(acct2, p.ID))
	l.ok(l.cloud.AssociateTransitGatewayRouteTable(acct, tgw1.DefaultRouteTableID, p.ID))
	l.ok(l.cloud.AssociateTransitGatewayRouteTable(acct2, tgw2.DefaultRouteTableID, p.ID))
	must[model.TransitGatewayRoute](t)(l.cloud.CreateTransitGatewayRoute(acct, tgw1.DefaultRouteTableID, b.vpc.CIDRs[0].Prefix, p.ID, false))
	l.sync()
	l.pingFails(l.ns(a.inst), b.inst.PrivateIP) // no way back: tgw2 has no route to VPC A

	must[model.TransitGatewayRoute](t)(l.cloud.CreateTransitGatewayRoute(acct2, tgw2.DefaultRouteTableID, a.vpc.CIDRs[0].Prefix, p.ID, false))
	l.sync()
	l.pingOK(l.ns(a.inst), b.inst.PrivateIP)
	l.pingOK(l.ns(b.inst), a.inst.PrivateIP)

	l.ok(l.cloud.DeleteTransitGatewayRoute(acct2, tgw2.DefaultRouteTableID, a.vpc.CIDRs[0].Prefix))
	l.sync()
	l.pingFails(l.ns(b.inst), a.inst.PrivateIP)
	must[model.TransitGatewayRoute](t)(l.cloud.CreateTransitGatewayRoute(acct2, tgw2.DefaultRouteTableID, a.vpc.CIDRs[0].Prefix, p.ID, false))
	l.sync()
	l.pingOK(l.ns(b.inst), a.inst.PrivateIP)

	must[model.TransitGatewayAttachment](t)(l.cloud.DeleteTransitGatewayPeeringAttachment(acct2, p.ID))
	l.sync()
	l.pingFails(l.ns(a.inst), b.inst.PrivateIP)
}

// Two dual-stack VPCs on one transit gateway, their attachments with IPv6
// support, reach each other over IPv6 by the /56s the attachments
// propagate; without IPv6 support on one attachment IPv6 stops (IPv4
// goes on); a static IPv6 route in the gateway's table takes the place of
// a propagation.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html — IPv6 support for the attachment
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html — static and propagated routes, IPv4 and IPv6
func TestTransitGatewayIPv6(t *testing.T) {
	l := newLab(t)
	tgw := must[model.TransitGateway](t)(l.cloud.CreateTransitGateway(acct, model.TransitGatewayOptions{DefaultAssociation: true, DefaultPropagation: true}, nil))
	var insts []model.Instance
	var atts []model.TransitGatewayAttachment
	var v6s []netip.Prefix
	var nets []model.Network
	for _, cidr := range []string{"10.81.0.0/16", "10.82.0.0/16"} {
		v, sub64 := l.dualStack(cidr)
		s := l.subnet6(v, cidr[:6]+"1.0/24", sub64(1))
		g := must[model.RuleSet](t)(createGroup(l.cloud, v.ID, "open6", "open", nil))
		_, err := addGroupRules(l.cloud, g.ID, model.Ingress, []sgRule{{Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: netip.MustParsePrefix("::/0")},
			{Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: netip.MustParsePrefix("10.0.0.0/8")}})
		l.ok(err)
		_, err = addGroupRules(l.cloud, g.ID, model.Egress, []sgRule{{Protocol: "-1", FromPort: -1, ToPort: -1, Prefix: netip.MustParsePrefix("::/0")}})
		l.ok(err)
		insts = append(insts, l.instance6(s, g.ID))
		atts = append(atts, must[model.TransitGatewayAttachment](t)(l.cloud.CreateTransitGatewayVPCAttachmentWith(acct, model.Place{}, tgw.ID, v.ID,
			[]string{s.ID}, model.VPCAttachmentOptions{IPv6Support: true}, nil)))
		v6s = append(v6s, netip.PrefixFrom(sub64(0).Addr(), 56))
		nets = append(nets, v)
	}
	for i, v := range nets {
		l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, v6s[1-i], model.Target{Kind: model.TargetTransitGateway, ID: tgw.ID}))
		l.ok(l.cloud.CreateRoute(acct, v.MainRouteTableID, netip.MustParsePrefix("10.0.0.0/8"), model.Target{Kind: model.TargetTransitGateway, ID: tgw.ID}))
	}
	a, b := insts[0], insts[1]
	l.sync()
	l.pingOK(l.ns(a), b.IPv6Addrs[0])
	l.pingOK(l.ns(b), a.IPv6Addrs[0])

	must[model.TransitGatewayAttachment](t)(l.cloud.ModifyTransitGatewayVPCAttachment(acct, atts[0].ID, model.VPCAttachmentChange{Options: &model.VPCAttachmentOptions{}}))
	l.sync()
	l.pingOK(l.ns(a), b.PrivateIP)
	l.pingFails(l.ns(a), b.IPv6Addrs[0])

	must[model.TransitGatewayAttachment](t)(l.cloud.ModifyTransitGatewayVPCAttachment(acct, atts[0].ID, model.VPCAttachmentChange{Options: &model.VPCAttachmentOptions{IPv6Support: true}}))
	l.ok(l.cloud.DisableTransitGatewayRouteTablePropagation(acct, tgw.DefaultRouteTableID, atts[1].ID))
	l.sync()
	l.pingOK(l.ns(a), a.IPv6Addrs[0]) // itself, as a control that a's stack is up
	l.pingFails(l.ns(a), b.IPv6Addrs[0])
	must[model.TransitGatewayRoute](t)(l.cloud.CreateTransitGatewayRoute(acct, tgw.DefaultRouteTableID, v6s[1], atts[1].ID, false))
	must[model.TransitGatewayRoute](t)(l.cloud.CreateTransitGatewayRoute(acct, tgw.DefaultRouteTableID, netip.MustParsePrefix("10.82.0.0/16"), atts[1].ID, false))
	l.sync()
	l.pingOK(l.ns(a), b.IPv6Addrs[0])
}

// nsLinkIndex is the interface index of a link in a namespace.
func nsLinkIndex(t *testing.T, ns, name string) int {
	t.Helper()
	var idx int
	if err := netns.Do(ns, func() error {
		k, err := netlink.LinkByName(name)
		if err == nil {
			idx = k.Attrs().Index
		}
		return err
	}); err != nil {
		t.Fatalf("%s: link %s: %v", ns, name, err)
	}
	return idx
}

// A realizer that replaces a dead one adopts the link of an accepted
// transit gateway peering as it is (the same interface, not remade) and
// goes on routing across it.
func TestAdoptTransitGatewayPeering(t *testing.T) {
	l := newLab(t)
	opts := model.TransitGatewayOptions{DefaultAssociation: true, DefaultPropagation: true}
	tgw1 := must[model.TransitGateway](t)(l.cloud.CreateTransitGatewayAt(acct, model.Place{Region: "us-east-1"}, opts, nil))
	tgw2 := must[model.TransitGateway](t)(l.cloud.CreateTransitGatewayAt(acct, model.Place{Region: "eu-west-1"}, opts, nil))
	a := l.spoke(acct, "us-east-1", "10.73.0.0/16", "10.73.1.0/24", "us-east-1a", "10.74.0.0/16", tgw1)
	b := l.spoke(acct, "eu-west-1", "10.74.0.0/16", "10.74.1.0/24", "eu-west-1a", "10.73.0.0/16", tgw2)
	p := must[model.TransitGatewayAttachment](t)(l.cloud.CreateTransitGatewayPeeringAttachmentAt(acct, model.Place{},
		model.TGWPeeringRequest{TransitGatewayID: tgw1.ID, PeerTransitGatewayID: tgw2.ID}, nil))
	must[model.TransitGatewayAttachment](t)(l.cloud.AcceptTransitGatewayPeeringAttachment(acct, p.ID))
	for _, side := range []struct {
		rt  string
		dst netip.Prefix
	}{{tgw1.DefaultRouteTableID, b.vpc.CIDRs[0].Prefix}, {tgw2.DefaultRouteTableID, a.vpc.CIDRs[0].Prefix}} {
		l.ok(l.cloud.AssociateTransitGatewayRouteTable(acct, side.rt, p.ID))
		must[model.TransitGatewayRoute](t)(l.cloud.CreateTransitGatewayRoute(acct, side.rt, side.dst, p.ID, false))
	}
	l.sync()
	l.pingOK(l.ns(a.inst), b.inst.PrivateIP)
	ns1, ifname := l.r.tgwNS(tgw1.Handle), tgwAttIf(p.Handle)
	before := nsLinkIndex(t, ns1, ifname)
	snap, _, err := l.cloud.Snapshot()
	l.ok(err)
	restored := model.New()
	l.ok(restored.Restore(snap))
	l.r.abandon()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r2, err := New(ctx, restored, Options{Lab: l.name, Adopt: true,
		Record: func(ns string) error { l.mu.Lock(); l.recorded[ns] = true; l.mu.Unlock(); return nil },
		Forget: func(ns string) { l.mu.Lock(); delete(l.recorded, ns); l.mu.Unlock() }})
	l.ok(err)
	t.Cleanup(func() {
		if err := r2.Close(); err != nil {
			t.Errorf("close the adopting realizer: %v", err)
		}
	})
	l.ok(r2.Sync(ctx))
	if after := nsLinkIndex(t, ns1, ifname); after != before {
		t.Errorf("the peering link %s in %s was remade (index %d, was %d)", ifname, ns1, after, before)
	}
	l.pingOK(l.ns(a.inst), b.inst.PrivateIP)
}
