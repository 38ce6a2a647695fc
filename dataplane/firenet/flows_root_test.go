package firenet_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/firenet"
	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/probe"
)

// flowsOf reads each firewall's conntrack table.
func (l *lab) flowsOf(t *testing.T) [][]firewall.Flow {
	t.Helper()
	var out [][]firewall.Flow
	for _, e := range l.engines {
		f, err := e.Flows()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// carriers lists the firewalls (by position) whose tables hold the flow
// from local to the server's port, each with packets both ways; a flow
// that a firewall saw one way only fails the test.
func carriers(t *testing.T, tables [][]firewall.Flow, proto uint8, local netip.AddrPort, port uint16) []int {
	t.Helper()
	var out []int
	for i, flows := range tables {
		for _, f := range flows {
			if f.Proto != proto {
				continue
			}
			if f.Src.Addr() == srvAddr && f.Src.Port() == port && f.Dst == local {
				t.Errorf("fw%d saw the reply of %s alone: %+v", i+1, local, f)
			}
			if f.Src == local && f.Dst.Port() == port {
				if f.Packets == 0 || f.ReplyPackets == 0 {
					t.Errorf("fw%d saw %s one way only: %+v", i+1, local, f)
				}
				out = append(out, i)
			}
		}
	}
	return out
}

// TestFlowsSplitSymmetrically: 40 TCP connections (40 source ports) split
// between the two firewalls, and each connection's two directions cross
// the same one, as the firewalls' own conntrack tables show.
func TestFlowsSplitSymmetrically(t *testing.T) {
	l := newLab(t, firewall.Config{})
	conns := l.dialMany(t, 40)
	tables := l.flowsOf(t)
	split := make([]int, len(l.engines))
	for _, c := range conns {
		local := netip.MustParseAddrPort(c.LocalAddr().String())
		on := carriers(t, tables, 6, local, 7)
		if len(on) != 1 {
			t.Errorf("connection from %s is in firewalls %v, want one", local, on)
			continue
		}
		split[on[0]]++
	}
	t.Logf("40 connections: fw1 carried %d, fw2 %d", split[0], split[1])
	if split[0] == 0 || split[1] == 0 {
		t.Errorf("flows not split: %v", split)
	}
}

// TestFirewallRuleDeniesSSH: a rule denying tcp/22 blocks SSH while ICMP
// and another port pass, and its counter shows the blocked attempts.
func TestFirewallRuleDeniesSSH(t *testing.T) {
	l := newLab(t, firewall.Config{Rules: []firewall.Rule{{Name: "no-ssh", Proto: policy.ProtoTCP, DstPort: policy.Port(22), Action: firewall.Deny}}})
	c, err := l.dial(7, 3*time.Second)
	if err != nil {
		t.Fatalf("tcp/7: %v", err)
	}
	c.Close()
	if _, err := probe.WaitReachable(t.Context(), l.cli.Name, srvAddr, 200*time.Millisecond); err != nil {
		t.Fatalf("ICMP: %v", err)
	}
	if c, err := l.dial(22, time.Second); err == nil {
		c.Close()
		t.Fatal("tcp/22 connected through the firewall")
	} else if ne, ok := errors.AsType[net.Error](err); !ok || !ne.Timeout() {
		t.Errorf("tcp/22: %v, want a timeout (dropped)", err)
	}
	var denied uint64
	for _, e := range l.engines {
		cs, err := e.Counters()
		if err != nil {
			t.Fatal(err)
		}
		denied += cs.Rules["no-ssh"].Packets
	}
	if denied == 0 {
		t.Error("rule no-ssh counted nothing")
	}
}

// udpFlow is a client socket that sends a probe to the server's udp/9 and
// waits for the echo.
type udpFlow struct {
	c     *net.UDPConn
	local netip.AddrPort
}

func (l *lab) udpFlows(t *testing.T, n int) []*udpFlow {
	t.Helper()
	var out []*udpFlow
	for range n {
		var c *net.UDPConn
		if err := netns.DoHandle(l.cli.Handle, func() (err error) {
			c, err = net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(srvAddr, 9)))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		out = append(out, &udpFlow{c: c, local: netip.MustParseAddrPort(c.LocalAddr().String())})
	}
	return out
}

// ping sends one probe and waits up to timeout for its echo.
func (f *udpFlow) ping(seq int, timeout time.Duration) error {
	msg := fmt.Sprintf("p%d", seq)
	if _, err := f.c.Write([]byte(msg)); err != nil {
		return err
	}
	f.c.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 100)
	for {
		n, err := f.c.Read(buf)
		if err != nil {
			return err
		}
		if strings.HasSuffix(string(buf[:n]), " "+msg) {
			return nil
		}
	}
}

// recover sends probes on each flow every 20ms until one is answered (or
// limit passes) and returns how long each took from since.
func recoverAll(flows []*udpFlow, since time.Time, limit time.Duration) []time.Duration {
	out := make([]time.Duration, len(flows))
	var wg sync.WaitGroup
	for i, f := range flows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 1000; time.Since(since) < limit; seq++ {
				if f.ping(seq, 20*time.Millisecond) == nil {
					out[i] = time.Since(since)
					return
				}
			}
			out[i] = -1
		}()
	}
	wg.Wait()
	return out
}

