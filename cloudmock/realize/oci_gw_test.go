package realize

import (
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// vcn makes a VCN with one CIDR block.
func (o ociLab) vcn(cidr string) *string {
	o.t.Helper()
	v, err := o.vn.CreateVcn(o.ctx(), core.CreateVcnRequest{CreateVcnDetails: core.CreateVcnDetails{CompartmentId: common.String(ociTenancy),
		CidrBlocks: []string{cidr}}})
	o.ok(err)
	return v.Id
}

// openList is a security list that allows all traffic, stateful.
func (o ociLab) openList(vcn *string) *string {
	o.t.Helper()
	return o.securityList(vcn, []core.IngressSecurityRule{{Protocol: common.String("all"), Source: common.String("0.0.0.0/0")}},
		[]core.EgressSecurityRule{{Protocol: common.String("all"), Destination: common.String("0.0.0.0/0")}})
}

// routeTable makes a VCN route table with one rule to a gateway.
func (o ociLab) routeTable(vcn *string, dst string, target *string) *string {
	o.t.Helper()
	r, err := o.vn.CreateRouteTable(o.ctx(), core.CreateRouteTableRequest{CreateRouteTableDetails: core.CreateRouteTableDetails{
		CompartmentId: common.String(ociTenancy), VcnId: vcn, RouteRules: []core.RouteRule{
			{Destination: common.String(dst), DestinationType: core.RouteRuleDestinationTypeCidrBlock, NetworkEntityId: target}}}})
	o.ok(err)
	return r.Id
}

// routedSubnet makes a regional subnet, public or private, with an open
// security list and a route table.
func (o ociLab) routedSubnet(vcn *string, cidr string, rt *string, public bool) *string {
	o.t.Helper()
	r, err := o.vn.CreateSubnet(o.ctx(), core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{CompartmentId: common.String(ociTenancy),
		VcnId: vcn, CidrBlock: common.String(cidr), SecurityListIds: []string{*o.openList(vcn)}, RouteTableId: rt, ProhibitPublicIpOnVnic: common.Bool(!public)}})
	o.ok(err)
	return r.Id
}

// TestOCIGatewaysAndNAT: through the Go SDK, a public subnet whose route
// table sends 0.0.0.0/0 to the internet gateway gives its instance (with
// the ephemeral public IP the subnet gives) the internet; a private
// subnet's instance reaches it through the NAT gateway its table names,
// and no longer when its table sends it to the internet gateway instead,
// as it has no public IP.
func TestOCIGatewaysAndNAT(t *testing.T) {
	o := newOCILab(t)
	v := o.vcn("10.1.0.0/16")
	igw, err := o.vn.CreateInternetGateway(o.ctx(), core.CreateInternetGatewayRequest{CreateInternetGatewayDetails: core.CreateInternetGatewayDetails{
		CompartmentId: common.String(ociTenancy), VcnId: v, IsEnabled: common.Bool(true)}})
	o.ok(err)
	nat, err := o.vn.CreateNatGateway(o.ctx(), core.CreateNatGatewayRequest{CreateNatGatewayDetails: core.CreateNatGatewayDetails{
		CompartmentId: common.String(ociTenancy), VcnId: v}})
	o.ok(err)
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIGs.htm — a public subnet's route table sends 0.0.0.0/0 to the internet gateway; its instances need public IPs
	p := o.instance(o.routedSubnet(v, "10.1.1.0/24", o.routeTable(v, "0.0.0.0/0", igw.Id), true))
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm — a private subnet's instances reach the internet through the NAT gateway its route table names
	privRT := o.routeTable(v, "0.0.0.0/0", nat.Id)
	q := o.instance(o.routedSubnet(v, "10.1.2.0/24", privRT, false))
	o.sync()
	o.pingOK(o.ns(p), InternetServer)
	o.pingOK(o.ns(q), InternetServer)
	_, err = o.vn.UpdateRouteTable(o.ctx(), core.UpdateRouteTableRequest{RtId: privRT, UpdateRouteTableDetails: core.UpdateRouteTableDetails{
		RouteRules: []core.RouteRule{{Destination: common.String("0.0.0.0/0"), DestinationType: core.RouteRuleDestinationTypeCidrBlock, NetworkEntityId: igw.Id}}}})
	o.ok(err)
	o.pingFails(o.ns(q), InternetServer)
	o.pingOK(o.ns(p), InternetServer)
}

