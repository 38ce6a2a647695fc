package realize

import (
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// GuardDuty findings from the flows that really happen. GuardDuty reads an
// account's VPC flow logs and raises UnauthorizedAccess:EC2/
// MaliciousIPCaller.Custom when an instance communicates with an address
// on one of its active threat lists; the realizer reads the same facts
// from the kernel through its flow source (flows.go), which VPC flow logs
// read too: the connection tracking table of each VPC router namespace,
// where the internet gateway's
// one-to-one NAT (rules.go) tracks every flow from the internet to an
// elastic IP. A tracked flow's original tuple is the internet address and
// the elastic IP with their ports, which is what a flow log record holds.
//
// Why conntrack and not an nftables log rule: the NAT already makes an
// entry for every inbound flow (no rule to add to the router's ruleset,
// no change when a threat list changes, nothing to undo), one netlink dump
// per router reads them all, and an entry outlives a short connection by
// its timeout (TIME_WAIT 120 s), so a poll every flowPoll sees it. A
// flow dropped before the NAT's conntrack confirms it (a network ACL deny
// in the forward chain) leaves no entry, but the ACL's drop counts it in
// the router's flow set of dropped flows (rules.go), which the flow source
// reads too: such a flow is an occurrence with the connection blocked, as
// GuardDuty counts REJECT records.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-data-sources.html — GuardDuty analyses VPC flow logs of the account's EC2 instances
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html#unauthorizedaccess-ec2-maliciousipcallercustom — an instance communicates with an address on a custom threat list

// findingWatch raises the findings of the flows it sees: a flowReader of
// the realizer's flow source (flows.go), wanting the routers of the
// elastic IPs of accounts with an enabled detector.
type findingWatch struct {
	cloud    *model.Cloud
	routerNS func(network string) string // Realizer.routerNS
	logf     func(string, ...any)
	// Owned by the flow source's goroutine: tg are the targets of the
	// current poll (wants) by elastic IP, private the same by the private
	// address the elastic IP maps to, seen the flows of the last poll (a
	// flow is one occurrence, not one a poll).
	tg      map[netip.Addr]target
	private map[netip.Addr]target
	seen    map[flowKey]bool
}

func (r *Realizer) newFindingWatch() *findingWatch {
	return &findingWatch{cloud: r.cloud, routerNS: r.routerNS, logf: r.opts.Logf, seen: map[flowKey]bool{}}
}

// target is a public address that the internet reaches an instance at.
type target struct {
	account, instance, routerNS string
	region                      string
	public, private             netip.Addr
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
				private := e.PrivateIP
				if !private.IsValid() {
					private = i.PrivateIP
				}
				out[e.PublicIP] = target{account: a.ID, instance: i.ID, region: i.Region,
					routerNS: w.routerNS(handle[i.NetworkID]), public: e.PublicIP, private: private}
			}
		}
	}
	return out
}

// wants returns the routers of the current targets.
func (w *findingWatch) wants() []string {
	w.tg, w.private = w.targets(), map[netip.Addr]target{}
	routers := map[string]bool{}
	for _, t := range w.tg {
		routers[t.routerNS] = true
		w.private[t.private] = t
	}
	return sortedKeys(routers)
}

// observe records a finding for each new flow to a target from an
// address on an active threat list: a flow the router tracked (through
// the internet gateway's NAT, to the elastic IP), or one the router's
// network ACLs dropped (after the NAT, to the private address), which is
// a blocked connection.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_NetworkConnectionAction.html — blocked: whether the network connection attempt was blocked
func (w *findingWatch) observe(flows map[string]nsFlows, at time.Time) {
	if len(w.tg) == 0 {
		clear(w.seen)
		return
	}
	now := map[flowKey]bool{}
	for ns, fs := range flows {
		for _, f := range fs.tracked {
			if t, ok := w.tg[f.key.dst]; ok && t.routerNS == ns {
				w.occurrence(t, f.key, false, now, at)
			}
		}
		for _, f := range fs.rejected {
			if t, ok := w.private[f.key.dst]; ok && t.routerNS == ns {
				w.occurrence(t, f.key, true, now, at)
			}
		}
	}
	w.seen = now
}

// occurrence records a finding for a flow to a target not seen in the
// last poll, if its source is on an active threat list.
func (w *findingWatch) occurrence(t target, k flowKey, blocked bool, now map[flowKey]bool, at time.Time) {
	now[k] = true
	if w.seen[k] {
		return
	}
	if _, ok := w.cloud.ThreatMatch(t.account, t.region, k.src); !ok {
		return
	}
	_, _, err := w.cloud.RecordFinding(t.account, model.Observation{InstanceID: t.instance, Local: t.public,
		LocalPort: int(k.dstPort), Remote: k.src, RemotePort: int(k.srcPort), Protocol: protoName(k.proto), At: at, Blocked: blocked})
	if err != nil && w.logf != nil {
		w.logf("guardduty: finding for %s to %s: %v", k.src, t.instance, err)
	}
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
