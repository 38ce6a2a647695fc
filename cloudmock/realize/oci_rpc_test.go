package realize

import (
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestOCIRemotePeering: a VCN behind a DRG in us-phoenix-1 and one behind
// a DRG in us-ashburn-1, each routing 10.0.0.0/8 to its DRG, do not reach
// each other until the DRGs' RPCs are connected; then the DRGs exchange
// their VCNs' routes over the RPC attachments and the instances ping each
// other both ways; deleting an RPC ends it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/scenario_e.htm — remote VCN peering: each VCN's DRG has an RPC; once connected, the DRGs advertise their VCNs' routes to each other and the VCNs route the peer's CIDR to their DRG
func TestOCIRemotePeering(t *testing.T) {
	phx := newOCILab(t)
	iad := phx.inRegion("us-ashburn-1", "IAD-AD-1")
	var inst [2]model.Instance
	var rpc [2]*string
	for n, x := range []struct {
		o    ociLab
		cidr string
	}{{phx, "10.8.0.0/16"}, {iad, "10.9.0.0/16"}} {
		drg, err := x.o.vn.CreateDrg(x.o.ctx(), core.CreateDrgRequest{CreateDrgDetails: core.CreateDrgDetails{CompartmentId: common.String(ociTenancy)}})
		x.o.ok(err)
		v := x.o.vcn(x.cidr)
		_, err = x.o.vn.CreateDrgAttachment(x.o.ctx(), core.CreateDrgAttachmentRequest{CreateDrgAttachmentDetails: core.CreateDrgAttachmentDetails{
			DrgId: drg.Id, NetworkDetails: core.VcnDrgAttachmentNetworkCreateDetails{Id: v}}})
		x.o.ok(err)
		inst[n] = x.o.instance(x.o.routedSubnet(v, x.cidr[:5]+"1.0/24", x.o.routeTable(v, "10.0.0.0/8", drg.Id), false))
		r, err := x.o.vn.CreateRemotePeeringConnection(x.o.ctx(), core.CreateRemotePeeringConnectionRequest{CreateRemotePeeringConnectionDetails: core.CreateRemotePeeringConnectionDetails{
			CompartmentId: common.String(ociTenancy), DrgId: drg.Id}})
		x.o.ok(err)
		rpc[n] = r.Id
	}
	phx.sync()
	phx.pingFails(phx.ns(inst[0]), inst[1].PrivateIP)
	_, err := phx.vn.ConnectRemotePeeringConnections(phx.ctx(), core.ConnectRemotePeeringConnectionsRequest{RemotePeeringConnectionId: rpc[0],
		ConnectRemotePeeringConnectionsDetails: core.ConnectRemotePeeringConnectionsDetails{PeerId: rpc[1], PeerRegionName: common.String("us-ashburn-1")}})
	phx.ok(err)
	phx.pingOK(phx.ns(inst[0]), inst[1].PrivateIP)
	phx.pingOK(phx.ns(inst[1]), inst[0].PrivateIP)
	_, err = iad.vn.DeleteRemotePeeringConnection(iad.ctx(), core.DeleteRemotePeeringConnectionRequest{RemotePeeringConnectionId: rpc[1]})
	iad.ok(err)
	phx.pingFails(phx.ns(inst[0]), inst[1].PrivateIP)
}
