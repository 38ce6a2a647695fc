package oci

import (
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// TestVirtualCircuitSDK: a private virtual circuit to a DRG with one
// cross-connect mapping waits PROVISIONING to PROVISIONED, colocated,
// with Oracle's ASN 31898 and its BGP session DOWN; a PUBLIC circuit is
// 400, one without customerAsn 400 MissingParameter, Oracle's ASN and
// peering addresses of two subnets 400, an unknown DRG 404; the circuit
// lists, updates its ASN and mappings (a stale If-Match is 412), keeps
// its DRG from deletion (409), and is deleted to TERMINATED.
func TestVirtualCircuitSDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	drg := newDrg(t, c)
	mapping := func(customer, oracle string) []core.CrossConnectMapping {
		return []core.CrossConnectMapping{{CustomerBgpPeeringIp: common.String(customer), OracleBgpPeeringIp: common.String(oracle), Vlan: common.Int(200)}}
	}
	create := func(typ core.CreateVirtualCircuitDetailsTypeEnum, asn *int64, gw *string, m []core.CrossConnectMapping) (core.CreateVirtualCircuitResponse, error) {
		return c.CreateVirtualCircuit(ctx(t), core.CreateVirtualCircuitRequest{CreateVirtualCircuitDetails: core.CreateVirtualCircuitDetails{
			CompartmentId: common.String(tenancy1), Type: typ, CustomerAsn: asn, GatewayId: gw, CrossConnectMappings: m, DisplayName: common.String("fc")}})
	}
	good := mapping("10.250.0.2/30", "10.250.0.1/30")
	_, err := create(core.CreateVirtualCircuitDetailsTypePublic, common.Int64(65010), nil, nil)
	serviceError(t, err, 400, "InvalidParameter")
	_, err = create(core.CreateVirtualCircuitDetailsTypePrivate, nil, drg.Id, good)
	serviceError(t, err, 400, "MissingParameter")
	_, err = create(core.CreateVirtualCircuitDetailsTypePrivate, common.Int64(31898), drg.Id, good)
	serviceError(t, err, 400, "InvalidParameter")
	_, err = create(core.CreateVirtualCircuitDetailsTypePrivate, common.Int64(65010), drg.Id, mapping("10.250.0.2/30", "10.250.0.5/30"))
	serviceError(t, err, 400, "InvalidParameter")
	_, err = create(core.CreateVirtualCircuitDetailsTypePrivate, common.Int64(65010), common.String("ocid1.drg.oc1.us-phoenix-1.nosuch"), good)
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")

	r, err := create(core.CreateVirtualCircuitDetailsTypePrivate, common.Int64(65010), drg.Id, good)
	if err != nil || r.LifecycleState != core.VirtualCircuitLifecycleStateProvisioning {
		t.Fatalf("CreateVirtualCircuit: %v %+v", err, r.VirtualCircuit)
	}
	g, err := c.GetVirtualCircuit(ctx(t), core.GetVirtualCircuitRequest{VirtualCircuitId: r.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("PROVISIONED")}})
	if err != nil || g.LifecycleState != core.VirtualCircuitLifecycleStateProvisioned || *g.GatewayId != *drg.Id || *g.OracleBgpAsn != 31898 ||
		*g.CustomerAsn != 65010 || g.BgpSessionState != core.VirtualCircuitBgpSessionStateDown || g.ServiceType != core.VirtualCircuitServiceTypeColocated ||
		len(g.CrossConnectMappings) != 1 || *g.CrossConnectMappings[0].OracleBgpPeeringIp != "10.250.0.1/30" || *g.CrossConnectMappings[0].Vlan != 200 {
		t.Fatalf("GetVirtualCircuit: %v %+v", err, g.VirtualCircuit)
	}
	list, err := c.ListVirtualCircuits(ctx(t), core.ListVirtualCircuitsRequest{CompartmentId: common.String(tenancy1)})
	if err != nil || len(list.Items) != 1 || *list.Items[0].Id != *r.Id {
		t.Fatalf("ListVirtualCircuits: %v %+v", err, list.Items)
	}
	_, err = c.UpdateVirtualCircuit(ctx(t), core.UpdateVirtualCircuitRequest{VirtualCircuitId: r.Id, IfMatch: common.String("stale"),
		UpdateVirtualCircuitDetails: core.UpdateVirtualCircuitDetails{CustomerAsn: common.Int64(65011)}})
	serviceError(t, err, 412, "NoEtagMatch")
	u, err := c.UpdateVirtualCircuit(ctx(t), core.UpdateVirtualCircuitRequest{VirtualCircuitId: r.Id, IfMatch: g.Etag,
		UpdateVirtualCircuitDetails: core.UpdateVirtualCircuitDetails{CustomerAsn: common.Int64(65011), CrossConnectMappings: mapping("10.250.1.2/31", "10.250.1.3/31")}})
	if err != nil || *u.CustomerAsn != 65011 || *u.CrossConnectMappings[0].CustomerBgpPeeringIp != "10.250.1.2/31" {
		t.Fatalf("UpdateVirtualCircuit: %v %+v", err, u.VirtualCircuit)
	}
	_, err = c.DeleteDrg(ctx(t), core.DeleteDrgRequest{DrgId: drg.Id})
	serviceError(t, err, 409, "Conflict")
	if _, err := c.DeleteVirtualCircuit(ctx(t), core.DeleteVirtualCircuitRequest{VirtualCircuitId: r.Id}); err != nil {
		t.Fatal(err)
	}
	d, err := c.GetVirtualCircuit(ctx(t), core.GetVirtualCircuitRequest{VirtualCircuitId: r.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}})
	if err != nil || d.LifecycleState != core.VirtualCircuitLifecycleStateTerminated {
		t.Fatalf("deleted circuit: %v %s", err, d.LifecycleState)
	}
}

