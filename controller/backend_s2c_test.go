package controller

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// TestS2CConfigAPI asks GET /v1/site2cloud/{name}/config of a controller
// of topologies/access.yaml, whose lab holds branch1's key and its spoke
// gateways' addresses: the strongswan
// answer is the very text `mcnlab s2c config` prints (LabTemplate) with the
// lab's key and the connection's virtual prefixes in it, cisco-ios its
// IOS text; an unknown connection is 404 naming the lab's connections,
// an unknown vendor 400, and branch2, whose key the lab has not made, a
// 500 that says so (no key is made by asking).
func TestS2CConfigAPI(t *testing.T) {
	roottest.UseTempState(t)
	src, err := os.ReadFile("../topologies/access.yaml")
	if err != nil {
		t.Fatal(err)
	}
	top, err := topologies.Parse("access.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	const lab = "t" // newAPILab's
	psk, err := ipsec.PSK(lab, "branch1")
	if err != nil {
		t.Fatal(err)
	}
	// branch1 ends on the spoke's instances: the lab records their
	// addresses once the cloud is up.
	a := netip.MustParseAddr
	if err := ipsec.SaveResolved(lab, top.Site2Cloud[0].Resolve(a("198.51.100.114"), "branches-1", a("203.0.113.5"), "branches-2", a("203.0.113.2"))); err != nil {
		t.Fatal(err)
	}
	l := newAPILab(t, planOf(t, string(src)))
	cl := api.NewClient(l.url, l.viewer)
	ctx := context.Background()
	got, err := cl.S2CConfig(ctx, "branch1", "strongswan")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ipsec.LabTemplate(lab, top, "branch1", "strongswan")
	if err != nil {
		t.Fatal(err)
	}
	if got.Config != want || !strings.Contains(got.Config, "secret = 0x"+psk) || !strings.Contains(got.Config, "remote_ts = 100.81.0.0/16") ||
		got.Connection != "branch1" || got.Vendor != "strongswan" {
		t.Errorf("strongswan config:\n%+v\nwant the text\n%s", got, want)
	}
	ios, err := cl.S2CConfig(ctx, "branch1", "cisco-ios")
	if err != nil || !strings.Contains(ios.Config, "crypto ikev2 keyring branch1\n peer branch1\n  address 203.0.113.5\n  pre-shared-key "+psk) {
		t.Errorf("cisco-ios config (%v):\n%s", err, ios.Config)
	}
	for _, tc := range []struct {
		conn, vendor string
		code         int
		msg          string
	}{
		{"nope", "strongswan", 404, `has no site2cloud connection "nope"; it has: branch1, branch2`},
		{"branch1", "junos", 400, `unknown vendor "junos"; valid: strongswan, cisco-ios, frr`},
		{"branch2", "strongswan", 500, "connection branch2 has no key"},
	} {
		_, err := cl.S2CConfig(ctx, tc.conn, tc.vendor)
		var ae *api.APIError
		if !errors.As(err, &ae) || ae.StatusCode != tc.code || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s --vendor %s: %v, want %d %q", tc.conn, tc.vendor, err, tc.code, tc.msg)
		}
	}
}
