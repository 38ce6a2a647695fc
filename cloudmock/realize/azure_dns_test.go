package realize

import (
	"net/netip"
	"os"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Azure-provided DNS: with an internet configured, a VNet's VMs resolve
// the internet's names at 168.63.129.16 (the profile's ResolverVIP), and
// their resolv.conf names it; no resolver answers at the VNet's base plus
// two (AWS's); a user-defined route sending 0.0.0.0/0 to an appliance
// does not take the resolver's address away from the VM, since the
// host node answers it.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/what-is-ip-address-168-63-129-16 — the host node's virtual IP 168.63.129.16 serves Azure-provided DNS to the VMs of every VNet
func TestAzureProvidedDNS(t *testing.T) {
	l := newAzureLab(t, func(o *Options) { o.Internet = internetConfig(t) })
	_, subs := l.vnet("vnet1", "10.20.0.0/16", "10.20.1.0/24", "10.20.2.0/24")
	vm := l.vm(subs[0], "vm1")
	nva := l.vm(subs[1], "nva")
	l.routeTable("rt1", subs[0], toAppliance("0.0.0.0/0", nva.PrivateIP))
	l.sync()
	vip := netip.MustParseAddr("168.63.129.16")
	if got, err := lookup(l.ns(vm), vip, "api.example.com"); err != nil || len(got) != 1 || got[0] != webAddr {
		t.Errorf("lookup api.example.com at %s = %v, %v; want %s", vip, got, err, webAddr)
	}
	if got, err := lookup(l.ns(vm), netip.MustParseAddr("10.20.0.2"), "api.example.com"); err == nil {
		t.Errorf("a resolver answered at the VNet's base plus two (AWS's): %v", got)
	}
	resolv := "/etc/netns/" + l.ns(vm) + "/resolv.conf"
	if b, err := os.ReadFile(resolv); err != nil || string(b) != string(resolvConf(vip)) {
		t.Errorf("%s = %q, %v; want nameserver %s", resolv, b, err, vip)
	}
	if p, ok := model.LookupProfile(model.ProviderAzure); !ok || p.ResolverVIP != vip {
		t.Errorf("the Azure profile's ResolverVIP = %v, want %s", p.ResolverVIP, vip)
	}
}