// TestVirtualCircuitAttachment: a private circuit with a gatewayId is a
// VIRTUAL_CIRCUIT DRG attachment in the DRG's default table for virtual
// circuits, which DeleteDrgAttachment refuses (400 InvalidParameter);
// moving gatewayId to another DRG moves it, and deleting the circuit
// removes it. Its bgpSessionState is DOWN while no session is recorded.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/VirtualCircuitDrgAttachmentNetworkDetails — type VIRTUAL_CIRCUIT, id (the circuit)
func TestVirtualCircuitAttachment(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	drg1, drg2 := newDrg(t, c), newDrg(t, c)
	attached := func(drg core.Drg) []core.DrgAttachment {
		list, err := c.ListDrgAttachments(ctx(t), core.ListDrgAttachmentsRequest{CompartmentId: common.String(tenancy1), DrgId: drg.Id,
			AttachmentType: core.ListDrgAttachmentsAttachmentTypeVirtualCircuit})
		if err != nil {
			t.Fatal(err)
		}
		return list.Items
	}
	r, err := c.CreateVirtualCircuit(ctx(t), core.CreateVirtualCircuitRequest{CreateVirtualCircuitDetails: core.CreateVirtualCircuitDetails{
		CompartmentId: common.String(tenancy1), Type: core.CreateVirtualCircuitDetailsTypePrivate, CustomerAsn: common.Int64(65010), GatewayId: drg1.Id,
		CrossConnectMappings: []core.CrossConnectMapping{{CustomerBgpPeeringIp: common.String("10.250.0.2/31"), OracleBgpPeeringIp: common.String("10.250.0.3/31")}}}})
	if err != nil {
		t.Fatal(err)
	}
	atts := attached(drg1)
	if len(atts) != 1 || *atts[0].NetworkDetails.(core.VirtualCircuitDrgAttachmentNetworkDetails).Id != *r.Id || *atts[0].DrgRouteTableId != *drg1.DefaultDrgRouteTables.VirtualCircuit {
		t.Fatalf("VIRTUAL_CIRCUIT attachments of the DRG: %+v", atts)
	}
	if r.BgpSessionState != core.VirtualCircuitBgpSessionStateDown {
		t.Fatalf("bgpSessionState %s, want DOWN", r.BgpSessionState)
	}
	_, err = c.DeleteDrgAttachment(ctx(t), core.DeleteDrgAttachmentRequest{DrgAttachmentId: atts[0].Id})
	serviceError(t, err, 400, "InvalidParameter")
	if _, err := c.UpdateVirtualCircuit(ctx(t), core.UpdateVirtualCircuitRequest{VirtualCircuitId: r.Id,
		UpdateVirtualCircuitDetails: core.UpdateVirtualCircuitDetails{GatewayId: drg2.Id}}); err != nil {
		t.Fatal(err)
	}
	if a1, a2 := attached(drg1), attached(drg2); len(a1) != 0 || len(a2) != 1 {
		t.Fatalf("after moving the circuit: %d attachments on the first DRG, %d on the second", len(a1), len(a2))
	}
	if _, err := c.DeleteVirtualCircuit(ctx(t), core.DeleteVirtualCircuitRequest{VirtualCircuitId: r.Id}); err != nil {
		t.Fatal(err)
	}
	if a := attached(drg2); len(a) != 0 {
		t.Fatalf("the deleted circuit's attachment stayed: %+v", a)
	}
}