// packetsOn is the packets that firewall i's table shows for the UDP flow
// from local (0: none).
func packetsOn(t *testing.T, l *lab, i int, local netip.AddrPort) uint64 {
	t.Helper()
	flows, err := l.engines[i].Flows()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flows {
		if f.Proto == 17 && f.Src == local && f.Dst.Port() == 9 {
			return f.Packets
		}
	}
	return 0
}

// TestFailoverWithin2s: 16 UDP flows split over the firewalls; fw1's link
// goes down (the instance is gone): each of its flows is answered through
// fw2 within 2 s, fw2's flows never notice; once fw1 is back and healthy,
// new flows go through it again while the moved ones stay on fw2.
func TestFailoverWithin2s(t *testing.T) {
	l := newLab(t, firewall.Config{})
	flows := l.udpFlows(t, 16)
	for i, f := range flows {
		if err := f.ping(i, time.Second); err != nil {
			t.Fatalf("flow %s: %v", f.local, err)
		}
	}
	tables := l.flowsOf(t)
	var onFw1, onFw2 []*udpFlow
	for _, f := range flows {
		switch on := carriers(t, tables, 17, f.local, 9); {
		case len(on) != 1:
			t.Fatalf("flow %s in firewalls %v", f.local, on)
		case on[0] == 0:
			onFw1 = append(onFw1, f)
		default:
			onFw2 = append(onFw2, f)
		}
	}
	t.Logf("16 UDP flows: fw1 %d, fw2 %d", len(onFw1), len(onFw2))
	if len(onFw1) == 0 || len(onFw2) == 0 {
		t.Fatal("flows not split")
	}
	link, err := l.fws[0].NL.LinkByName("eth0")
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if err := l.fws[0].NL.LinkSetDown(link); err != nil {
		t.Fatal(err)
	}
	var worst time.Duration
	for i, d := range recoverAll(onFw1, killed, 3*time.Second) {
		if d < 0 {
			t.Fatalf("flow %s never recovered", onFw1[i].local)
		}
		worst = max(worst, d)
		if packetsOn(t, l, 1, onFw1[i].local) == 0 {
			t.Errorf("flow %s recovered but not through fw2", onFw1[i].local)
		}
	}
	t.Logf("failover: every fw1 flow answered through fw2 within %s of the kill", worst.Round(time.Millisecond))
	if worst > 2*time.Second {
		t.Errorf("failover took %s, want within 2s", worst)
	}
	for i, f := range onFw2 {
		if err := f.ping(2000+i, time.Second); err != nil {
			t.Errorf("fw2's flow %s broke: %v", f.local, err)
		}
	}
	if st, err := l.steer.Status(); err != nil || st.Firewalls[0].Healthy || st.Firewalls[0].LastError == "" {
		t.Errorf("status after the kill = %+v, %v", st, err)
	}

	back := time.Now()
	if err := l.fws[0].NL.LinkSetUp(link); err != nil {
		t.Fatal(err)
	}
	addDefault(t, l.fws[0], "169.254.10.1") // link down took it
	waitHealthy(t, l.steer, "fw1", 3*time.Second)
	t.Logf("fw1 healthy again %s after its link came up", time.Since(back).Round(time.Millisecond))
	moved := onFw1[0]
	before := packetsOn(t, l, 1, moved.local)
	if err := moved.ping(3000, time.Second); err != nil || packetsOn(t, l, 1, moved.local) <= before {
		t.Errorf("moved flow %s left fw2 after fw1 came back (ping %v)", moved.local, err)
	}
	fresh := l.udpFlows(t, 16)
	n := 0
	for i, f := range fresh {
		if err := f.ping(4000+i, time.Second); err != nil {
			t.Fatalf("new flow %s: %v", f.local, err)
		}
		if packetsOn(t, l, 0, f.local) > 0 {
			n++
		}
	}
	t.Logf("after recovery, 16 new flows: %d through fw1", n)
	if n == 0 {
		t.Error("no new flow went through the recovered fw1")
	}
}

// waitHealthy polls the status until firewall name is healthy.
func waitHealthy(t *testing.T, s *firenet.Steerer, name string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		st, err := s.Status()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range st.Firewalls {
			if f.Name == name && f.Healthy {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy within %s: %+v", name, limit, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
