package realize

import (
	"context"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// The BGP peering addresses of TestOCIFastConnect's circuit, one /30.
var (
	vcOracleBGP   = netip.MustParsePrefix("192.168.77.2/30")
	vcCustomerBGP = netip.MustParsePrefix("192.168.77.1/30")
)

// TestOCIFastConnect: through the Go SDK, a private virtual circuit on
// the lab's line line1 to a DRG with VCN 10.10.0.0/16 attached (Oracle
// 192.168.77.2/30, the customer .1 in AS 65020) is a VIRTUAL_CIRCUIT DRG
// attachment; a customer router on the line's far end running bgpd
// brings its session with Oracle's AS 31898 up: bgpSessionState UP as the
// SDK reads it, the router learns 10.10.0.0/16, its LAN 172.16.2.0/24 is
// a dynamic VIRTUAL_CIRCUIT rule of the VCN attachments' DRG route table,
// and the VCN's instance and a host behind the router ping each other.
// The router stopped, bgpSessionState goes DOWN, the rule goes and the
// host is no longer reached; deleting the circuit removes its attachment.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — private peering: BGP between the customer's edge and Oracle (ASN 31898) over the virtual circuit to the DRG
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect_requirements.htm — private peering: BGP peering addresses in a /30 or /31, the customer's ASN
func TestOCIFastConnect(t *testing.T) {
	roottest.Require(t)
	nss := roottest.NewNamespaces(t, "colo", "host")
	site, onprem := nss[0], nss[1]
	t.Cleanup(func() { _ = emulator.KillNamespace(site.Name) }) // FRR, before the namespace goes
	o := newOCILab(t, func(opt *Options) {
		opt.Circuits = []Circuit{{Name: "line1", Account: ociTenancy, Region: "us-phoenix-1", Namespace: site.Name, Interface: "ic0"}}
	})
	t.Cleanup(func() { _ = os.RemoveAll(state.Dir(o.name)) })
	drg, v := o.drgVCN()
	vm := o.instance(o.routedSubnet(v, "10.10.1.0/24", o.routeTable(v, "172.16.0.0/12", drg.Id), false))
	vc, err := o.vn.CreateVirtualCircuit(o.ctx(), core.CreateVirtualCircuitRequest{CreateVirtualCircuitDetails: core.CreateVirtualCircuitDetails{
		CompartmentId: common.String(ociTenancy), Type: core.CreateVirtualCircuitDetailsTypePrivate, GatewayId: drg.Id, CustomerAsn: common.Int64(65020),
		CrossConnectMappings: []core.CrossConnectMapping{{CrossConnectOrCrossConnectGroupId: common.String("line1"),
			CustomerBgpPeeringIp: common.String(vcCustomerBGP.String()), OracleBgpPeeringIp: common.String(vcOracleBGP.String())}}}})
	o.ok(err)
	if att := o.vcAttachments(drg.Id); len(att) != 1 || *att[0] != *vc.Id {
		t.Fatalf("the DRG's VIRTUAL_CIRCUIT attachments are of %v, want the circuit %s", att, *vc.Id)
	}
	o.sync()

	start := time.Now()
	host := onpremHost(t, site, onprem)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	customerBGP(ctx, t, o.name, site, 65020, 31898, vcCustomerBGP.Addr(), vcOracleBGP.Addr(), netip.MustParsePrefix("10.10.0.0/16"))
	waitFor(ctx, t, "bgpSessionState UP", func() bool { return o.vcSession(vc.Id) == core.VirtualCircuitBgpSessionStateUp })
	t.Logf("BGP over the circuit up, bgpSessionState UP, the VCN learned: %.1f s", time.Since(start).Seconds())
	lan := netip.MustParsePrefix("172.16.2.0/24")
	waitFor(ctx, t, "172.16.2.0/24 in the VCN attachments' DRG route table from the circuit", func() bool {
		return o.drgLearned(drg, lan, core.DrgRouteRuleRouteProvenanceVirtualCircuit)
	})
	o.sync()
	o.pingOK(o.ns(vm), host)
	o.pingOK(onprem.Name, vm.PrivateIP)

	// The customer's router stops: Oracle's session goes down.
	o.ok(emulator.KillNamespace(site.Name))
	stopped := time.Now()
	waitFor(ctx, t, "bgpSessionState DOWN", func() bool { return o.vcSession(vc.Id) == core.VirtualCircuitBgpSessionStateDown })
	t.Logf("bgpSessionState DOWN %.1f s after the router stopped", time.Since(stopped).Seconds())
	waitFor(ctx, t, "172.16.2.0/24 gone from the DRG route table", func() bool {
		return !o.drgLearned(drg, lan, core.DrgRouteRuleRouteProvenanceVirtualCircuit)
	})
	o.sync()
	o.pingFails(o.ns(vm), host)

	_, err = o.vn.DeleteVirtualCircuit(o.ctx(), core.DeleteVirtualCircuitRequest{VirtualCircuitId: vc.Id})
	o.ok(err)
	if att := o.vcAttachments(drg.Id); len(att) != 0 {
		t.Fatalf("the circuit's attachment stayed: %v", att)
	}
}

// vcAttachments are the circuits of a DRG's VIRTUAL_CIRCUIT attachments,
// as ListDrgAttachments lists them.
func (o ociLab) vcAttachments(drg *string) []*string {
	o.t.Helper()
	list, err := o.vn.ListDrgAttachments(o.ctx(), core.ListDrgAttachmentsRequest{CompartmentId: common.String(ociTenancy), DrgId: drg,
		AttachmentType: core.ListDrgAttachmentsAttachmentTypeVirtualCircuit})
	o.ok(err)
	var out []*string
	for _, a := range list.Items {
		if d, ok := a.NetworkDetails.(core.VirtualCircuitDrgAttachmentNetworkDetails); ok {
			out = append(out, d.Id)
		}
	}
	return out
}

// vcSession is a circuit's bgpSessionState as GetVirtualCircuit reads it.
func (o ociLab) vcSession(id *string) core.VirtualCircuitBgpSessionStateEnum {
	o.t.Helper()
	g, err := o.vn.GetVirtualCircuit(o.ctx(), core.GetVirtualCircuitRequest{VirtualCircuitId: id})
	o.ok(err)
	return g.BgpSessionState
}
