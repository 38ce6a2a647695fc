package realize

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// GuardDuty findings from the flows that really happen. GuardDuty reads an
// account's VPC flow logs and raises UnauthorizedAccess:EC2/
// MaliciousIPCaller.Custom when an instance communicates with an address
// on one of its active threat lists; the lab has no flow logs, so the
// realizer reads the same facts from the kernel: the connection tracking
// table of each VPC router namespace, where the internet gateway's
// one-to-one NAT (rules.go) tracks every flow from the internet to an
// elastic IP. A tracked flow's original tuple is the internet address and
// the elastic IP with their ports, which is what a flow log record holds.
//
// Why conntrack and not an nftables log rule: the NAT already makes an
// entry for every inbound flow (no rule to add to the router's ruleset,
// no change when a threat list changes, nothing to undo), one netlink dump
// per router reads them all, and an entry outlives a short connection by
// its timeout (TIME_WAIT 120 s), so a poll every findingPoll sees it. A
// flow dropped before the NAT's conntrack confirms it (a network ACL deny
// in the forward chain) leaves no entry: a blocked attacker raises no new
// occurrences, where GuardDuty would count its REJECT records too.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-data-sources.html — GuardDuty analyses VPC flow logs of the account's EC2 instances
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html#unauthorizedaccess-ec2-maliciousipcallercustom — an instance communicates with an address on a custom threat list

// findingPoll is how often the routers' conntrack tables are read.
var findingPoll = 200 * time.Millisecond

// flowKey is one tracked flow, by its original tuple.
type flowKey struct {
	proto            uint8
	src, dst         netip.Addr
	srcPort, dstPort uint16
}

// findingWatch raises the findings of the flows it sees; start it with
// startFindingWatch and stop it with close.
type findingWatch struct {
	cloud    *model.Cloud
	routerNS func(network string) string // Realizer.routerNS
	logf     func(string, ...any)
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
	// seen are the flows of the last poll: a flow is one occurrence, not
	// one a poll. Owned by the watch goroutine.
	seen map[flowKey]bool
}

func (r *Realizer) startFindingWatch() *findingWatch {
	w := &findingWatch{cloud: r.cloud, routerNS: r.routerNS, logf: r.opts.Logf, stop: make(chan struct{}),
		done: make(chan struct{}), seen: map[flowKey]bool{}}
	go w.run()
	return w
}

// close stops the watch and waits for it; it is idempotent.
func (w *findingWatch) close() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}

func (w *findingWatch) run() {
	defer close(w.done)
	t := time.NewTicker(findingPoll)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.poll()
		}
	}
}

// target is a public address that the internet reaches an instance at.
type target struct {
	account, instance, routerNS string
	region                      string
}

// targets maps the elastic IPs of instances of accounts with an enabled
// detector to their instances and routers.
func (w *findingWatch) targets() map[netip.Addr]target {
	out := map[netip.Addr]target{}
	for _, a := range w.cloud.Accounts() {
		enabled := map[string]bool{}
		for _, d := range w.cloud.Detectors(a.ID) {
			enabled[d.Region] = enabled[d.Region] || d.Status == model.DetectorEnabled
		}
		if len(enabled) == 0 {
			continue
		}
		handle := map[string]string{}
		for _, n := range w.cloud.Networks(a.ID) {
			handle[n.ID] = n.Handle
		}
		byENI, byID := map[string]model.Instance{}, map[string]model.Instance{}
		for _, i := range w.cloud.Instances(a.ID) {
			byID[i.ID] = i
			if i.NetworkInterfaceID != "" {
				byENI[i.NetworkInterfaceID] = i
			}
		}
		for _, e := range w.cloud.ElasticIPs(a.ID) {
			i, ok := byID[e.Associate]
			if !ok {
				i, ok = byENI[e.Associate]
			}
			if ok && enabled[i.Region] && handle[i.NetworkID] != "" {
				out[e.PublicIP] = target{account: a.ID, instance: i.ID, region: i.Region,
					routerNS: w.routerNS(handle[i.NetworkID])}
			}
		}
	}
	return out
}

// poll reads the routers' tracked flows to the targets and records a
// finding for each new one from an address on an active threat list.
func (w *findingWatch) poll() {
	tg := w.targets()
	if len(tg) == 0 {
		clear(w.seen)
		return
	}
	routers := map[string]bool{}
	for _, t := range tg {
		routers[t.routerNS] = true
	}
	now := map[flowKey]bool{}
	at := time.Now().UTC()
	for ns := range routers {
		flows, err := trackedFlows(ns)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) && w.logf != nil {
				w.logf("guardduty: read the flows of %s: %v", ns, err)
			}
			continue
		}
		for _, k := range flows {
			t, ok := tg[k.dst]
			if !ok || t.routerNS != ns {
				continue
			}
			now[k] = true
			if w.seen[k] {
				continue
			}
			if _, ok := w.cloud.ThreatMatch(t.account, t.region, k.src); !ok {
				continue
			}
			_, _, err := w.cloud.RecordFinding(t.account, model.Observation{InstanceID: t.instance, Local: k.dst,
				LocalPort: int(k.dstPort), Remote: k.src, RemotePort: int(k.srcPort), Protocol: protoName(k.proto), At: at})
			if err != nil && w.logf != nil {
				w.logf("guardduty: finding for %s to %s: %v", k.src, t.instance, err)
			}
		}
	}
	w.seen = now
}

// trackedFlows dumps the IPv4 connection tracking table of namespace ns.
// The handle is opened and closed each time: a held one would keep a
// deleted namespace alive.
func trackedFlows(ns string) ([]flowKey, error) {
	h, err := netns.GetFromName(ns)
	if err != nil {
		return nil, fmt.Errorf("open namespace %s: %w", ns, err)
	}
	defer h.Close()
	nl, err := netlink.NewHandleAt(h, unix.NETLINK_NETFILTER)
	if err != nil {
		return nil, fmt.Errorf("netlink in %s: %w", ns, err)
	}
	defer nl.Close()
	flows, err := nl.ConntrackTableList(netlink.ConntrackTable, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("conntrack dump in %s: %w", ns, err)
	}
	out := make([]flowKey, 0, len(flows))
	for _, f := range flows {
		src, ok1 := addrOf(f.Forward.SrcIP)
		dst, ok2 := addrOf(f.Forward.DstIP)
		if ok1 && ok2 {
			out = append(out, flowKey{proto: f.Forward.Protocol, src: src, dst: dst, srcPort: f.Forward.SrcPort, dstPort: f.Forward.DstPort})
		}
	}
	return out, nil
}

func addrOf(ip net.IP) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	return a.Unmap(), ok
}

// protoName is a finding's protocol word.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_NetworkConnectionAction.html — protocol: the network connection protocol (TCP, UDP)
func protoName(p uint8) string {
	switch p {
	case unix.IPPROTO_TCP:
		return "TCP"
	case unix.IPPROTO_UDP:
		return "UDP"
	case unix.IPPROTO_ICMP:
		return "ICMP"
	}
	return fmt.Sprintf("%d", p)
}
