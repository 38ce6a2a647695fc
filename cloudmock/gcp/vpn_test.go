package gcp_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

const region = "us-central1"

// haVPN makes, on net1 (subnet a, 10.1.0.0/24, us-central1) plus subnet
// b (10.9.0.0/24, us-east1), Cloud Router r1 (ASN 64514), HA VPN gateway
// gw1, external gateway peer (two interfaces) and tunnels t0 and t1, one
// per interface pair.
func haVPN(t *testing.T, svc *compute.Service) *compute.VpnGateway {
	t.Helper()
	netWithSubnet(t, svc)
	must[*compute.Operation](t)(svc.Subnetworks.Insert(project, "us-east1", &compute.Subnetwork{Name: "b", Network: "global/networks/net1", IpCidrRange: "10.9.0.0/24"}).Do())
	must[*compute.Operation](t)(svc.Routers.Insert(project, region, &compute.Router{Name: "r1", Network: "global/networks/net1", Bgp: &compute.RouterBgp{Asn: 64514}}).Do())
	must[*compute.Operation](t)(svc.VpnGateways.Insert(project, region, &compute.VpnGateway{Name: "gw1", Network: "global/networks/net1"}).Do())
	must[*compute.Operation](t)(svc.ExternalVpnGateways.Insert(project, &compute.ExternalVpnGateway{Name: "peer", RedundancyType: "TWO_IPS_REDUNDANCY",
		Interfaces: []*compute.ExternalVpnGatewayInterface{{Id: 0, IpAddress: "198.51.100.10"}, {Id: 1, IpAddress: "198.51.100.11"}}}).Do())
	for i := range 2 {
		must[*compute.Operation](t)(svc.VpnTunnels.Insert(project, region, &compute.VpnTunnel{Name: "t" + string(rune('0'+i)), VpnGateway: "gw1",
			VpnGatewayInterface: int64(i), PeerExternalGateway: "global/externalVpnGateways/peer", PeerExternalGatewayInterface: int64(i),
			SharedSecret: "s3cret", IkeVersion: 2, Router: "r1", ForceSendFields: []string{"VpnGatewayInterface", "PeerExternalGatewayInterface"}}).Do())
	}
	return must[*compute.VpnGateway](t)(svc.VpnGateways.Get(project, region, "gw1").Do())
}

