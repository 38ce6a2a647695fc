package oci

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// regionClient is tenancy 1's client of the lab's server for another
// region (Server.InRegion).
func (l *lab) regionClient(t *testing.T, region string) core.VirtualNetworkClient {
	t.Helper()
	hs := httptest.NewServer(http.Handler(l.srv.InRegion(region)))
	t.Cleanup(hs.Close)
	c := l.client1(t)
	c.Host = hs.URL
	return c
}

// newRPC makes a DRG's RPC; it is NEW.
func newRPC(t *testing.T, c core.VirtualNetworkClient, drg *string) core.RemotePeeringConnection {
	t.Helper()
	r, err := c.CreateRemotePeeringConnection(ctx(t), core.CreateRemotePeeringConnectionRequest{CreateRemotePeeringConnectionDetails: core.CreateRemotePeeringConnectionDetails{
		CompartmentId: common.String(tenancy1), DrgId: drg}})
	if err != nil || r.PeeringStatus != core.RemotePeeringConnectionPeeringStatusNew || r.LifecycleState != core.RemotePeeringConnectionLifecycleStateProvisioning {
		t.Fatalf("CreateRemotePeeringConnection: %v %+v", err, r.RemotePeeringConnection)
	}
	return r.RemotePeeringConnection
}

// TestRemotePeeringSDK: DRGs in us-phoenix-1 and us-ashburn-1, each with
// a VCN and an RPC (NEW). Connecting to the peer named in the wrong
// region is 404, to an RPC of the same region 400; connected, both RPCs
// are PENDING at the first GET and PEERED at the next, naming each other
// and their regions; connecting again is 409. Each DRG has an attachment
// of type REMOTE_PEERING_CONNECTION for its RPC, and each DRG's table
// for VCN attachments learns the other region's VCN CIDR dynamically
// over it. The routed DRG cannot be deleted (409); deleting one RPC
// REVOKES the other and the learned routes go.
func TestRemotePeeringSDK(t *testing.T) {
	l := newLab(t)
	phx, iad := l.client1(t), l.regionClient(t, "us-ashburn-1")
	da, db := newDrg(t, phx), newDrg(t, iad)
	a := &drgLab{t: t, c: phx, drg: da}
	b := &drgLab{t: t, c: iad, drg: db}
	a.attach(newVcn(t, l, phx, "a", "10.1.0.0/16"), nil)
	b.attach(newVcn(t, l, iad, "b", "10.2.0.0/16"), nil)
	ra, ra2, rb := newRPC(t, phx, da.Id), newRPC(t, phx, da.Id), newRPC(t, iad, db.Id)
	connect := func(c core.VirtualNetworkClient, x core.RemotePeeringConnection, peer *string, region string) error {
		_, err := c.ConnectRemotePeeringConnections(ctx(t), core.ConnectRemotePeeringConnectionsRequest{RemotePeeringConnectionId: x.Id,
			ConnectRemotePeeringConnectionsDetails: core.ConnectRemotePeeringConnectionsDetails{PeerId: peer, PeerRegionName: common.String(region)}})
		return err
	}
	serviceError(t, connect(phx, ra, rb.Id, "us-phoenix-1"), 404, "NotAuthorizedOrNotFound")
	serviceError(t, connect(phx, ra, ra2.Id, "us-phoenix-1"), 400, "InvalidParameter")
	if err := connect(phx, ra, rb.Id, "us-ashburn-1"); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		c          core.VirtualNetworkClient
		id, peer   *string
		peerRegion string
	}{{phx, ra.Id, rb.Id, "us-ashburn-1"}, {iad, rb.Id, ra.Id, "us-phoenix-1"}} {
		var seen []core.RemotePeeringConnectionPeeringStatusEnum
		for range 2 {
			g, err := x.c.GetRemotePeeringConnection(ctx(t), core.GetRemotePeeringConnectionRequest{RemotePeeringConnectionId: x.id})
			if err != nil || *g.PeerId != *x.peer || *g.PeerRegionName != x.peerRegion || *g.PeerTenancyId != tenancy1 {
				t.Fatalf("connected RPC: %v %+v", err, g.RemotePeeringConnection)
			}
			seen = append(seen, g.PeeringStatus)
		}
		if seen[0] != core.RemotePeeringConnectionPeeringStatusPending || seen[1] != core.RemotePeeringConnectionPeeringStatusPeered {
			t.Fatalf("peering status %v, want PENDING then PEERED", seen)
		}
	}
	serviceError(t, connect(phx, ra2, rb.Id, "us-ashburn-1"), 409, "Conflict")

	for _, d := range []*drgLab{a, b} {
		atts, err := d.c.ListDrgAttachments(ctx(t), core.ListDrgAttachmentsRequest{CompartmentId: common.String(tenancy1), DrgId: d.drg.Id,
			AttachmentType: core.ListDrgAttachmentsAttachmentTypeRemotePeeringConnection})
		if err != nil || len(atts.Items) != 1 {
			t.Fatalf("RPC attachments of %s: %v %+v", *d.drg.Id, err, atts.Items)
		}
		att := atts.Items[0]
		learned := map[string]string{"10.2.0.0/16": *att.Id}
		if d == b {
			learned = map[string]string{"10.1.0.0/16": *att.Id}
		}
		got := d.rules(d.drg.DefaultDrgRouteTables.Vcn, core.ListDrgRouteRulesRouteTypeDynamic)
		for dst, hop := range learned {
			if got[dst] != hop {
				t.Fatalf("DRG %s's VCN table: dynamic rules %v, want %s via %s", *d.drg.Id, got, dst, hop)
			}
		}
	}
	_, err := phx.DeleteDrg(ctx(t), core.DeleteDrgRequest{DrgId: da.Id})
	serviceError(t, err, 409, "Conflict")
	if _, err := iad.DeleteRemotePeeringConnection(ctx(t), core.DeleteRemotePeeringConnectionRequest{RemotePeeringConnectionId: rb.Id}); err != nil {
		t.Fatal(err)
	}
	g, err := phx.GetRemotePeeringConnection(ctx(t), core.GetRemotePeeringConnectionRequest{RemotePeeringConnectionId: ra.Id})
	if err != nil || g.PeeringStatus != core.RemotePeeringConnectionPeeringStatusRevoked || g.PeerId != nil {
		t.Fatalf("after the peer's delete: %v %+v", err, g.RemotePeeringConnection)
	}
	if got := a.rules(da.DefaultDrgRouteTables.Vcn, core.ListDrgRouteRulesRouteTypeDynamic); got["10.2.0.0/16"] != "" {
		t.Fatalf("the learned route stayed: %v", got)
	}
}
