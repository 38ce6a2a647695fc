package intent

import (
	"maps"
	"net/netip"
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// TestPSFDesired: topologies/security.yaml's PSF gateway is a firewall
// instance with the source/destination check off in its subnet, whose
// default route is the internet and which has a network ACL of its own; shared-vpc's internet gateway gets an
// ingress table sending the web subnet to the gateway, and the web
// subnet's default route is the gateway; its policy denies each blocked
// address once.
func TestPSFDesired(t *testing.T) {
	p := compileFile(t, "../../topologies/security.yaml")
	d := p.Accounts[0].Desired
	i := slices.IndexFunc(d.Instances, func(x cloud.Instance) bool { return x.Key == "shared-psf" })
	if i < 0 {
		t.Fatal("no instance shared-psf")
	}
	if in := d.Instances[i]; in.Image != cloud.ImageFirewall || in.SourceDestCheck || in.Subnet != "shared-vpc/psf" || in.PrivateIP != netip.MustParseAddr("10.3.3.20") {
		t.Errorf("shared-psf = %+v", in)
	}
	if !slices.Contains(d.Routes, cloud.Route{Subnet: "shared-vpc/psf", Destination: netip.MustParsePrefix("0.0.0.0/0"), Target: cloud.TargetInternet}) {
		t.Errorf("no default route to the internet in the psf subnet: %+v", d.Routes)
	}
	for _, v := range d.VPCs {
		if v.IngressRouting != (v.Key == "shared-vpc") || (v.Key == "shared-vpc" && !v.Internet) {
			t.Errorf("vpc %s: IngressRouting %v, Internet %v", v.Key, v.IngressRouting, v.Internet)
		}
		for _, s := range v.Subnets {
			if s.OwnACL != (s.Key == "shared-vpc/psf") {
				t.Errorf("subnet %s: OwnACL %v; want a network ACL of its own only for the PSF gateway's subnet", s.Key, s.OwnACL)
			}
		}
	}
	want := map[string]map[netip.Prefix]string{"shared-vpc/ingress": {netip.MustParsePrefix("10.3.2.0/24"): "shared-psf"}}
	if got := p.IngressRoutes(); !maps.EqualFunc(got, want, maps.Equal) {
		t.Errorf("IngressRoutes = %v, want %v", got, want)
	}
	if r := p.GatewayDefaultRoutes()["shared-vpc/web"]; r.Gateway != "shared-psf" {
		t.Errorf("web subnet's default route = %+v, want shared-psf", r)
	}
	if g := p.PSFOf("shared-vpc/web"); g == nil || g.Key != "shared-psf" {
		t.Errorf("PSFOf(shared-vpc/web) = %v", g)
	}
	if g := p.PSFOf("prod-vpc/app"); g != nil {
		t.Errorf("PSFOf(prod-vpc/app) = %v, want none", g)
	}
	a := netip.MustParseAddr("192.0.2.66")
	cfg := PSFConfig([]netip.Addr{a, a})
	if cfg.Default != "allow" || len(cfg.Rules) != 1 || cfg.Rules[0].Name != "guardduty-192.0.2.66" || cfg.Rules[0].Action != "deny" ||
		cfg.Rules[0].Src != netip.MustParsePrefix("192.0.2.66/32") {
		t.Errorf("PSFConfig = %+v", cfg)
	}
	if _, err := cfg.Engine(); err != nil {
		t.Errorf("the firewall engine refuses PSFConfig: %v", err)
	}
}