// TestOCIDrgIsolation: two VCNs attached to a DRG route table without an
// import distribution do not reach each other although their route
// tables send 10.0.0.0/8 to the DRG; an import distribution that accepts
// VCN attachments, set on the table, connects them.
func TestOCIDrgIsolation(t *testing.T) {
	o := newOCILab(t)
	drg, err := o.vn.CreateDrg(o.ctx(), core.CreateDrgRequest{CreateDrgDetails: core.CreateDrgDetails{CompartmentId: common.String(ociTenancy)}})
	o.ok(err)
	iso, err := o.vn.CreateDrgRouteTable(o.ctx(), core.CreateDrgRouteTableRequest{CreateDrgRouteTableDetails: core.CreateDrgRouteTableDetails{DrgId: drg.Id}})
	o.ok(err)
	var inst [2]model.Instance
	for n, cidr := range []string{"10.2.0.0/16", "10.3.0.0/16"} {
		v := o.vcn(cidr)
		_, err := o.vn.CreateDrgAttachment(o.ctx(), core.CreateDrgAttachmentRequest{CreateDrgAttachmentDetails: core.CreateDrgAttachmentDetails{
			DrgId: drg.Id, DrgRouteTableId: iso.Id, NetworkDetails: core.VcnDrgAttachmentNetworkCreateDetails{Id: v}}})
		o.ok(err)
		inst[n] = o.instance(o.routedSubnet(v, cidr[:5]+"1.0/24", o.routeTable(v, "10.0.0.0/8", drg.Id), false))
	}
	o.sync()
	x, y := inst[0], inst[1]
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — a DRG route table learns the routes its import distribution accepts; without one it has only static rules
	o.pingFails(o.ns(x), y.PrivateIP)
	imp, err := o.vn.CreateDrgRouteDistribution(o.ctx(), core.CreateDrgRouteDistributionRequest{CreateDrgRouteDistributionDetails: core.CreateDrgRouteDistributionDetails{
		DrgId: drg.Id, DistributionType: core.CreateDrgRouteDistributionDetailsDistributionTypeImport}})
	o.ok(err)
	_, err = o.vn.AddDrgRouteDistributionStatements(o.ctx(), core.AddDrgRouteDistributionStatementsRequest{DrgRouteDistributionId: imp.Id,
		AddDrgRouteDistributionStatementsDetails: core.AddDrgRouteDistributionStatementsDetails{Statements: []core.AddDrgRouteDistributionStatementDetails{{
			MatchCriteria: []core.DrgRouteDistributionMatchCriteria{core.DrgAttachmentTypeDrgRouteDistributionMatchCriteria{AttachmentType: core.DrgAttachmentTypeDrgRouteDistributionMatchCriteriaAttachmentTypeVcn}},
			Action:        core.AddDrgRouteDistributionStatementDetailsActionAccept, Priority: common.Int(10)}}}})
	o.ok(err)
	_, err = o.vn.UpdateDrgRouteTable(o.ctx(), core.UpdateDrgRouteTableRequest{DrgRouteTableId: iso.Id,
		UpdateDrgRouteTableDetails: core.UpdateDrgRouteTableDetails{ImportDrgRouteDistributionId: imp.Id}})
	o.ok(err)
	o.pingOK(o.ns(x), y.PrivateIP)
	o.pingOK(o.ns(y), x.PrivateIP)
}

// TestOCILocalPeering: two VCNs whose LPGs are connected reach each
// other once each VCN's route table sends the other's CIDR to its LPG,
// and not before.
func TestOCILocalPeering(t *testing.T) {
	o := newOCILab(t)
	var inst [2]model.Instance
	var lpg, vcns [2]*string
	for n, cidr := range []string{"10.4.0.0/16", "10.5.0.0/16"} {
		vcns[n] = o.vcn(cidr)
		g, err := o.vn.CreateLocalPeeringGateway(o.ctx(), core.CreateLocalPeeringGatewayRequest{CreateLocalPeeringGatewayDetails: core.CreateLocalPeeringGatewayDetails{
			CompartmentId: common.String(ociTenancy), VcnId: vcns[n]}})
		o.ok(err)
		lpg[n] = g.Id
	}
	_, err := o.vn.ConnectLocalPeeringGateways(o.ctx(), core.ConnectLocalPeeringGatewaysRequest{LocalPeeringGatewayId: lpg[0],
		ConnectLocalPeeringGatewaysDetails: core.ConnectLocalPeeringGatewaysDetails{PeerId: lpg[1]}})
	o.ok(err)
	var tables [2]*string
	for n, cidr := range []string{"10.4.1.0/24", "10.5.1.0/24"} {
		other := []string{"10.5.0.0/16", "10.4.0.0/16"}[n]
		tables[n] = o.routeTable(vcns[n], other, lpg[n])
		inst[n] = o.instance(o.routedSubnet(vcns[n], cidr, nil, false))
	}
	o.sync()
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/localVCNpeering.htm — each VCN's subnets need route rules that send the peer's CIDR to the LPG
	o.pingFails(o.ns(inst[0]), inst[1].PrivateIP)
	for n, id := range inst {
		_, err := o.vn.UpdateSubnet(o.ctx(), core.UpdateSubnetRequest{SubnetId: common.String(id.SubnetID), UpdateSubnetDetails: core.UpdateSubnetDetails{RouteTableId: tables[n]}})
		o.ok(err)
	}
	o.pingOK(o.ns(inst[0]), inst[1].PrivateIP)
	o.pingOK(o.ns(inst[1]), inst[0].PrivateIP)
}
