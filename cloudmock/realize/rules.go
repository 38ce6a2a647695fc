package realize

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// hostRuleset builds an instance's table: its security groups, stateful,
// and its source/destination check; or a NAT gateway's masquerade.
func hostRuleset(s hostSpec) (*ruleset, error) {
	rs := &ruleset{}
	if s.Masquerade {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html#nat-gateway-basics — the NAT gateway replaces the source address with its own private address (the internet gateway then maps it to the elastic IP)
		post := &chainSpec{name: "postrouting", hook: nftables.ChainHookPostrouting, prio: nftables.ChainPriorityNATSource,
			typ: nftables.ChainTypeNAT, policy: nftables.ChainPolicyAccept}
		a := s.Addr.As4()
		post.add(&expr.Masq{}, oif(hostIf), match{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: srcOffset, Len: 4},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: a[:]},
		})
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html — external services cannot initiate a connection through a NAT gateway
		in := &chainSpec{name: "input", hook: nftables.ChainHookInput, prio: nftables.ChainPriorityFilter,
			typ: nftables.ChainTypeFilter, policy: nftables.ChainPolicyDrop}
		in.add(accept, ctEstablished())
		in.add(accept, iif("lo"))
		rs.chains = append(rs.chains, post, in)
		return rs, nil
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups are stateful: responses to allowed traffic flow regardless of rules; no inbound rule means inbound is denied
	in := &chainSpec{name: "input", hook: nftables.ChainHookInput, prio: nftables.ChainPriorityFilter,
		typ: nftables.ChainTypeFilter, policy: nftables.ChainPolicyDrop}
	out := &chainSpec{name: "output", hook: nftables.ChainHookOutput, prio: nftables.ChainPriorityFilter,
		typ: nftables.ChainTypeFilter, policy: nftables.ChainPolicyDrop}
	fwd := &chainSpec{name: "forward", hook: nftables.ChainHookForward, prio: nftables.ChainPriorityFilter,
		typ: nftables.ChainTypeFilter, policy: nftables.ChainPolicyDrop}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html — tracked flows go on after the rule that admitted them is removed
	in.add(accept, ctEstablished())
	in.add(accept, iif("lo"))
	out.add(accept, ctEstablished())
	out.add(accept, oif("lo"))
	// A security group filters what passes the instance's interface (eth0)
	// only: what a gateway instance receives or sends inside a tunnel it
	// terminates was checked as tunnel packets on eth0.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups are associated with network interfaces
	in.add(accept, notIf(expr.MetaKeyIIFNAME, hostIf))
	out.add(accept, notIf(expr.MetaKeyOIFNAME, hostIf))
	for _, x := range s.Ingress {
		l4, err := l4Match(x.Proto, x.From, x.To)
		if err != nil {
			return nil, fmt.Errorf("ingress rule: %w", err)
		}
		for _, peer := range x.Peers {
			in.add(accept, prefixMatch(srcOffset, peer), l4)
		}
	}
	for _, x := range s.Egress {
		l4, err := l4Match(x.Proto, x.From, x.To)
		if err != nil {
			return nil, fmt.Errorf("egress rule: %w", err)
		}
		for _, peer := range x.Peers {
			out.add(accept, prefixMatch(dstOffset, peer), l4)
		}
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck — with the source/destination check on, an instance drops traffic not addressed to or from itself
	if !s.SrcDstCheck {
		// Forwarded traffic enters and leaves the interface: a new flow
		// passes when an inbound rule and an outbound rule both allow it.
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html — security groups control the traffic allowed to reach and leave the resources they are associated with
		fwdIn := &chainSpec{name: "forward-in"}
		fwdOut := &chainSpec{name: "forward-out"}
		fwd.add(accept, ctEstablished())
		// Entering from a tunnel, not through eth0: only the outbound
		// rules apply; leaving into a tunnel: only the inbound ones.
		fwd.add(jump(fwdOut.name), notIf(expr.MetaKeyIIFNAME, hostIf))
		fwd.add(jump(fwdIn.name))
		fwdOut.add(accept, notIf(expr.MetaKeyOIFNAME, hostIf))
		for _, x := range s.Ingress {
			l4, _ := l4Match(x.Proto, x.From, x.To)
			for _, peer := range x.Peers {
				fwdIn.add(jump(fwdOut.name), prefixMatch(srcOffset, peer), l4)
			}
		}
		for _, x := range s.Egress {
			l4, _ := l4Match(x.Proto, x.From, x.To)
			for _, peer := range x.Peers {
				fwdOut.add(accept, prefixMatch(dstOffset, peer), l4)
			}
		}
		rs.chains = append(rs.chains, fwdIn, fwdOut)
	}
	rs.chains = append(rs.chains, in, out, fwd)
	return rs, nil
}