// TestHAVPNLibrary: through the Go library an HA VPN gateway gets two
// interfaces with distinct external addresses, an external gateway and
// two IKEv2 tunnels bound to Cloud Router r1 are made (their secret
// masked, WAITING_FOR_FULL_CONFIG until the router has an interface and
// a BGP peer on each, then NO_INCOMING_PACKETS); bad tunnels, external
// gateways and BGP peers get GCP's reasons; what is in use cannot be
// deleted, and everything goes in order.
func TestHAVPNLibrary(t *testing.T) {
	svc, _, _ := newService(t)
	gw := haVPN(t, svc)
	if len(gw.VpnInterfaces) != 2 || gw.VpnInterfaces[0].IpAddress == gw.VpnInterfaces[1].IpAddress || gw.VpnInterfaces[1].Id != 1 {
		t.Fatalf("HA VPN gateway interfaces %+v", gw.VpnInterfaces)
	}
	for _, i := range gw.VpnInterfaces {
		if !netip.MustParsePrefix("35.242.0.0/16").Contains(netip.MustParseAddr(i.IpAddress)) {
			t.Errorf("interface %d address %s", i.Id, i.IpAddress)
		}
	}
	t0 := must[*compute.VpnTunnel](t)(svc.VpnTunnels.Get(project, region, "t0").Do())
	if t0.Status != "WAITING_FOR_FULL_CONFIG" || t0.SharedSecret == "s3cret" || t0.PeerIp != "198.51.100.10" || t0.IkeVersion != 2 ||
		!strings.HasSuffix(t0.Router, "/regions/us-central1/routers/r1") || !strings.HasSuffix(t0.VpnGateway, "/vpnGateways/gw1") {
		t.Fatalf("tunnel t0 %+v", t0)
	}
	t1 := must[*compute.VpnTunnel](t)(svc.VpnTunnels.Get(project, region, "t1").Do())
	if t1.PeerIp != "198.51.100.11" || t1.VpnGatewayInterface != 1 {
		t.Fatalf("tunnel t1 %+v", t1)
	}
	if agg := must[*compute.VpnTunnelAggregatedList](t)(svc.VpnTunnels.AggregatedList(project).Do()); len(agg.Items["regions/us-central1"].VpnTunnels) != 2 {
		t.Fatalf("aggregated tunnels %+v", agg.Items)
	}
	badTunnels(t, svc)
	bgpSessions(t, svc)
	for _, n := range []string{"t0", "t1"} {
		if tu := must[*compute.VpnTunnel](t)(svc.VpnTunnels.Get(project, region, n).Do()); tu.Status != "NO_INCOMING_PACKETS" {
			t.Errorf("tunnel %s with its BGP session configured: %s", n, tu.Status)
		}
	}
	badPeers(t, svc)

	// In use: the tunnel by the router's interface, the router by the
	// tunnel, the gateways by the tunnels, the network by the gateway.
	wantOpFailed(t)(svc.VpnTunnels.Delete(project, region, "t0").Do())
	wantOpFailed(t)(svc.Routers.Delete(project, region, "r1").Do())
	wantOpFailed(t)(svc.VpnGateways.Delete(project, region, "gw1").Do())
	wantOpFailed(t)(svc.ExternalVpnGateways.Delete(project, "peer").Do())
	must[*compute.Operation](t)(svc.Routers.Patch(project, region, "r1", &compute.Router{NullFields: []string{"Interfaces", "BgpPeers"}}).Do())
	for _, n := range []string{"t0", "t1"} {
		must[*compute.Operation](t)(svc.VpnTunnels.Delete(project, region, n).Do())
	}
	wantOpFailed(t)(svc.Networks.Delete(project, "net1").Do())
	must[*compute.Operation](t)(svc.VpnGateways.Delete(project, region, "gw1").Do())
	must[*compute.Operation](t)(svc.ExternalVpnGateways.Delete(project, "peer").Do())
	must[*compute.Operation](t)(svc.Routers.Delete(project, region, "r1").Do())
	if l := must[*compute.VpnGatewayList](t)(svc.VpnGateways.List(project, region).Do()); len(l.Items) != 0 {
		t.Fatalf("gateways left: %+v", l.Items)
	}
}

// wantOpFailed checks that a deletion failed as GCP fails a deletion of
// a resource in use: inside its operation, RESOURCE_IN_USE_BY_ANOTHER_RESOURCE.
func wantOpFailed(t *testing.T) func(*compute.Operation, error) {
	return func(op *compute.Operation, err error) {
		t.Helper()
		if err != nil || op.Error == nil || len(op.Error.Errors) == 0 || op.Error.Errors[0].Code != "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE" {
			t.Fatalf("deletion: operation %+v, error %v; want RESOURCE_IN_USE_BY_ANOTHER_RESOURCE in the operation", op, err)
		}
	}
}

