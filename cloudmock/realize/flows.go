package realize

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// The flows that really happen, read once for every consumer: GuardDuty
// (guardduty.go) and VPC flow logs (flowlogs.go). Each poll, the flow
// source asks its readers which namespaces they want, dumps the IPv4
// connection tracking table of each of those once (one netlink dump per
// namespace), and hands each reader the flows of its namespaces. Every
// namespace the realizer makes counts packets and bytes per tracked flow
// (nf_conntrack_acct, live.go's sysctls), so a flow carries both
// directions' counters.
//
// Why conntrack: the rule sets are stateful (every interface's security
// groups track connections in the instance's namespace; the internet
// gateway's one-to-one NAT tracks every flow from the internet in the
// router's), so the kernel already holds one entry per flow with its
// tuples and counters; an entry outlives a short connection by its timeout
// (TIME_WAIT 120 s, ICMP 30 s), so a poll every flowPoll sees it.

// flowPoll is how often the tracked flows are read.
var flowPoll = 200 * time.Millisecond

// flowKey is one tracked flow, by its original tuple.
type flowKey struct {
	proto            uint8
	src, dst         netip.Addr
	srcPort, dstPort uint16
}

// flow is one tracked flow with its reply tuple (which differs from the
// original reversed where the flow is translated) and the packets and
// bytes each direction carried since the entry was made.
type flow struct {
	key                      flowKey
	reply                    flowKey
	origPackets, origBytes   uint64
	replyPackets, replyBytes uint64
}

// nsFlows are a namespace's flows: those its connection tracker holds,
// and those its rule sets dropped (the flow set rejectedSet, rules.go:
// key and counters only, in the orig fields; for ICMP the "ports" are the
// type and code, and the checksum).
type nsFlows struct {
	tracked, rejected []flow
}

// flowReader consumes the flows of the namespaces it names. Both methods
// run on the source's goroutine, one poll at a time.
type flowReader interface {
	// wants returns the namespaces whose flows the next observe needs.
	wants() []string
	// observe hands over the flows of each wanted namespace that could be
	// read, at one time.
	observe(flows map[string]nsFlows, at time.Time)
}

// flowSource polls the tracked flows for its readers; start it with
// startFlowSource and stop it with close.
type flowSource struct {
	readers []flowReader
	logf    func(string, ...any)
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

func startFlowSource(logf func(string, ...any), readers ...flowReader) *flowSource {
	s := &flowSource{readers: readers, logf: logf, stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

// close stops the source and waits for it; it is idempotent.
func (s *flowSource) close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

func (s *flowSource) run() {
	defer close(s.done)
	t := time.NewTicker(flowPoll)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.poll()
		}
	}
}

// poll reads every wanted namespace once and feeds the readers.
func (s *flowSource) poll() {
	wanted := make([][]string, len(s.readers))
	read := map[string]nsFlows{}
	for i, r := range s.readers {
		wanted[i] = r.wants()
		for _, ns := range wanted[i] {
			if _, done := read[ns]; done {
				continue
			}
			flows, err := readFlows(ns)
			if err != nil && !errors.Is(err, os.ErrNotExist) && s.logf != nil {
				s.logf("flows: read the flows of %s: %v", ns, err)
			}
			read[ns] = flows
		}
	}
	at := time.Now().UTC()
	for i, r := range s.readers {
		mine := make(map[string]nsFlows, len(wanted[i]))
		for _, ns := range wanted[i] {
			mine[ns] = read[ns]
		}
		r.observe(mine, at)
	}
}

// readFlows reads namespace ns's flows: the connection tracking tables
// (IPv4 and IPv6) and the realizer's flow set of dropped flows (IPv4).
// The handle is opened and closed each time: a held one would keep a
// deleted namespace alive.
func readFlows(ns string) (nsFlows, error) {
	h, err := netns.GetFromName(ns)
	if err != nil {
		return nsFlows{}, fmt.Errorf("open namespace %s: %w", ns, err)
	}
	defer h.Close()
	nl, err := netlink.NewHandleAt(h, unix.NETLINK_NETFILTER)
	if err != nil {
		return nsFlows{}, fmt.Errorf("netlink in %s: %w", ns, err)
	}
	defer nl.Close()
	var entries []*netlink.ConntrackFlow
	for _, fam := range []netlink.InetFamily{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		es, err := nl.ConntrackTableList(netlink.ConntrackTable, fam)
		if err != nil {
			return nsFlows{}, fmt.Errorf("conntrack dump in %s: %w", ns, err)
		}
		entries = append(entries, es...)
	}
	var out nsFlows
	for _, e := range entries {
		k, ok1 := tupleKey(e.Forward)
		r, ok2 := tupleKey(e.Reverse)
		if ok1 && ok2 {
			out.tracked = append(out.tracked, flow{key: k, reply: r, origPackets: e.Forward.Packets, origBytes: e.Forward.Bytes,
				replyPackets: e.Reverse.Packets, replyBytes: e.Reverse.Bytes})
		}
	}
	c, err := nftables.New(nftables.WithNetNSFd(int(h)))
	if err != nil {
		return out, fmt.Errorf("nftables in %s: %w", ns, err)
	}
	dropped, err := policy.ReadFlows(c, tableName, rejectedSet)
	if err != nil {
		return out, fmt.Errorf("%s: %w", ns, err)
	}
	for _, d := range dropped {
		k := flowKey{proto: d.Proto, src: netip.AddrFrom4(d.Src), dst: netip.AddrFrom4(d.Dst), srcPort: d.SrcPort, dstPort: d.DstPort}
		out.rejected = append(out.rejected, flow{key: k, origPackets: d.Packets, origBytes: d.Bytes})
	}
	return out, nil
}

func tupleKey(t netlink.IPTuple) (flowKey, bool) {
	src, ok1 := addrOf(t.SrcIP)
	dst, ok2 := addrOf(t.DstIP)
	return flowKey{proto: t.Protocol, src: src, dst: dst, srcPort: t.SrcPort, dstPort: t.DstPort}, ok1 && ok2
}

func addrOf(ip net.IP) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	return a.Unmap(), ok
}

// writeSysctls sets the realizer's sysctls in the current thread's
// namespace (name, for errors), and turns on the connection tracker's
// packet and byte counters, which the flow source reads: where the kernel
// has no connection tracking (no /proc/sys/net/netfilter) there is
// nothing to count.
func writeSysctls(name string) error {
	for k, v := range sysctls {
		if err := os.WriteFile("/proc/sys/"+k, []byte(v), 0o644); err != nil {
			return fmt.Errorf("%s: sysctl %s: %w", name, k, err)
		}
	}
	const acct = "/proc/sys/net/netfilter/nf_conntrack_acct"
	if err := os.WriteFile(acct, []byte("1"), 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: sysctl %s: %w", name, acct, err)
	}
	return nil
}