// routerRuleset builds a VPC router's table: each subnet's network ACL,
// stateless, and the internet gateway's one-to-one address mapping.
func routerRuleset(s routerSpec) (*ruleset, error) {
	rs := &ruleset{}
	fwd := &chainSpec{name: "forward", hook: nftables.ChainHookForward, prio: nftables.ChainPriorityFilter,
		typ: nftables.ChainTypeFilter, policy: nftables.ChainPolicyAccept}
	rs.chains = append(rs.chains, fwd)
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html — a network ACL controls traffic entering and leaving a subnet, not traffic within it
	for _, sg := range s.Segs {
		fwd.add(accept, iif(sg.Bridge), oif(sg.Bridge))
	}
	for _, sg := range s.Segs {
		// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — rules are evaluated in rule-number order, the first match decides; ACLs are stateless, so return traffic needs its own rule
		inName, outName := "in-"+sg.Bridge, "out-"+sg.Bridge
		inCh := &chainSpec{name: inName}
		outCh := &chainSpec{name: outName}
		for _, e := range sg.Entries { // sorted by number within each direction
			l4, err := aclL4Match(e)
			if err != nil {
				return nil, fmt.Errorf("network ACL entry %d: %w", e.Number, err)
			}
			v := ret
			if !e.Allow {
				v = drop
			}
			if e.Egress {
				outCh.add(v, prefixMatch(dstOffset, e.Prefix), l4)
			} else {
				inCh.add(v, prefixMatch(srcOffset, e.Prefix), l4)
			}
		}
		inCh.add(drop)
		outCh.add(drop)
		rs.chains = append(rs.chains, inCh, outCh)
		fwd.add(jump(outName), iif(sg.Bridge))
		fwd.add(jump(inName), oif(sg.Bridge))
	}
	if !s.IGW {
		return rs, nil
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html — the internet gateway performs one-to-one NAT between an instance's private address and its public or elastic IP; without one, it does not pass the instance's traffic
	pre := &chainSpec{name: "prerouting", hook: nftables.ChainHookPrerouting, prio: nftables.ChainPriorityNATDest,
		typ: nftables.ChainTypeNAT, policy: nftables.ChainPolicyAccept}
	post := &chainSpec{name: "postrouting", hook: nftables.ChainHookPostrouting, prio: nftables.ChainPriorityNATSource,
		typ: nftables.ChainTypeNAT, policy: nftables.ChainPolicyAccept}
	for _, m := range s.NAT {
		pre.add(natTo(expr.NATTypeDestNAT, m.Private)[1], iif(igwIf), addrMatch(dstOffset, m.Public), match{natTo(expr.NATTypeDestNAT, m.Private)[0]})
		post.add(natTo(expr.NATTypeSourceNAT, m.Public)[1], oif(igwIf), addrMatch(srcOffset, m.Private), match{natTo(expr.NATTypeSourceNAT, m.Public)[0]})
		fwd.add(accept, oif(igwIf), addrMatch(srcOffset, m.Private))
	}
	fwd.add(drop, oif(igwIf))
	rs.chains = append(rs.chains, pre, post)
	return rs, nil
}

// noIPv6 is an instance's IPv6 table: the emulated VPCs are IPv4 only, so
// an instance takes no IPv6 traffic (its link-local address would
// otherwise bypass the security groups).
func noIPv6() *ruleset {
	rs := &ruleset{family: nftables.TableFamilyIPv6}
	for _, h := range []struct {
		name string
		hook *nftables.ChainHook
	}{{"input", nftables.ChainHookInput}, {"output", nftables.ChainHookOutput}, {"forward", nftables.ChainHookForward}} {
		c := &chainSpec{name: h.name, hook: h.hook, prio: nftables.ChainPriorityFilter, typ: nftables.ChainTypeFilter, policy: nftables.ChainPolicyDrop}
		if h.name == "input" {
			c.add(accept, iif("lo"))
		} else if h.name == "output" {
			c.add(accept, oif("lo"))
		}
		rs.chains = append(rs.chains, c)
	}
	return rs
}

// notIf matches packets whose input (key MetaKeyIIFNAME) or output
// (MetaKeyOIFNAME) interface is not name.
func notIf(key expr.MetaKey, name string) match {
	return match{
		&expr.Meta{Key: key, Register: 1},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: ifname(name)},
	}
}
