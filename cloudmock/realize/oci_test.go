package realize

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	cmoci "github.com/mcnlab/mcnlab/cloudmock/oci"
)

const (
	ociTenancy = "ocid1.tenancy.oc1..aaaaaaaalabtenancy"
	ociUser    = "ocid1.user.oc1..aaaaaaaalabuser"
	ociAD      = model.OCIADPrefix + ":PHX-AD-1"
)

// ociLab is a realized lab with an OCI tenancy whose Core Services API
// the Go SDK drives with signed requests: the front-end wrapped in
// InForce, so that a call's change is in the dataplane when it returns.
type ociLab struct {
	*lab
	vn   core.VirtualNetworkClient
	cc   core.ComputeClient
	srv  *cmoci.Server
	prov common.ConfigurationProvider
	ad   string // the availability domain instances launch in
}

func newOCILab(t *testing.T, opts ...func(*Options)) ociLab {
	t.Helper()
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	c.AddAccount(model.Account{ID: ociTenancy, Provider: model.ProviderOCI})
	l := newLabOn(t, c, func(o *Options) {
		for _, f := range opts {
			f(o)
		}
	})
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	l.ok(err)
	srv := cmoci.New(c, cmoci.Config{Region: "us-phoenix-1", Users: []cmoci.User{{Tenancy: ociTenancy, User: ociUser, Key: &key.PublicKey}}})
	ts := httptest.NewServer(l.r.InForce(srv))
	t.Cleanup(ts.Close)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	prov := common.NewRawConfigurationProvider(ociTenancy, ociUser, "us-phoenix-1", cmoci.Fingerprint(&key.PublicKey), pemKey, nil)
	vn, err := core.NewVirtualNetworkClientWithConfigurationProvider(prov)
	l.ok(err)
	cc, err := core.NewComputeClientWithConfigurationProvider(prov)
	l.ok(err)
	vn.Host, cc.Host = ts.URL, ts.URL
	return ociLab{lab: l, vn: vn, cc: cc, srv: srv, prov: prov, ad: ociAD}
}

// inRegion is the lab's tenancy in another region, served by the
// server's InRegion (InForce too), its instances in the region's first
// availability domain.
func (o ociLab) inRegion(region, ad string) ociLab {
	o.t.Helper()
	ts := httptest.NewServer(o.r.InForce(o.srv.InRegion(region)))
	o.t.Cleanup(ts.Close)
	vn, err := core.NewVirtualNetworkClientWithConfigurationProvider(o.prov)
	o.ok(err)
	cc, err := core.NewComputeClientWithConfigurationProvider(o.prov)
	o.ok(err)
	vn.Host, cc.Host = ts.URL, ts.URL
	return ociLab{lab: o.lab, vn: vn, cc: cc, srv: o.srv, prov: o.prov, ad: model.OCIADPrefix + ":" + ad}
}

func (o ociLab) ctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	o.t.Cleanup(cancel)
	return c
}

// tcpRule is a security list rule for TCP to a port (all ports when 0)
// from or to a CIDR.
func tcpRule(cidr string, port int, stateless bool) (core.IngressSecurityRule, core.EgressSecurityRule) {
	var opts *core.TcpOptions
	if port != 0 {
		opts = &core.TcpOptions{DestinationPortRange: &core.PortRange{Min: common.Int(port), Max: common.Int(port)}}
	}
	return core.IngressSecurityRule{Protocol: common.String("6"), Source: common.String(cidr), IsStateless: common.Bool(stateless), TcpOptions: opts},
		core.EgressSecurityRule{Protocol: common.String("6"), Destination: common.String(cidr), IsStateless: common.Bool(stateless), TcpOptions: opts}
}

// securityList makes a VCN's security list with the given rules.
func (o ociLab) securityList(vcn *string, in []core.IngressSecurityRule, out []core.EgressSecurityRule) *string {
	o.t.Helper()
	r, err := o.vn.CreateSecurityList(o.ctx(), core.CreateSecurityListRequest{CreateSecurityListDetails: core.CreateSecurityListDetails{
		CompartmentId: common.String(ociTenancy), VcnId: vcn, IngressSecurityRules: in, EgressSecurityRules: out}})
	o.ok(err)
	return r.Id
}

// setRules replaces a security list's rules.
func (o ociLab) setRules(id *string, in []core.IngressSecurityRule, out []core.EgressSecurityRule) {
	o.t.Helper()
	_, err := o.vn.UpdateSecurityList(o.ctx(), core.UpdateSecurityListRequest{SecurityListId: id,
		UpdateSecurityListDetails: core.UpdateSecurityListDetails{IngressSecurityRules: in, EgressSecurityRules: out}})
	o.ok(err)
}

// subnet makes a private regional subnet with one security list.
func (o ociLab) subnet(vcn *string, cidr string, list *string) *string {
	o.t.Helper()
	r, err := o.vn.CreateSubnet(o.ctx(), core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{CompartmentId: common.String(ociTenancy),
		VcnId: vcn, CidrBlock: common.String(cidr), SecurityListIds: []string{*list}, ProhibitPublicIpOnVnic: common.Bool(true)}})
	o.ok(err)
	return r.Id
}

