package model

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"testing"
)

// The Amazon side ASN of a transit gateway with a VPN attachment cannot
// change; once the VPN is gone it can.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGatewayOptions.html — the modify ASN operation is not allowed with VPN attachments
func TestModifyTransitGatewayASNWithVPN(t *testing.T) {
	c := New()
	c.AddAccount(Account{ID: acct, Limits: DefaultLimits()})
	g, err := c.CreateTransitGateway(acct, TransitGatewayOptions{DefaultAssociation: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cg, err := c.CreateCustomerGateway(acct, 65010, netip.MustParseAddr("198.51.100.7"), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.CreateVPNConnection(acct, VPNSpec{CustomerGatewayID: cg.ID, TransitGatewayID: g.ID, StaticRoutesOnly: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	asn := int64(64700)
	_, err = c.ModifyTransitGateway(acct, g.ID, TGWChange{ASN: &asn})
	var me *Error
	if !errors.As(err, &me) || me.Code != CodeIncorrectState {
		t.Fatalf("ASN change with a VPN attached: %v", err)
	}
	if err := c.DeleteVPNConnection(acct, v.ID); err != nil {
		t.Fatal(err)
	}
	got, err := c.ModifyTransitGateway(acct, g.ID, TGWChange{ASN: &asn})
	if err != nil || got.ASN != asn {
		t.Fatalf("ASN change without a VPN: %+v %v", got, err)
	}
}

// A transit gateway's modified options, a VPC attachment's options and a
// peering attachment survive a snapshot and restore.
func TestSnapshotKeepsTransitGatewayOptionsAndPeering(t *testing.T) {
	c := New()
	c.AddAccount(Account{ID: acct, Limits: DefaultLimits()})
	g1, err := c.CreateTransitGateway(acct, TransitGatewayOptions{DefaultAssociation: true, DefaultPropagation: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := c.CreateTransitGatewayAt(acct, Place{Region: "eu-west-1"}, TransitGatewayOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	off, on := false, true
	if _, err := c.ModifyTransitGateway(acct, g1.ID, TGWChange{AddCIDRs: []netip.Prefix{pfx("10.9.0.0/24")}, DNSSupport: &off, AutoAccept: &on}); err != nil {
		t.Fatal(err)
	}
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, err := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "us-east-1a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTransitGatewayVPCAttachmentWith(acct, Place{}, g1.ID, n.ID, []string{s.ID}, VPCAttachmentOptions{IPv6Support: true, ApplianceMode: true}, nil); err != nil {
		t.Fatal(err)
	}
	p, err := c.CreateTransitGatewayPeeringAttachmentAt(acct, Place{}, TGWPeeringRequest{TransitGatewayID: g1.ID, PeerTransitGatewayID: g2.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AcceptTransitGatewayPeeringAttachment(acct, p.ID); err != nil {
		t.Fatal(err)
	}
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	// Listings are sorted by ID, which is random: find g1 by its ID.
	was, got := c.TransitGateways(acct), r.TransitGateways(acct)
	i := slices.IndexFunc(got, func(g TransitGateway) bool { return g.ID == g1.ID })
	if !reflect.DeepEqual(was, got) || i < 0 || !got[i].DNSSupportOff || !got[i].AutoAccept || len(got[i].CIDRBlocks) != 1 {
		t.Fatalf("gateways after restore:\n got  %+v\n want %+v", got, was)
	}
	if a, b := c.TransitGatewayAttachments(acct), r.TransitGatewayAttachments(acct); !reflect.DeepEqual(a, b) || len(b) != 2 {
		t.Fatalf("attachments after restore:\n got  %+v\n want %+v", b, a)
	}
}
