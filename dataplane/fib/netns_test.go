package fib

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
)

// testNS is a namespace made for one test, with a netlink handle into it.
type testNS struct {
	name string
	ns   vnetns.NsHandle
	h    *netlink.Handle
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
}

// newNamespaces creates mcn-t<random>-<suffix> namespaces, removed in
// t.Cleanup even when the test fails.
func newNamespaces(t *testing.T, suffixes ...string) []*testNS {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	base := "mcn-t" + hex.EncodeToString(b[:]) + "-"
	var out []*testNS
	for _, s := range suffixes {
		name := base + s
		if err := netns.Create(name); err != nil {
			t.Fatalf("create netns: %v", err)
		}
		t.Cleanup(func() {
			if err := netns.Delete(name); err != nil {
				t.Errorf("delete netns %s: %v", name, err)
			}
		})
		ns, err := netns.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ns.Close() })
		h, err := netlink.NewHandleAt(ns)
		if err != nil {
			t.Fatalf("netlink handle in %s: %v", name, err)
		}
		t.Cleanup(h.Close)
		out = append(out, &testNS{name: name, ns: ns, h: h})
	}
	return out
}

// vethPair joins a and b with a veth (nameA in a, nameB in b), addresses
// them and sets both ends and both loopbacks up.
func vethPair(t *testing.T, a, b *testNS, nameA, nameB string, addrA, addrB []string) {
	t.Helper()
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: nameA},
		PeerName:      nameB,
		PeerNamespace: netlink.NsFd(int(b.ns)),
	}
	if err := a.h.LinkAdd(veth); err != nil {
		t.Fatalf("add veth %s/%s: %v", nameA, nameB, err)
	}
	for _, side := range []struct {
		ns    *testNS
		name  string
		addrs []string
	}{{a, nameA, addrA}, {b, nameB, addrB}} {
		link, err := side.ns.h.LinkByName(side.name)
		if err != nil {
			t.Fatalf("find %s in %s: %v", side.name, side.ns.name, err)
		}
		for _, s := range side.addrs {
			addAddr(t, side.ns.h, link, s)
		}
		if err := side.ns.h.LinkSetUp(link); err != nil {
			t.Fatalf("set %s up: %v", side.name, err)
		}
		lo, err := side.ns.h.LinkByName("lo")
		if err != nil {
			t.Fatal(err)
		}
		if err := side.ns.h.LinkSetUp(lo); err != nil {
			t.Fatal(err)
		}
	}
}

func addAddr(t *testing.T, h *netlink.Handle, link netlink.Link, s string) {
	t.Helper()
	p := netip.MustParsePrefix(s)
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}}
	if p.Addr().Is6() {
		addr.Flags = 0x02 // IFA_F_NODAD: usable at once
	}
	if err := h.AddrAdd(link, addr); err != nil {
		t.Fatalf("add %s to %s: %v", s, link.Attrs().Name, err)
	}
}
