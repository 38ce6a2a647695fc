package flowexport

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/ipfix"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// Source reads the flows of the namespace it runs in.
type Source interface {
	// Read returns every flow direction the kernel holds now.
	Read() ([]Entry, error)
	// Close releases the source's handles.
	Close() error
}

// DeniedSet names the flow set of an inet table where a policy counts the
// flows it drops (policy.Rule.Track).
type DeniedSet struct {
	Table, Set string
}

// KernelSource reads the connection tracker (IPv4 and IPv6) and the flow
// sets of denied flows of the calling process's namespace, through nft.
// Flows to or from the namespace's own addresses are not forwarded and
// are left out.
//
// The tracker is read on demand: while the last reading had connections,
// or when its events (ctEvents) said that one started or ended since. An
// idle gateway's tracker is empty, and then it is not dumped at all.
type KernelSource struct {
	nl     *netlink.Handle
	nft    policy.Conn
	denied []DeniedSet
	events *ctEvents // nil: no events, read every time
	// tracked: the last reading of the tracker had connections.
	tracked bool
	// dumps counts the readings of the tracker.
	dumps int
}

// NewKernelSource opens the netlink handles in the calling process's
// namespace; the caller closes the source.
func NewKernelSource(nft policy.Conn, denied ...DeniedSet) (*KernelSource, error) {
	nl, err := netlink.NewHandle(unix.NETLINK_NETFILTER, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("flowexport: netlink: %w", err)
	}
	// Without events (a kernel without conntrack's netlink), the
	// tracker is read every time.
	ev, _ := listenCT()
	return &KernelSource{nl: nl, nft: nft, denied: denied, events: ev}, nil
}

// Close releases the netlink handles.
func (s *KernelSource) Close() error {
	s.nl.Close()
	if s.events != nil {
		return s.events.Close()
	}
	return nil
}

// Read reads the connection tracker (when it may hold connections: see
// KernelSource) and the denied flow sets.
func (s *KernelSource) Read() ([]Entry, error) {
	var out []Entry
	woke := s.events == nil || s.events.take()
	if s.tracked || woke {
		es, n, err := s.readTracker()
		if err != nil {
			return nil, err
		}
		out, s.tracked = es, n > 0
	}
	for _, d := range s.denied {
		fs, err := policy.ReadFlowsOf(s.nft, policy.FamilyINet, d.Table, d.Set)
		if err != nil {
			return out, fmt.Errorf("flowexport: %w", err)
		}
		for _, f := range fs {
			k := Key{Src: netip.AddrFrom4(f.Src), Dst: netip.AddrFrom4(f.Dst), Proto: f.Proto, SrcPort: f.SrcPort, DstPort: f.DstPort}
			if k.Proto == unix.IPPROTO_ICMP {
				k.SrcPort, k.DstPort = 0, 0 // the set holds type, code and checksum there
			}
			out = append(out, Entry{Key: k, Packets: f.Packets, Bytes: f.Bytes, Action: ipfix.Deny})
		}
	}
	return merge(out), nil
}

// readTracker dumps the connection tracker (IPv4 and IPv6): the
// directions of the forwarded connections, and how many connections it
// holds in all.
func (s *KernelSource) readTracker() ([]Entry, int, error) {
	s.dumps++
	local, err := s.localAddrs()
	if err != nil {
		return nil, 0, err
	}
	var out []Entry
	n := 0
	for _, fam := range []netlink.InetFamily{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		cts, err := s.nl.ConntrackTableList(netlink.ConntrackTable, fam)
		if err != nil {
			return nil, 0, fmt.Errorf("flowexport: conntrack dump: %w", err)
		}
		n += len(cts)
		for _, ct := range cts {
			out = append(out, conntrackEntries(ct, local)...)
		}
	}
	return out, n, nil
}

// merge sums the entries of one key and action: the ICMP entries that
// differ only in what a Key leaves out (echo identifier, checksum), the
// earliest start theirs.
func merge(es []Entry) []Entry {
	type ka struct {
		Key
		a ipfix.Action
	}
	at := map[ka]int{}
	var out []Entry
	for _, e := range es {
		i, ok := at[ka{e.Key, e.Action}]
		if !ok {
			at[ka{e.Key, e.Action}] = len(out)
			out = append(out, e)
			continue
		}
		m := &out[i]
		m.Packets += e.Packets
		m.Bytes += e.Bytes
		if !e.Start.IsZero() && (m.Start.IsZero() || e.Start.Before(m.Start)) {
			m.Start = e.Start
		}
	}
	return out
}

// localAddrs are the namespace's own addresses.
func (s *KernelSource) localAddrs() (map[netip.Addr]bool, error) {
	addrs, err := s.nl.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("flowexport: list addresses: %w", err)
	}
	out := map[netip.Addr]bool{}
	for _, a := range addrs {
		if ip, ok := addrOf(a.IP); ok {
			out[ip] = true
		}
	}
	return out, nil
}

// conntrackEntries are a tracked connection's two directions, unless it
// is the namespace's own (an address is local or loopback).
func conntrackEntries(ct *netlink.ConntrackFlow, local map[netip.Addr]bool) []Entry {
	o, ok1 := tupleKey(ct.Forward)
	r, ok2 := tupleKey(ct.Reverse)
	if !ok1 || !ok2 {
		return nil
	}
	for _, a := range []netip.Addr{o.Src, o.Dst, r.Src, r.Dst} {
		if local[a] || a.IsLoopback() {
			return nil
		}
	}
	var start time.Time
	if ct.TimeStart != 0 {
		start = time.Unix(0, int64(ct.TimeStart)).UTC()
	}
	return []Entry{
		{Key: o, Packets: ct.Forward.Packets, Bytes: ct.Forward.Bytes, Start: start, Action: ipfix.Permit},
		{Key: r, Packets: ct.Reverse.Packets, Bytes: ct.Reverse.Bytes, Start: start, Action: ipfix.Permit},
	}
}

func tupleKey(t netlink.IPTuple) (Key, bool) {
	src, ok1 := addrOf(t.SrcIP)
	dst, ok2 := addrOf(t.DstIP)
	k := Key{Src: src, Dst: dst, Proto: t.Protocol, SrcPort: t.SrcPort, DstPort: t.DstPort}
	if k.Proto != unix.IPPROTO_TCP && k.Proto != unix.IPPROTO_UDP && k.Proto != unix.IPPROTO_SCTP {
		k.SrcPort, k.DstPort = 0, 0
	}
	return k, ok1 && ok2
}

func addrOf(ip net.IP) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	return a.Unmap(), ok
}

// sysctls turn on the connection tracker's counters and start times in
// the namespace (for connections tracked from then on).
var sysctls = []string{"net/netfilter/nf_conntrack_acct", "net/netfilter/nf_conntrack_timestamp"}

// enableAccounting writes sysctls; a kernel without connection tracking
// (no /proc/sys/net/netfilter) has nothing to turn on, and nothing to
// meter.
func enableAccounting() error {
	var errs []error
	for _, k := range sysctls {
		if err := os.WriteFile("/proc/sys/"+k, []byte("1"), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("flowexport: sysctl %s: %w", k, err))
		}
	}
	return errors.Join(errs...)
}
