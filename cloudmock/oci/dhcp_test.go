package oci

import (
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
)

// TestDhcpOptionsSDK: a VCN's default DHCP options are the Internet and
// VCN Resolver; the SDK makes a set with custom DNS servers and a search
// domain (AVAILABLE after polling), lists the VCN's two sets, renames it
// with its ETag (a stale one 412), and deletes it (TERMINATED); refused:
// four custom servers and a set without a DNS option (400), deleting the
// default set (409 IncorrectState).
func TestDhcpOptionsSDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	v := newVcn(t, l, c, "dhcp", "10.0.0.0/16")
	def, err := c.GetDhcpOptions(ctx(t), core.GetDhcpOptionsRequest{DhcpId: v.DefaultDhcpOptionsId})
	if err != nil || len(def.Options) != 1 || def.Options[0].(core.DhcpDnsOption).ServerType != core.DhcpDnsOptionServerTypeVcnlocalplusinternet {
		t.Fatalf("default DHCP options: %v %+v", err, def.DhcpOptions)
	}
	mk := func(opts ...core.DhcpOption) (core.CreateDhcpOptionsResponse, error) {
		return c.CreateDhcpOptions(ctx(t), core.CreateDhcpOptionsRequest{CreateDhcpDetails: core.CreateDhcpDetails{
			CompartmentId: common.String(tenancy1), VcnId: v.Id, DisplayName: common.String("custom"), Options: opts}})
	}
	r, err := mk(core.DhcpDnsOption{ServerType: core.DhcpDnsOptionServerTypeCustomdnsserver, CustomDnsServers: []string{"10.0.0.53", "10.0.1.53"}},
		core.DhcpSearchDomainOption{SearchDomainNames: []string{"corp.example"}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.GetDhcpOptions(ctx(t), core.GetDhcpOptionsRequest{DhcpId: r.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("AVAILABLE")}})
	if err != nil || g.LifecycleState != core.DhcpOptionsLifecycleStateAvailable || *g.VcnId != *v.Id || len(g.Options) != 2 {
		t.Fatalf("DHCP options: %v %+v", err, g.DhcpOptions)
	}
	dns, ok := g.Options[0].(core.DhcpDnsOption)
	sd, ok2 := g.Options[1].(core.DhcpSearchDomainOption)
	if !ok || !ok2 || len(dns.CustomDnsServers) != 2 || dns.CustomDnsServers[1] != "10.0.1.53" || sd.SearchDomainNames[0] != "corp.example" {
		t.Fatalf("options %+v", g.Options)
	}
	_, err = mk(core.DhcpDnsOption{ServerType: core.DhcpDnsOptionServerTypeCustomdnsserver, CustomDnsServers: []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4"}})
	serviceError(t, err, 400, "InvalidParameter")
	_, err = mk(core.DhcpSearchDomainOption{SearchDomainNames: []string{"a.example"}})
	serviceError(t, err, 400, "MissingParameter")
	list, err := c.ListDhcpOptions(ctx(t), core.ListDhcpOptionsRequest{CompartmentId: common.String(tenancy1), VcnId: v.Id})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("list: %v %d", err, len(list.Items))
	}
	u, err := c.UpdateDhcpOptions(ctx(t), core.UpdateDhcpOptionsRequest{DhcpId: r.Id, IfMatch: g.Etag, UpdateDhcpDetails: core.UpdateDhcpDetails{DisplayName: common.String("custom2")}})
	if err != nil || *u.DisplayName != "custom2" {
		t.Fatalf("update: %v %+v", err, u.DhcpOptions)
	}
	_, err = c.DeleteDhcpOptions(ctx(t), core.DeleteDhcpOptionsRequest{DhcpId: r.Id, IfMatch: g.Etag})
	serviceError(t, err, 412, "NoEtagMatch")
	_, err = c.DeleteDhcpOptions(ctx(t), core.DeleteDhcpOptionsRequest{DhcpId: v.DefaultDhcpOptionsId})
	serviceError(t, err, 409, "IncorrectState")
	if _, err := c.DeleteDhcpOptions(ctx(t), core.DeleteDhcpOptionsRequest{DhcpId: r.Id}); err != nil {
		t.Fatal(err)
	}
	d, err := c.GetDhcpOptions(ctx(t), core.GetDhcpOptionsRequest{DhcpId: r.Id, RequestMetadata: common.RequestMetadata{RetryPolicy: waitFor("TERMINATED")}})
	if err != nil || d.LifecycleState != core.DhcpOptionsLifecycleStateTerminated {
		t.Fatalf("after delete: %v %s", err, d.LifecycleState)
	}
}
