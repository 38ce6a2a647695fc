package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"golang.org/x/oauth2"
	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestGCPCloudStateSurvivesSIGKILL: `cloudmock serve --provider gcp
// --state FILE` keeps a project's resources as the AWS and Azure clouds
// do. Through the Go library it gets a network, a subnet, a firewall
// rule, Cloud Routers, an HA VPN gateway, an external gateway, a tunnel,
// a BGP peer and a Partner Interconnect attachment; SIGKILLed right after
// the last answer and restarted on the file (same address), every list
// and the router's status read the same, byte for byte; names stay taken
// (409 alreadyExists) and new resources are made beside them.
func TestGCPCloudStateSurvivesSIGKILL(t *testing.T) {
	bin := roottest.MCNLab(t)
	path := filepath.Join(t.TempDir(), "cloud.db")
	args := []string{"--provider", "gcp", "--account", "proj-state1:state-token"}
	srv := startStateServeWith(t, bin, path, args...)
	svc, err := compute.NewService(context.Background(), option.WithEndpoint("http://"+srv.addr+"/compute/v1/"),
		option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "state-token"})))
	if err != nil {
		t.Fatal(err)
	}
	gcpStateFixture(t, svc)
	before := gcpAll(t, svc)
	srv.kill()
	startStateServeWith(t, bin, path, append(args, "--listen", srv.addr)...)
	after := gcpAll(t, svc)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("after the restart %s reads\n%s\nbefore\n%s", k, after[k], v)
		}
	}
	_, err = svc.Networks.Insert("proj-state1", &compute.Network{Name: "n1", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do()
	if ge, ok := errors.AsType[*googleapi.Error](err); !ok || ge.Code != 409 || ge.Errors[0].Reason != "alreadyExists" {
		t.Fatalf("n1 again after the restart: %v, want 409 alreadyExists", err)
	}
	if _, err := svc.Networks.Insert("proj-state1", &compute.Network{Name: "n2", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do(); err != nil {
		t.Fatalf("a new network after the restart: %v", err)
	}
}

// gcpStateFixture makes the resources TestGCPCloudStateSurvivesSIGKILL
// saves.
func gcpStateFixture(t *testing.T, svc *compute.Service) {
	t.Helper()
	const p, r = "proj-state1", "us-central1"
	do := func(what string, _ *compute.Operation, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	op, err := svc.Networks.Insert(p, &compute.Network{Name: "n1", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do()
	do("network", op, err)
	op, err = svc.Subnetworks.Insert(p, r, &compute.Subnetwork{Name: "s1", Network: "global/networks/n1", IpCidrRange: "10.1.0.0/24"}).Do()
	do("subnet", op, err)
	op, err = svc.Firewalls.Insert(p, &compute.Firewall{Name: "fw1", Network: "global/networks/n1", SourceRanges: []string{"10.0.0.0/8"},
		Allowed: []*compute.FirewallAllowed{{IPProtocol: "tcp", Ports: []string{"22"}}}}).Do()
	do("firewall", op, err)
	op, err = svc.Routers.Insert(p, r, &compute.Router{Name: "r1", Network: "global/networks/n1", Bgp: &compute.RouterBgp{Asn: 64514}}).Do()
	do("router", op, err)
	op, err = svc.Routers.Insert(p, r, &compute.Router{Name: "rp", Network: "global/networks/n1", Bgp: &compute.RouterBgp{Asn: 16550}}).Do()
	do("partner router", op, err)
	op, err = svc.VpnGateways.Insert(p, r, &compute.VpnGateway{Name: "gw1", Network: "global/networks/n1"}).Do()
	do("HA VPN gateway", op, err)
	op, err = svc.ExternalVpnGateways.Insert(p, &compute.ExternalVpnGateway{Name: "onprem", RedundancyType: "SINGLE_IP_INTERNALLY_REDUNDANT",
		Interfaces: []*compute.ExternalVpnGatewayInterface{{IpAddress: "198.51.100.10"}}}).Do()
	do("external gateway", op, err)
	op, err = svc.VpnTunnels.Insert(p, r, &compute.VpnTunnel{Name: "t0", VpnGateway: "gw1", PeerExternalGateway: "global/externalVpnGateways/onprem",
		SharedSecret: "s3cret", Router: "r1"}).Do()
	do("tunnel", op, err)
	op, err = svc.Routers.Patch(p, r, "r1", &compute.Router{Interfaces: []*compute.RouterInterface{{Name: "if0", LinkedVpnTunnel: "t0", IpRange: "169.254.0.1/30"}},
		BgpPeers: []*compute.RouterBgpPeer{{Name: "p0", InterfaceName: "if0", PeerIpAddress: "169.254.0.2", PeerAsn: 65010}}}).Do()
	do("BGP peer", op, err)
	op, err = svc.InterconnectAttachments.Insert(p, r, &compute.InterconnectAttachment{Name: "a1", Type: "PARTNER", Router: "rp",
		EdgeAvailabilityDomain: "AVAILABILITY_DOMAIN_1", AdminEnabled: true}).Do()
	do("attachment", op, err)
}

// gcpAll is what a user reads of the project, as JSON per call.
func gcpAll(t *testing.T, svc *compute.Service) map[string]string {
	t.Helper()
	const p = "proj-state1"
	out := map[string]string{}
	put := func(name string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := json.Marshal(v)
		out[name] = string(b)
	}
	nets, err := svc.Networks.List(p).Do()
	put("networks", nets, err)
	subs, err := svc.Subnetworks.AggregatedList(p).Do()
	put("subnetworks", subs, err)
	fws, err := svc.Firewalls.List(p).Do()
	put("firewalls", fws, err)
	rts, err := svc.Routers.AggregatedList(p).Do()
	put("routers", rts, err)
	gws, err := svc.VpnGateways.AggregatedList(p).Do()
	put("vpnGateways", gws, err)
	ext, err := svc.ExternalVpnGateways.List(p).Do()
	put("externalVpnGateways", ext, err)
	tus, err := svc.VpnTunnels.AggregatedList(p).Do()
	put("vpnTunnels", tus, err)
	ats, err := svc.InterconnectAttachments.AggregatedList(p).Do()
	put("interconnectAttachments", ats, err)
	st, err := svc.Routers.GetRouterStatus(p, "us-central1", "r1").Do()
	put("getRouterStatus", st, err)
	return out
}
