package gateway

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/bgp"
	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
)

func TestWireRoundTrip(t *testing.T) {
	c := testConfig(1, 2)
	c.Peers[0].Import = []bgp.PrefixFilter{{Prefix: netip.MustParsePrefix("10.0.0.0/8"), LE: 24}}
	c.Neighbors[0].Export = []bgp.PrefixFilter{{Prefix: netip.MustParsePrefix("10.1.0.0/16"), GE: 24, LE: 28}}
	c.Peers[1].Approval = ApprovalManual
	c.Peers[1].Approved = []netip.Prefix{netip.MustParsePrefix("10.101.0.0/24")}
	c.Neighbors[0].Passive = true
	c.Neighbors[0].NoBFD = true
	c.Neighbors[0].Approval = ApprovalManual
	c.Neighbors[0].Approved = []netip.Prefix{netip.MustParsePrefix("10.100.0.0/24")}
	c.Neighbors = append(c.Neighbors, vxlanNeighbor())
	c.Neighbors[1].Name = "line"
	c.Neighbors[1].VXLAN.Port, c.Neighbors[1].VXLAN.MTU = 8472, 1400
	c.Segmentation = testSegmentation()
	c.MTU = 1380
	c.FireNet = fireNetConfig()
	c.FireNet.Hash, c.FireNet.Egress = firenet.TwoTuple, true
	c.FireNet.Firewalls[0].Addr6 = netip.MustParseAddr("fd00:f1::2")
	c.FireNet.Health = firenet.Health{Interval: 100 * time.Millisecond, Fall: 2, Rise: 1}
	back, err := FromWire(ToWire(c))
	if err != nil {
		t.Fatal(err)
	}
	if !back.FireNet.Equal(*c.FireNet) {
		t.Errorf("firenet round trip:\n got %+v\nwant %+v", back.FireNet, c.FireNet)
	}
	back.FireNet = c.FireNet
	if fmt.Sprintf("%+v", back) != fmt.Sprintf("%+v", c) || *back.Neighbors[1].VXLAN != *c.Neighbors[1].VXLAN ||
		fmt.Sprintf("%+v", *back.Segmentation) != fmt.Sprintf("%+v", *c.Segmentation) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, c)
	}
	if w := ToWire(c); w.PrivateKey != c.PrivateKey.String() || w.Peers[0].PublicKey != c.Peers[0].PublicKey.String() {
		t.Errorf("keys on the wire: %q, %q", w.PrivateKey, w.Peers[0].PublicKey)
	}
}

func TestBadKeysAreInvalid(t *testing.T) {
	w := ToWire(testConfig(1))
	w.Peers[0].PublicKey = "not base64!"
	w.PrivateKey = "c2hvcnQ="
	_, err := FromWire(w)
	if err == nil || !strings.Contains(err.Error(), "peers[0]") || !strings.Contains(err.Error(), "private_key") {
		t.Errorf("FromWire with bad keys: %v; want both named", err)
	}
	// Through the Backend the error is mgmt.ErrInvalid (HTTP 400), and
	// the engine is not reached.
	_, err = Backend{}.Apply(t.Context(), w)
	if !errors.Is(err, mgmt.ErrInvalid) {
		t.Errorf("Backend.Apply with bad keys: %v; want mgmt.ErrInvalid", err)
	}
}
