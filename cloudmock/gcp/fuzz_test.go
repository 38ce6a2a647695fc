package gcp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// FuzzRequests sends arbitrary paths, filters and bodies: the server
// answers each with a Compute error or a success, never a 5xx or a panic.
func FuzzRequests(f *testing.F) {
	for _, seed := range []struct{ method, path, filter, body string }{
		{"POST", "global/networks", "", `{"name":"n1","autoCreateSubnetworks":false}`},
		{"POST", "regions/us-central1/subnetworks", "", `{"name":"s","network":"global/networks/n1","ipCidrRange":"10.0.0.0/24"}`},
		{"POST", "global/firewalls", "", `{"name":"f","network":"n1","allowed":[{"IPProtocol":"tcp","ports":["22","1-2"]}]}`},
		{"POST", "global/routes", "", `{"name":"r","network":"n1","destRange":"0.0.0.0/0","nextHopIp":"10.0.0.9","tags":["a"]}`},
		{"GET", "global/routes", `name eq ".*\br\b.*"`, ""},
		{"PATCH", "global/firewalls/f", "", `{"priority":70000}`},
		{"GET", "aggregated/subnetworks", `(network ne "x") (name = "s")`, ""},
		{"POST", "global/operations/op/wait", "", ""},
		{"POST", "regions/us-central1/addresses", "", `{"name":"ip"}`},
		{"POST", "zones/us-central1-a/instances", "", `{"name":"v","machineType":"e2-micro","canIpForward":true,"tags":{"items":["a"]},"networkInterfaces":[{"subnetwork":"regions/us-central1/subnetworks/s","networkIP":"10.0.0.9","accessConfigs":[{"natIP":"203.0.113.1"}]}]}`},
		{"POST", "zones/us-central1-a/instances/v/setTags", "", `{"items":["b"],"fingerprint":"x"}`},
		{"POST", "zones/us-central1-a/instances/v/stop", "", ""},
		{"GET", "aggregated/instances", `name = "v"`, ""},
		{"DELETE", "regions/us-central1/addresses/ip", "", ""},
		{"POST", "regions/us-central1/addresses", "", `{"name":"in","addressType":"INTERNAL","subnetwork":"regions/us-central1/subnetworks/s","address":"10.0.0.7"}`},
		{"POST", "zones/us-central1-a/instances", "", `{"name":"m","machineType":"e2-micro","networkInterfaces":[{"subnetwork":"regions/us-central1/subnetworks/s"},{"network":"global/networks/n2","accessConfigs":[{"natIP":"203.0.113.2"}]}]}`},
		{"POST", "global/networks/n1/addPeering", "", `{"networkPeering":{"name":"p","network":"projects/p2/global/networks/n2","exportCustomRoutes":true}}`},
		{"PATCH", "global/networks/n1/updatePeering", "", `{"networkPeering":{"name":"p","importCustomRoutes":true}}`},
		{"GET", "global/networks/n1/listPeeringRoutes", "", ""},
		{"POST", "global/networks/n1/removePeering", "", `{"name":"p"}`},
		{"POST", "regions/us-central1/routers", "", `{"name":"r","network":"n1","bgp":{"asn":64514},"nats":[{"name":"n","natIpAllocateOption":"MANUAL_ONLY","natIps":["regions/us-central1/addresses/ip"],"sourceSubnetworkIpRangesToNat":"LIST_OF_SUBNETWORKS","subnetworks":[{"name":"s"}]}]}`},
		{"PATCH", "regions/us-central1/routers/r", "", `{"nats":[{"name":"n","natIpAllocateOption":"AUTO_ONLY","sourceSubnetworkIpRangesToNat":"ALL_SUBNETWORKS_ALL_IP_RANGES"}]}`},
		{"GET", "regions/us-central1/routers/r/getRouterStatus", "", ""},
		{"POST", "regions/us-central1/vpnGateways", "", `{"name":"g","network":"global/networks/n1"}`},
		{"POST", "global/externalVpnGateways", "", `{"name":"e","redundancyType":"TWO_IPS_REDUNDANCY","interfaces":[{"id":0,"ipAddress":"198.51.100.1"},{"id":1,"ipAddress":"198.51.100.2"}]}`},
		{"POST", "regions/us-central1/vpnTunnels", "", `{"name":"t","vpnGateway":"g","vpnGatewayInterface":1,"peerExternalGateway":"global/externalVpnGateways/e","peerExternalGatewayInterface":1,"sharedSecret":"x","router":"r","ikeVersion":2}`},
		{"PATCH", "regions/us-central1/routers/r", "", `{"interfaces":[{"name":"i","linkedVpnTunnel":"t","ipRange":"169.254.0.1/30"}],"bgpPeers":[{"name":"b","interfaceName":"i","peerIpAddress":"169.254.0.2","peerAsn":65000,"advertiseMode":"CUSTOM","advertisedIpRanges":[{"range":"10.0.0.0/8"}]}]}`},
		{"POST", "regions/us-central1/interconnectAttachments", "", `{"name":"a","type":"PARTNER","router":"r","edgeAvailabilityDomain":"AVAILABILITY_DOMAIN_ANY","candidateSubnets":["169.254.8.0/29"]}`},
		{"PATCH", "regions/us-central1/interconnectAttachments/a", "", `{"adminEnabled":true}`},
		{"GET", "aggregated/vpnTunnels", `status = "NO_INCOMING_PACKETS"`, ""},
		{"DELETE", "regions/us-central1/vpnTunnels/t", "", ""},
		{"DELETE", "regions/us-central1/routers/r", "", ""},
		{"DELETE", "global/networks/n1", "", ""},
	} {
		f.Add(seed.method, seed.path, seed.filter, seed.body)
	}
	c := model.New()
	c.AddAccount(model.Account{ID: "p", Provider: model.ProviderGCP})
	s := New(c, Config{Anonymous: true})
	f.Fuzz(func(t *testing.T, method, path, filter, body string) {
		switch method {
		case "GET", "POST", "PATCH", "PUT", "DELETE":
		default:
			method = "GET"
		}
		r := httptest.NewRequest(http.MethodGet, "/compute/v1/projects/p/", strings.NewReader(body))
		r.Method = method
		r.URL.Path += path
		r.URL.RawQuery = "filter=" + strings.ReplaceAll(filter, "&", "")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s filter %q body %q: HTTP %d %s", method, path, filter, body, w.Code, w.Body)
		}
	})
}

// TestListFilter: gcloud's regular-expression terms, literal terms,
// negation and paths into lists.
func TestListFilter(t *testing.T) {
	item := map[string]any{"name": "allow-ssh", "targetTags": []string{"web", "db"}, "allowed": []map[string]any{{"IPProtocol": "tcp"}}, "priority": 900}
	for f, want := range map[string]bool{
		`name eq ".*\bssh\b.*"`:                     true,
		`name eq "ssh"`:                             false,
		`name ne "allow-.*"`:                        false,
		`targetTags eq ".*\bdb\b.*"`:                true,
		`allowed.IPProtocol = "tcp"`:                true,
		`(priority eq 900) (name != "x")`:           true,
		`priority eq 900 AND name eq "other"`:       false,
		`targetTags eq ".*\bweb\b.*" name eq "a.*"`: true,
	} {
		terms, err := parseFilter(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got := keep(item, terms); got != want {
			t.Errorf("filter %s: %v, want %v", f, got, want)
		}
	}
	if _, err := parseFilter(`name ~ x`); err == nil {
		t.Error("a filter with an unknown operator parsed")
	}
}
