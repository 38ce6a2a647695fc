package realize

import (
	"net/netip"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestOCIServiceGateway: through the Go SDK, an instance in a private
// subnet of a VCN with no internet or NAT gateway, and no public IP,
// fetches from the region's Oracle Services Network (Object Storage's
// name, served at the region's address on model.OCIServiceSpace) once its
// subnet's route table sends the service CIDR label to the service
// gateway; the instance of a private subnet whose table has no such rule
// does not reach it, nor does the first once its rule is removed.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm — a private subnet's route rule with the service CIDR label as destination and the service gateway as target gives its resources access to Oracle services without a public IP or NAT
func TestOCIServiceGateway(t *testing.T) {
	cfg := internetConfig(t)
	o := newOCILab(t, func(opt *Options) { opt.Internet = cfg })
	v := o.vcn("10.7.0.0/16")
	svcs, err := o.vn.ListServices(o.ctx(), core.ListServicesRequest{})
	o.ok(err)
	label := *svcs.Items[0].CidrBlock
	sgw, err := o.vn.CreateServiceGateway(o.ctx(), core.CreateServiceGatewayRequest{CreateServiceGatewayDetails: core.CreateServiceGatewayDetails{
		CompartmentId: common.String(ociTenancy), VcnId: v, Services: []core.ServiceIdRequestDetails{{ServiceId: svcs.Items[0].Id}}}})
	o.ok(err)
	rt, err := o.vn.CreateRouteTable(o.ctx(), core.CreateRouteTableRequest{CreateRouteTableDetails: core.CreateRouteTableDetails{
		CompartmentId: common.String(ociTenancy), VcnId: v, RouteRules: []core.RouteRule{
			{Destination: common.String(label), DestinationType: core.RouteRuleDestinationTypeServiceCidrBlock, NetworkEntityId: sgw.Id}}}})
	o.ok(err)
	p := o.instance(o.routedSubnet(v, "10.7.1.0/24", rt.Id, false))
	q := o.instance(o.routedSubnet(v, "10.7.2.0/24", nil, false))
	o.sync()
	svc := model.OCIServices("us-phoenix-1")[0]
	for _, i := range []model.Instance{p, q} {
		if e, err := o.cloud.NetworkInterface(ociTenancy, i.NetworkInterfaceID); err != nil || e.PublicIP.IsValid() {
			t.Fatalf("the private subnets' VNIC %s: %v, public IP %s", i.NetworkInterfaceID, err, e.PublicIP)
		}
	}
	get := func(i model.Instance) (string, error) {
		return getHTTPS(o.ns(i), netip.MustParseAddr("10.7.0.2"), cfg.CA.Pool(), svc.DNSName)
	}
	want := "all-us-phoenix-1 " + svc.DNSName + " /\n"
	if body, err := get(p); err != nil || body != want {
		t.Fatalf("through the service gateway: GET %s = %q, %v; want %q", svc.DNSName, body, err, want)
	}
	o.pingOK(o.ns(p), svc.Addr)
	if body, err := get(q); err == nil {
		t.Fatalf("a subnet without the route rule reached %s: %q", svc.DNSName, body)
	}
	o.pingFails(o.ns(q), svc.Addr)
	_, err = o.vn.UpdateRouteTable(o.ctx(), core.UpdateRouteTableRequest{RtId: rt.Id, UpdateRouteTableDetails: core.UpdateRouteTableDetails{RouteRules: []core.RouteRule{}}})
	o.ok(err)
	o.pingFails(o.ns(p), svc.Addr)
}
