package wg

import (
	"net/netip"
	"strings"
	"testing"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/conn/bindtest"
)

func TestPingBothWaysOverChannels(t *testing.T) {
	goroutineLeakCheck(t)
	binds := bindtest.NewChannelBinds()
	a, b := newEnd(t, binds[0], "1.0.0.1"), newEnd(t, binds[1], "1.0.0.2")
	// Keys and allowed IPs first; endpoints once the ports are known, as an
	// incremental second Apply.
	a.apply(t, peerOf(b, 0, "1.0.0.2/32"))
	b.apply(t, peerOf(a, 0, "1.0.0.1/32"))
	a.apply(t, peerOf(b, b.port(t), "1.0.0.2/32"))
	b.apply(t, peerOf(a, a.port(t), "1.0.0.1/32"))

	ping(t, a, b)
	ping(t, b, a)

	for _, e := range []struct{ self, peer *end }{{a, b}, {b, a}} {
		s, ok := stats(t, e.self)[e.peer.key.PublicKey()]
		if !ok {
			t.Fatalf("%s: no stats for its peer", e.self.addr)
		}
		if s.RxBytes == 0 || s.TxBytes == 0 || s.LastHandshake.IsZero() || !s.Endpoint.IsValid() {
			t.Fatalf("%s: stats %+v, want bytes both ways, a handshake and an endpoint", e.self.addr, s)
		}
	}
}

func TestRemovingOnePeerKeepsTheOthersSessions(t *testing.T) {
	goroutineLeakCheck(t)
	// Four devices on real UDP sockets on loopback: bindtest joins only
	// pairs, a hub needs three peers.
	hub := newEnd(t, conn.NewDefaultBind(), "10.0.0.100")
	spokes := []*end{
		newEnd(t, conn.NewDefaultBind(), "10.0.0.1"),
		newEnd(t, conn.NewDefaultBind(), "10.0.0.2"),
		newEnd(t, conn.NewDefaultBind(), "10.0.0.3"),
	}
	hub.apply(t) // picks the listen port
	var hubPeers []Peer
	for _, s := range spokes {
		s.apply(t, peerOf(hub, hub.port(t), "10.0.0.0/24"))
		hubPeers = append(hubPeers, peerOf(s, s.port(t), s.addr.String()+"/32"))
	}
	hub.apply(t, hubPeers...)
	for _, s := range spokes {
		ping(t, s, hub)
		ping(t, hub, s)
	}
	before := stats(t, hub)

	// Drop the third spoke.
	hub.apply(t, hubPeers[:2]...)
	after := stats(t, hub)
	if _, ok := after[spokes[2].key.PublicKey()]; ok || len(after) != 2 {
		t.Fatalf("after removal hub has %d peers (removed one present: %v)", len(after), ok)
	}
	for _, s := range spokes[:2] {
		ping(t, s, hub)
		ping(t, hub, s)
		k := s.key.PublicKey()
		if !after[k].LastHandshake.Equal(before[k].LastHandshake) {
			t.Fatalf("peer %s re-handshook (%v → %v) when another peer was removed", s.addr, before[k].LastHandshake, after[k].LastHandshake)
		}
		if now := stats(t, hub)[k]; now.RxBytes <= before[k].RxBytes || !now.LastHandshake.Equal(before[k].LastHandshake) {
			t.Fatalf("peer %s: stats %+v after, %+v before: want more bytes on the same session", s.addr, now, before[k])
		}
	}
}

func TestApplyRejectsBadConfig(t *testing.T) {
	binds := bindtest.NewChannelBinds()
	a := newEnd(t, binds[0], "1.0.0.1")
	k := a.key.PublicKey()
	for name, cfg := range map[string]Config{
		"no key":         {},
		"duplicate peer": {PrivateKey: a.key, Peers: []Peer{{PublicKey: k}, {PublicKey: k}}},
		"port":           {PrivateKey: a.key, ListenPort: 70000},
	} {
		if err := a.t.Apply(cfg); err == nil {
			t.Errorf("%s: Apply accepted %+v", name, cfg)
		}
	}
	a.t.Close()
	if err := a.t.Apply(Config{PrivateKey: a.key}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Apply after Close = %v", err)
	}
}

func TestParseUAPIGet(t *testing.T) {
	text := "private_key=" + strings.Repeat("11", 32) + "\nlisten_port=51820\n" +
		"public_key=" + strings.Repeat("22", 32) + "\nendpoint=192.0.2.1:51820\nlast_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\ntx_bytes=10\nrx_bytes=20\nallowed_ip=10.0.0.0/24\n" +
		"public_key=" + strings.Repeat("33", 32) + "\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n"
	dev, peers, err := parseUAPIGet(text)
	if err != nil {
		t.Fatal(err)
	}
	if dev["listen_port"] != "51820" || len(peers) != 2 {
		t.Fatalf("dev %v, %d peers", dev, len(peers))
	}
	p := peers[0]
	if p.Endpoint != netip.MustParseAddrPort("192.0.2.1:51820") || p.RxBytes != 20 || p.TxBytes != 10 || p.LastHandshake.Unix() != 1700000000 || p.LastHandshake.Nanosecond() != 5 {
		t.Fatalf("peer 0 = %+v", p)
	}
	if !peers[1].LastHandshake.IsZero() {
		t.Fatalf("peer 1 handshake = %v, want zero", peers[1].LastHandshake)
	}
	if _, _, err := parseUAPIGet("public_key=zz\n"); err == nil {
		t.Fatal("bad key accepted")
	}
}