// instance launches an instance in a subnet, its VNIC in the NSGs, and
// returns its model instance.
func (o ociLab) instance(subnet *string, nsgs ...string) model.Instance {
	o.t.Helper()
	r, err := o.cc.LaunchInstance(o.ctx(), core.LaunchInstanceRequest{LaunchInstanceDetails: core.LaunchInstanceDetails{
		AvailabilityDomain: common.String(o.ad), CompartmentId: common.String(ociTenancy), Shape: common.String("VM.Standard.E4.Flex"),
		SourceDetails:     core.InstanceSourceViaImageDetails{ImageId: common.String("ocid1.image.oc1.phx.aaaaaaaalab")},
		CreateVnicDetails: &core.CreateVnicDetails{SubnetId: subnet, NsgIds: nsgs}}})
	o.ok(err)
	for _, i := range o.cloud.Instances(ociTenancy) {
		if i.ID == *r.Id {
			return i
		}
	}
	o.t.Fatalf("instance %s is no model instance", *r.Id)
	return model.Instance{}
}

// TestOCISecurityListsAndNSGs: through the Go SDK, a server subnet's
// security list with a stateless ingress rule for tcp/80 and no egress
// rule lets the SYN in but not the SYN-ACK out, so the connection fails;
// the stateless egress counterpart makes it work; a stateful ingress rule
// alone works too. An NSG's tcp/8080 allow opens a VNIC in it although
// the subnet's security list allows nothing on 8080 (the union of lists
// and groups), and not the VNIC beside it that is in no NSG; the list's
// tcp/80 still opens the NSG's VNIC, which the NSG does not allow.
func TestOCISecurityListsAndNSGs(t *testing.T) {
	o := newOCILab(t)
	v, err := o.vn.CreateVcn(o.ctx(), core.CreateVcnRequest{CreateVcnDetails: core.CreateVcnDetails{CompartmentId: common.String(ociTenancy),
		CidrBlocks: []string{"10.0.0.0/16"}}})
	o.ok(err)
	allIn, allOut := tcpRule("0.0.0.0/0", 0, false)
	client := o.securityList(v.Id, []core.IngressSecurityRule{allIn}, []core.EgressSecurityRule{allOut})
	in80, _ := tcpRule("10.0.1.0/24", 80, true)
	server := o.securityList(v.Id, []core.IngressSecurityRule{in80}, []core.EgressSecurityRule{})
	a := o.instance(o.subnet(v.Id, "10.0.1.0/24", client))
	sb := o.subnet(v.Id, "10.0.2.0/24", server)
	nsg, err := o.vn.CreateNetworkSecurityGroup(o.ctx(), core.CreateNetworkSecurityGroupRequest{CreateNetworkSecurityGroupDetails: core.CreateNetworkSecurityGroupDetails{
		CompartmentId: common.String(ociTenancy), VcnId: v.Id, DisplayName: common.String("app")}})
	o.ok(err)
	b, c := o.instance(sb), o.instance(sb, *nsg.Id)
	o.sync()
	nsA, nsB, nsC := o.ns(a), o.ns(b), o.ns(c)
	for _, ns := range []string{nsB, nsC} {
		o.serve(ns, netip.IPv4Unspecified(), 80)
		o.serve(ns, netip.IPv4Unspecified(), 8080)
	}

	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm#stateful — a stateless rule tracks nothing: the response needs a rule of its own
	o.tcpFails(nsA, b.PrivateIP, 80)
	in80, out80 := tcpRule("10.0.1.0/24", 0, true)
	in80.TcpOptions = &core.TcpOptions{DestinationPortRange: &core.PortRange{Min: common.Int(80), Max: common.Int(80)}}
	o.setRules(server, []core.IngressSecurityRule{in80}, []core.EgressSecurityRule{out80})
	o.tcpOK(nsA, b.PrivateIP, 80)
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm#stateful — a stateful rule's response traffic is allowed without an egress rule
	state80, _ := tcpRule("10.0.1.0/24", 80, false)
	o.setRules(server, []core.IngressSecurityRule{state80}, []core.EgressSecurityRule{})
	o.tcpOK(nsA, b.PrivateIP, 80)

	// The union: the NSG opens 8080 on c; the list opens 80 on c.
	_, err = o.vn.AddNetworkSecurityGroupSecurityRules(o.ctx(), core.AddNetworkSecurityGroupSecurityRulesRequest{NetworkSecurityGroupId: nsg.Id,
		AddNetworkSecurityGroupSecurityRulesDetails: core.AddNetworkSecurityGroupSecurityRulesDetails{SecurityRules: []core.AddSecurityRuleDetails{{
			Direction: core.AddSecurityRuleDetailsDirectionIngress, Protocol: common.String("6"), Source: common.String("10.0.1.0/24"),
			SourceType: core.AddSecurityRuleDetailsSourceTypeCidrBlock,
			TcpOptions: &core.TcpOptions{DestinationPortRange: &core.PortRange{Min: common.Int(8080), Max: common.Int(8080)}}}}}})
	o.ok(err)
	// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm#comparison — a packet is allowed if any rule of any list or NSG that applies allows it
	o.tcpOK(nsA, c.PrivateIP, 8080)
	o.tcpFails(nsA, b.PrivateIP, 8080)
	o.tcpOK(nsA, c.PrivateIP, 80)
}
