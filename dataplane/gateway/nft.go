package gateway

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// The engine's policy component: the two nftables tables (family inet) that
// the gateway owns, built with dataplane/policy and replaced each in one
// transaction through a policy.Conn (the kernel's, or policy.Fake in
// tests). They are separate so that replacing one never touches the other.
var (
	// mssTable clamps the MSS of forwarded TCP handshakes.
	mssTable = policy.Table{Family: policy.FamilyINet, Name: "mcnlab-gateway"}
	// segTable holds the segmentation policy.
	segTable = policy.Table{Family: policy.FamilyINet, Name: "mcnlab-segmentation"}
)

// deniedSet is the segmentation table's flow set: the IPv4 flows it
// dropped, with their counts, which the flow export reads (flows.go).
const deniedSet = "denied"

// nftPolicy applies the gateway's tables through conn.
type nftPolicy struct{ conn policy.Conn }

// start clamps MSS and removes a segmentation policy left by an earlier
// run: nothing is segmented until a Config says so.
func (p nftPolicy) start() error {
	if err := policy.Apply(p.conn, mssRules()); err != nil {
		return fmt.Errorf("clamp mss: %w", err)
	}
	if err := p.setSegmentation(nil); err != nil {
		return errors.Join(err, p.unclamp())
	}
	return nil
}

// close removes both tables.
func (p nftPolicy) close() error {
	if err := policy.Delete(p.conn, mssTable, segTable); err != nil {
		return fmt.Errorf("gateway tables: %w", err)
	}
	return nil
}

func (p nftPolicy) unclamp() error {
	if err := policy.Delete(p.conn, mssTable); err != nil {
		return fmt.Errorf("unclamp mss: %w", err)
	}
	return nil
}

// mssRules clamps TCP MSS on forwarded traffic: every TCP handshake
// through the gateway gets the MSS of the route it takes (a tunnel's MTU
// 1420 gives 1380), so TCP through a tunnel never sends segments the
// tunnel would have to fragment, and does not depend on ICMP
// "fragmentation needed" reaching the sender (what clouds do on their VPN
// gateways, e.g. AWS:
// https://docs.aws.amazon.com/vpn/latest/s2svpn/your-cgw.html — "adjust the
// maximum segment size of TCP packets entering the VPN tunnel").
func mssRules() policy.Table {
	t := mssTable
	t.Chains = []policy.Chain{{Name: "forward", Hook: policy.HookForward, Priority: policy.PriorityMangle,
		Rules: []policy.Rule{{ClampMSS: true}}}}
	return t
}

// setSegmentation makes the kernel's segmentation table match s in one
// transaction, so no packet ever sees half a policy; the drop counters of
// pairs denied before and after carry over. A nil s deletes the table.
func (p nftPolicy) setSegmentation(s *Segmentation) error {
	if s == nil {
		if err := policy.Delete(p.conn, segTable); err != nil {
			return fmt.Errorf("segmentation: %w", err)
		}
		return nil
	}
	if err := policy.Apply(p.conn, segmentationRules(s)); err != nil {
		return fmt.Errorf("segmentation: %w", err)
	}
	return nil
}

// segmentationRules is s as a table: a base chain "forward" (hook
// forward, priority filter) sends a packet whose source lies in a domain
// with denied partners to that domain's chain "from-<domain>", where a
// packet to a denied partner's prefix hits the pair's counter and is
// dropped:
//
//	chain forward  { ip saddr 10.1.0.0/16 jump from-prod … }
//	chain from-prod { ip daddr 10.2.0.0/16 counter name "prod_dev" update @denied { … } drop … }
//
// An IPv4 drop also counts the flow in the flow set deniedSet.
func segmentationRules(s *Segmentation) policy.Table {
	t := segTable
	t.Sets = []policy.Set{{Name: deniedSet, Family: policy.FamilyIPv4, Track: true}}
	fwd := policy.Chain{Name: "forward", Hook: policy.HookForward, Priority: policy.PriorityFilter}
	prefixes := map[string][]netip.Prefix{}
	for _, d := range s.Domains {
		prefixes[d.Name] = outermost(d.Prefixes)
	}
	denied := s.denied()
	for _, d := range s.Domains {
		from := policy.Chain{Name: "from-" + d.Name}
		partners := 0
		for _, pair := range denied {
			if pair[0] != d.Name {
				continue
			}
			partners++
			name := counterName(pair)
			t.Counters = append(t.Counters, name)
			for _, p := range prefixes[pair[1]] {
				r := policy.Rule{Match: policy.Match{Dst: p}, CounterName: name, Verdict: policy.Drop}
				if p.Addr().Is4() {
					r.Track = deniedSet
				}
				from.Rules = append(from.Rules, r)
			}
		}
		if partners == 0 {
			continue
		}
		t.Chains = append(t.Chains, from)
		for _, p := range prefixes[d.Name] {
			fwd.Rules = append(fwd.Rules, policy.Rule{Match: policy.Match{Src: p}, Verdict: policy.Jump(from.Name)})
		}
	}
	t.Chains = append([]policy.Chain{fwd}, t.Chains...)
	return t
}

// drops reads the kernel's drop counter of every pair s denies, in
// s.denied's order.
func (p nftPolicy) drops(s *Segmentation) ([]DomainDrops, error) {
	counters, err := policy.Counters(p.conn, segTable)
	if err != nil {
		return nil, fmt.Errorf("segmentation: %w", err)
	}
	var out []DomainDrops
	var missing []string
	for _, pair := range s.denied() {
		d := DomainDrops{From: pair[0], To: pair[1]}
		if c, ok := counters[counterName(pair)]; ok {
			d.Packets, d.Bytes = c.Packets, c.Bytes
		} else {
			missing = append(missing, counterName(pair))
		}
		out = append(out, d)
	}
	if len(missing) > 0 {
		return out, fmt.Errorf("segmentation: counters %v missing from table %s", missing, segTable.Name)
	}
	return out, nil
}
