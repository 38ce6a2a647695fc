package esp

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.zx2c4.com/wireguard/tun/tuntest"
)

// echoRequestV6 is an inner ICMPv6 echo request carrying payload.
func echoRequestV6(t *testing.T, src, dst string, seq uint16, payload []byte) []byte {
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolICMPv6,
		SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
	if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	echo := &layers.ICMPv6Echo{Identifier: 0x4d43, SeqNumber: seq}
	return serialize(t, ip, icmp, echo, gopacket.Payload(payload))
}

// TestTsharkDecryptsTunnelTraffic runs the Tunnel engine against a plain UDP
// socket on 127.0.0.1 that records what arrives, and has tshark decrypt the
// recorded datagrams: the engine's batched, in-place sealing puts standard
// ESP-in-UDP on the wire, for IPv4 and IPv6 inner packets alike.
func TestTsharkDecryptsTunnelTraffic(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		roottest.Missing(t, "tshark not installed (Debian: apt-get install tshark); no third-party decryption check")
	}
	checkGoroutines(t)
	conn, sniffer := listen(t), listen(t)
	defer sniffer.Close()
	sa := interopSA(t)
	sa.Local, sa.Remote = addrOf(conn), addrOf(sniffer)
	ct := tuntest.NewChannelTUN()
	tn, err := New(Config{TUN: ct.TUN(), Conn: conn, Outbound: sa, Inbound: []SA{sa}})
	if err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	if err := tn.Start(); err != nil {
		t.Fatal(err)
	}

	v4payload, v6payload := []byte("inner-ipv4-through-tunnel"), []byte("inner-ipv6-through-tunnel!")
	inner := [][]byte{
		echoRequest(t, "10.9.0.1", "10.9.0.2", 1, v4payload),
		echoRequestV6(t, "fd00:9::1", "fd00:9::2", 2, v6payload),
	}
	var frames [][]byte
	buf := make([]byte, 65535)
	for _, p := range inner {
		send(t, peer{tun: ct, t: tn}, p)
		if err := sniffer.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, from, err := sniffer.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("sniffer: %v", err)
		}
		if from != sa.Local {
			t.Fatalf("datagram from %s, want %s", from, sa.Local)
		}
		if bytes.Contains(buf[:n], p[20:]) {
			t.Fatal("inner packet visible in clear on the wire")
		}
		frames = append(frames, udpEncap(t, sa, buf[:n]))
	}
	out := runTshark(t, tshark, sa, writePcap(t, frames),
		"esp.sequence", "ip.dst", "ipv6.dst", "icmp.type", "icmpv6.type", "data.data")
	want := fmt.Sprintf("1|127.0.0.1,10.9.0.2||8||%s\n2|127.0.0.1|fd00:9::2||128|%s",
		hex.EncodeToString(v4payload), hex.EncodeToString(v6payload))
	if got := strings.TrimSpace(out); got != want {
		t.Errorf("tshark decoded\n%s\nwant\n%s", got, want)
	}
	waitStats(t, tn, "two packets sent", func(s Stats) bool { return s.TxPackets == 2 })
}
