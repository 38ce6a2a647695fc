package main

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/mcnlab/mcnlab/dataplane/capture"
	"github.com/mcnlab/mcnlab/dataplane/s2c"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
)

// echo is one ICMP echo packet that a capture saw.
type echo struct {
	where    string // gateway/interface
	reply    bool
	src, dst netip.Addr
}

func (e echo) String() string {
	kind := "request"
	if e.reply {
		kind = "reply"
	}
	return fmt.Sprintf("%s: echo %s %s -> %s", e.where, kind, e.src, e.dst)
}

// checkTranslationCapture captures ICMP on both spoke gateways' VPC-side
// interface (eth0) and tunnel device (ipsec0: the packets inside the tunnel,
// before ESP) while the VPC's host pings branch 1's host at its virtual
// address. On the VPC side the packets carry the VPC's real address and
// branch 1's virtual one; inside the tunnel branch 1's real address and
// the VPC's virtual one (the mapping 10.0.0.0/16 <-> 100.81.0.0/16); no
// tunnel packet carries branch 1's virtual range and no VPC-side packet
// the VPC's virtual range.
func checkTranslationCapture(t *testing.T, lab string) {
	ctx, cancel := context.WithCancel(context.Background())
	filter, err := capture.ParseFilter("icmp")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	bufs := map[string]*bytes.Buffer{}
	for _, gw := range []string{accessGW1, accessGW2} {
		ns := workloadNS(t, lab, gw)
		for _, ifc := range []string{"eth0", s2c.Interface} {
			var c *capture.Capture
			if err := netns.Do(ns, func() (err error) {
				c, err = capture.Open(capture.Options{Interface: ifc, Filter: filter, Duration: 20 * time.Second})
				return err
			}); err != nil {
				cancel()
				t.Fatalf("%s: %v", gw, err)
			}
			buf := &bytes.Buffer{}
			bufs[gw+"/"+ifc] = buf
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if _, err := c.Run(ctx, buf); err != nil {
					t.Errorf("capture on %s/%s: %v", gw, ifc, err)
				}
			}()
		}
	}
	p, err := probe.NewPinger(workloadNS(t, lab, accessVH))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	answered := 0
	for i := range 5 {
		if _, err := p.Ping(netip.MustParseAddr("100.65.1.10"), 3000+i, time.Second); err == nil {
			answered++
		}
	}
	p.Close()
	cancel()
	wg.Wait()
	var seen []echo
	for where, buf := range bufs {
		seen = append(seen, readEchoes(t, where, buf)...)
	}
	a := netip.MustParseAddr
	want := []echo{
		{"eth0", false, a("10.0.1.10"), a("100.65.1.10")}, {"ipsec0", false, a("100.81.1.10"), a("10.0.1.10")},
		{"ipsec0", true, a("10.0.1.10"), a("100.81.1.10")}, {"eth0", true, a("100.65.1.10"), a("10.0.1.10")},
	}
	for _, w := range want {
		if !slices.ContainsFunc(seen, func(e echo) bool {
			return e.reply == w.reply && e.src == w.src && e.dst == w.dst && strings.HasSuffix(e.where, "/"+w.where)
		}) {
			t.Errorf("no capture on a gateway's %s shows echo reply=%v %s -> %s", w.where, w.reply, w.src, w.dst)
		}
	}
	siteVirtual, cloudVirtual := netip.MustParsePrefix("100.65.0.0/16"), netip.MustParsePrefix("100.81.0.0/16")
	for _, e := range seen {
		inTunnel := strings.HasSuffix(e.where, "/"+s2c.Interface)
		if inTunnel && (siteVirtual.Contains(e.src) || siteVirtual.Contains(e.dst)) ||
			!inTunnel && (cloudVirtual.Contains(e.src) || cloudVirtual.Contains(e.dst)) {
			t.Errorf("untranslated: %s", e)
		}
	}
	if answered != 5 || t.Failed() {
		t.Errorf("%d of 5 pings answered; captured:\n%v", answered, seen)
	}
}

// readEchoes decodes the ICMP echo packets of a pcap file.
func readEchoes(t *testing.T, where string, buf *bytes.Buffer) []echo {
	t.Helper()
	r, err := pcapgo.NewReader(buf)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var out []echo
	for pkt := range gopacket.NewPacketSource(r, r.LinkType()).Packets() {
		ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		ic, _ := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		if ip == nil || ic == nil {
			continue
		}
		typ := ic.TypeCode.Type()
		if typ != layers.ICMPv4TypeEchoRequest && typ != layers.ICMPv4TypeEchoReply {
			continue
		}
		src, _ := netip.AddrFromSlice(ip.SrcIP.To4())
		dst, _ := netip.AddrFromSlice(ip.DstIP.To4())
		out = append(out, echo{where, typ == layers.ICMPv4TypeEchoReply, src, dst})
	}
	return out
}