func badTunnels(t *testing.T, svc *compute.Service) {
	t.Helper()
	must[*compute.Operation](t)(svc.Networks.Insert(project, &compute.Network{Name: "net2", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do())
	must[*compute.Operation](t)(svc.Routers.Insert(project, region, &compute.Router{Name: "r2", Network: "global/networks/net2", Bgp: &compute.RouterBgp{Asn: 64515}}).Do())
	ok := compute.VpnTunnel{Name: "tx", VpnGateway: "gw1", PeerExternalGateway: "global/externalVpnGateways/peer", SharedSecret: "x", Router: "r1"}
	bad := func(code int, reason string, change func(*compute.VpnTunnel)) {
		t.Helper()
		in := ok
		change(&in)
		_, err := svc.VpnTunnels.Insert(project, region, &in).Do()
		wantReason(t, err, code, reason)
	}
	bad(400, "required", func(v *compute.VpnTunnel) { v.SharedSecret = "" })
	bad(400, "required", func(v *compute.VpnTunnel) { v.Router = "" })
	bad(400, "invalid", func(v *compute.VpnTunnel) { v.Router = "r2" })
	bad(400, "invalid", func(v *compute.VpnTunnel) { v.VpnGatewayInterface = 2 })
	bad(400, "invalid", func(v *compute.VpnTunnel) { v.PeerExternalGatewayInterface = 2 })
	bad(400, "invalid", func(v *compute.VpnTunnel) { v.IkeVersion = 3 })
	bad(404, "notFound", func(v *compute.VpnTunnel) { v.VpnGateway = "nogw" })
	bad(404, "notFound", func(v *compute.VpnTunnel) { v.PeerExternalGateway = "global/externalVpnGateways/nope" })
	bad(409, "alreadyExists", func(v *compute.VpnTunnel) { v.Name = "t0" })
	_, err := svc.ExternalVpnGateways.Insert(project, &compute.ExternalVpnGateway{Name: "p4", RedundancyType: "FOUR_IPS_REDUNDANCY",
		Interfaces: []*compute.ExternalVpnGatewayInterface{{Id: 0, IpAddress: "198.51.100.20"}}}).Do()
	wantReason(t, err, 400, "invalid")
	_, err = svc.ExternalVpnGateways.Insert(project, &compute.ExternalVpnGateway{Name: "p1", RedundancyType: "SINGLE_IP_INTERNALLY_REDUNDANT",
		Interfaces: []*compute.ExternalVpnGatewayInterface{{Id: 0, IpAddress: "not-an-ip"}}}).Do()
	wantReason(t, err, 400, "invalid")
	_, err = svc.VpnGateways.Insert(project, region, &compute.VpnGateway{Name: "Bad_Name", Network: "global/networks/net1"}).Do()
	wantReason(t, err, 400, "invalid")
	must[*compute.Operation](t)(svc.Routers.Delete(project, region, "r2").Do())
	must[*compute.Operation](t)(svc.Networks.Delete(project, "net2").Do())
}

// bgpSessions gives r1 an interface on each tunnel and a BGP peer on
// each; p1 advertises custom ranges.
func bgpSessions(t *testing.T, svc *compute.Service) {
	t.Helper()
	must[*compute.Operation](t)(svc.Routers.Patch(project, region, "r1", &compute.Router{
		Interfaces: []*compute.RouterInterface{{Name: "if0", LinkedVpnTunnel: "t0", IpRange: "169.254.0.1/30"}, {Name: "if1", LinkedVpnTunnel: "regions/us-central1/vpnTunnels/t1", IpRange: "169.254.1.1/30"}},
		BgpPeers: []*compute.RouterBgpPeer{{Name: "p0", InterfaceName: "if0", PeerIpAddress: "169.254.0.2", PeerAsn: 65010},
			{Name: "p1", InterfaceName: "if1", PeerIpAddress: "169.254.1.2", PeerAsn: 65010, AdvertiseMode: "CUSTOM", AdvertisedGroups: []string{"ALL_SUBNETS"},
				AdvertisedIpRanges: []*compute.RouterAdvertisedIpRange{{Range: "192.168.0.0/16"}}, AdvertisedRoutePriority: 200}}}).Do())
	r := must[*compute.Router](t)(svc.Routers.Get(project, region, "r1").Do())
	if len(r.BgpPeers) != 2 || r.BgpPeers[0].IpAddress != "169.254.0.1" || r.BgpPeers[0].Enable != "TRUE" || !strings.HasSuffix(r.Interfaces[0].LinkedVpnTunnel, "/vpnTunnels/t0") {
		t.Fatalf("router %+v %+v", r.BgpPeers, r.Interfaces)
	}
}

func badPeers(t *testing.T, svc *compute.Service) {
	t.Helper()
	ifs := []*compute.RouterInterface{{Name: "if0", LinkedVpnTunnel: "t0", IpRange: "169.254.0.1/30"}}
	bad := func(f []*compute.RouterInterface, p *compute.RouterBgpPeer) {
		t.Helper()
		rt := &compute.Router{Interfaces: f}
		if p != nil {
			rt.BgpPeers = []*compute.RouterBgpPeer{p}
		}
		_, err := svc.Routers.Patch(project, region, "r1", rt).Do()
		wantReason(t, err, 400, "invalid")
	}
	bad(ifs, &compute.RouterBgpPeer{Name: "p", InterfaceName: "if0", PeerIpAddress: "169.254.9.2", PeerAsn: 65010})
	bad(ifs, &compute.RouterBgpPeer{Name: "p", InterfaceName: "nope", PeerIpAddress: "169.254.0.2", PeerAsn: 65010})
	bad(ifs, &compute.RouterBgpPeer{Name: "p", InterfaceName: "if0", PeerIpAddress: "169.254.0.2"})
	bad(ifs, &compute.RouterBgpPeer{Name: "p", InterfaceName: "if0", PeerIpAddress: "169.254.0.2", PeerAsn: 65010, AdvertisedGroups: []string{"ALL_SUBNETS"}})
	bad([]*compute.RouterInterface{{Name: "if0", LinkedVpnTunnel: "t0", IpRange: "10.0.0.1/30"}}, nil)
	bad([]*compute.RouterInterface{{Name: "if0", LinkedVpnTunnel: "t0", IpRange: "169.254.0.1/30"}, {Name: "if1", LinkedVpnTunnel: "t0", IpRange: "169.254.1.1/30"}}, nil)
}

// TestRouterStatusBGP: getRouterStatus lists each BGP peer with what it
// advertises: p0 (DEFAULT) the subnets of the router's region while the
// network routes regionally and every subnet once it routes globally;
// p1 (CUSTOM: ALL_SUBNETS and 192.168.0.0/16 at priority 200) those and
// the range. With no routes learned a peer is DOWN; routes its tunnel
// learned make it UP and are the router's best routes via that tunnel.
func TestRouterStatusBGP(t *testing.T) {
	svc, cloud, _ := newService(t)
	haVPN(t, svc)
	bgpSessions(t, svc)
	advertised := func(name string) ([]string, *compute.RouterStatusBgpPeerStatus) {
		t.Helper()
		st := must[*compute.RouterStatusResponse](t)(svc.Routers.GetRouterStatus(project, region, "r1").Do())
		for _, p := range st.Result.BgpPeerStatus {
			if p.Name == name {
				var out []string
				for _, r := range p.AdvertisedRoutes {
					out = append(out, r.DestRange)
				}
				return out, p
			}
		}
		t.Fatalf("no peer %s in %+v", name, st.Result.BgpPeerStatus)
		return nil, nil
	}
	if got, p := advertised("p0"); !slices.Equal(got, []string{"10.1.0.0/24"}) || p.Status != "DOWN" || p.PeerIpAddress != "169.254.0.2" {
		t.Fatalf("p0 (regional routing) advertises %v, status %s", got, p.Status)
	}
	got, p1 := advertised("p1")
	if !slices.Equal(got, []string{"10.1.0.0/24", "192.168.0.0/16"}) || p1.AdvertisedRoutes[0].Priority != 200 {
		t.Fatalf("p1 (custom) advertises %v (%+v)", got, p1.AdvertisedRoutes)
	}
	must[*compute.Operation](t)(svc.Networks.Patch(project, "net1", &compute.Network{RoutingConfig: &compute.NetworkRoutingConfig{RoutingMode: "GLOBAL"}}).Do())
	if got, _ := advertised("p0"); !slices.Equal(got, []string{"10.1.0.0/24", "10.9.0.0/24"}) {
		t.Fatalf("p0 (global routing) advertises %v", got)
	}
	t0 := "projects/" + project + "/regions/us-central1/vpnTunnels/t0"
	if err := cloud.SetVPNLearnedRoutes(project, t0, []netip.Prefix{netip.MustParsePrefix("10.200.0.0/24")}); err != nil {
		t.Fatal(err)
	}
	if _, p := advertised("p0"); p.Status != "DOWN" {
		t.Fatalf("p0 with a learned route but no session seen up: %+v", p)
	}
	if err := cloud.SetVPNStatus(project, t0, model.VPNUp, model.VPNUp); err != nil {
		t.Fatal(err)
	}
	st := must[*compute.RouterStatusResponse](t)(svc.Routers.GetRouterStatus(project, region, "r1").Do())
	if len(st.Result.BestRoutes) != 1 || st.Result.BestRoutes[0].DestRange != "10.200.0.0/24" || !strings.HasSuffix(st.Result.BestRoutes[0].NextHopVpnTunnel, "/vpnTunnels/t0") ||
		st.Result.BestRoutes[0].NextHopIp != "169.254.0.2" {
		t.Fatalf("best routes %+v", st.Result.BestRoutes)
	}
	if _, p := advertised("p0"); p.Status != "UP" || p.NumLearnedRoutes != 1 {
		t.Fatalf("p0 with a learned route: %+v", p)
	}
}
