package gcp_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestGcloudHAVPN drives HA VPN with gcloud in a network net2 (subnet
// s2, 10.2.0.0/24 in us-central1): a Cloud Router, an HA VPN gateway with
// its two interfaces, an external gateway with two, a tunnel on each
// interface pair, the router's interface and BGP peer on the first with
// a custom advertisement that get-status shows; a second peer on the
// same interface is refused; then it removes them all.
func TestGcloudHAVPN(t *testing.T) {
	must, fails, _ := gcloudOn(t)
	reg := "--region=us-central1"
	must("networks", "create", "net2", "--subnet-mode=custom")
	must("networks", "subnets", "create", "s2", "--network", "net2", reg, "--range", "10.2.0.0/24")
	must("routers", "create", "rv", "--network", "net2", reg, "--asn", "64514")
	must("vpn-gateways", "create", "gwv", "--network", "net2", reg)
	if out := must("vpn-gateways", "describe", "gwv", reg, "--format=value(vpnInterfaces[].ipAddress.list())"); len(strings.Split(strings.TrimSpace(out), ",")) != 2 {
		t.Fatalf("HA VPN gateway's interfaces: %q", out)
	}
	must("external-vpn-gateways", "create", "onprem", "--interfaces", "0=198.51.100.10,1=198.51.100.11")
	for _, i := range []string{"0", "1"} {
		must("vpn-tunnels", "create", "tv"+i, reg, "--vpn-gateway", "gwv", "--interface", i, "--peer-external-gateway", "onprem",
			"--peer-external-gateway-interface", i, "--ike-version", "2", "--shared-secret", "s3cret", "--router", "rv")
	}
	if out := must("vpn-tunnels", "list", "--format=value(name,peerIp,status)"); !strings.Contains(out, "tv0\t198.51.100.10\tWAITING_FOR_FULL_CONFIG") ||
		!strings.Contains(out, "tv1\t198.51.100.11\tWAITING_FOR_FULL_CONFIG") {
		t.Fatalf("vpn-tunnels list: %q", out)
	}
	must("routers", "add-interface", "rv", "--interface-name", "if0", "--ip-address", "169.254.0.1", "--mask-length", "30", "--vpn-tunnel", "tv0", reg)
	must("routers", "add-bgp-peer", "rv", "--peer-name", "p0", "--interface", "if0", "--peer-ip-address", "169.254.0.2", "--peer-asn", "65010", reg,
		"--advertisement-mode", "CUSTOM", "--set-advertisement-groups", "ALL_SUBNETS", "--set-advertisement-ranges", "192.168.0.0/16")
	fails("already has BGP peer", "routers", "add-bgp-peer", "rv", "--peer-name", "p1", "--interface", "if0", "--peer-ip-address", "169.254.0.2", "--peer-asn", "65010", reg)
	if out := must("vpn-tunnels", "describe", "tv0", reg, "--format=value(status)"); strings.TrimSpace(out) != "NO_INCOMING_PACKETS" {
		t.Fatalf("tv0 with its BGP session: %q", out)
	}
	var st struct {
		Result struct {
			BgpPeerStatus []struct {
				Name             string `json:"name"`
				Status           string `json:"status"`
				AdvertisedRoutes []struct {
					DestRange string `json:"destRange"`
				} `json:"advertisedRoutes"`
			} `json:"bgpPeerStatus"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(must("routers", "get-status", "rv", reg, "--format=json")), &st); err != nil {
		t.Fatal(err)
	}
	var adv []string
	for _, p := range st.Result.BgpPeerStatus {
		for _, r := range p.AdvertisedRoutes {
			adv = append(adv, p.Name+" "+r.DestRange)
		}
	}
	if !slices.Equal(adv, []string{"p0 10.2.0.0/24", "p0 192.168.0.0/16"}) {
		t.Fatalf("get-status advertised routes: %v", adv)
	}
	fails("is already being used by", "vpn-tunnels", "delete", "tv0", reg, "--quiet")
	must("routers", "remove-bgp-peer", "rv", "--peer-name", "p0", reg)
	must("routers", "remove-interface", "rv", "--interface-name", "if0", reg)
	must("vpn-tunnels", "delete", "tv0", reg, "--quiet")
	must("vpn-tunnels", "delete", "tv1", reg, "--quiet")
	must("vpn-gateways", "delete", "gwv", reg, "--quiet")
	must("external-vpn-gateways", "delete", "onprem", "--quiet")
	must("routers", "delete", "rv", reg, "--quiet")
}
