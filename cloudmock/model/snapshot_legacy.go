package model

import "net/netip"

// legacySecurityGroup is a security group as snapshot versions 1 and 2
// stored it, before groups were rule sets.
type legacySecurityGroup struct {
	ID, Account, Region, NetworkID, Name, Description string
	Ingress, Egress                                   []legacySecurityRule
	Tags                                              map[string]string
}

type legacySecurityRule struct {
	ID, Protocol     string
	FromPort, ToPort int
	Prefix           netip.Prefix
	GroupID          string
	Description      string
}

// legacyNetworkACL is a network ACL as snapshot versions 1 and 2 stored it.
type legacyNetworkACL struct {
	ID, Account, Region, NetworkID string
	Default                        bool
	Entries                        []legacyACLEntry
	Associations                   []struct{ ID, SubnetID string }
	Tags                           map[string]string
}

type legacyACLEntry struct {
	Number             int
	Egress             bool
	Protocol           string
	Allow              bool
	Prefix             netip.Prefix
	FromPort, ToPort   int
	ICMPType, ICMPCode int
}

// legacyRuleSets turns an old snapshot's groups and ACLs into rule sets; a
// group is its network's default when the network names it so.
func (s *snapshot) legacyRuleSets() []*RuleSet {
	defaults := map[string]bool{}
	for _, n := range s.Networks {
		if n != nil {
			defaults[n.DefaultSecurityGroupID] = true
		}
	}
	var out []*RuleSet
	for _, g := range s.Groups {
		rs := &RuleSet{ID: g.ID, Flavor: FlavorSecurityGroup, Account: g.Account, Region: g.Region, NetworkID: g.NetworkID,
			Name: g.Name, Description: g.Description, Default: defaults[g.ID]}
		for _, d := range []struct {
			dir   Direction
			rules []legacySecurityRule
		}{{Ingress, g.Ingress}, {Egress, g.Egress}} {
			for _, r := range d.rules {
				x := Rule{ID: r.ID, Direction: d.dir, Action: Allow, Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort,
					ICMPType: -1, ICMPCode: -1, Peer: Peer{Prefix: r.Prefix, RuleSetID: r.GroupID}, Description: r.Description}
				if r.Protocol == "icmp" {
					x.FromPort, x.ToPort, x.ICMPType, x.ICMPCode = -1, -1, r.FromPort, r.ToPort
				}
				rs.Rules = append(rs.Rules, x)
			}
		}
		out = append(out, rs)
	}
	for _, a := range s.ACLs {
		rs := &RuleSet{ID: a.ID, Flavor: FlavorNetworkACL, Account: a.Account, Region: a.Region, NetworkID: a.NetworkID, Default: a.Default}
		for _, e := range a.Entries {
			d := Ingress
			if e.Egress {
				d = Egress
			}
			act := Deny
			if e.Allow {
				act = Allow
			}
			rs.Rules = append(rs.Rules, Rule{Direction: d, Priority: e.Number, Action: act, Stateless: true, Protocol: e.Protocol,
				FromPort: e.FromPort, ToPort: e.ToPort, ICMPType: e.ICMPType, ICMPCode: e.ICMPCode, Peer: Peer{Prefix: e.Prefix}})
		}
		sortRules(rs.Rules)
		for _, as := range a.Associations {
			rs.Attachments = append(rs.Attachments, Attachment{ID: as.ID, Kind: OnSubnet, TargetID: as.SubnetID})
		}
		out = append(out, rs)
	}
	return out
}
