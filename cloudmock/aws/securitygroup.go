package aws

import (
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateSecurityGroup", createSecurityGroup)
	register("DescribeSecurityGroups", describeSecurityGroups)
	register("DeleteSecurityGroup", deleteSecurityGroup)
	register("AuthorizeSecurityGroupIngress", ruleAction(model.Ingress, true))
	register("AuthorizeSecurityGroupEgress", ruleAction(model.Egress, true))
	register("RevokeSecurityGroupIngress", ruleAction(model.Ingress, false))
	register("RevokeSecurityGroupEgress", ruleAction(model.Egress, false))
}

type xmlIPRange struct {
	CIDR        string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type xmlGroupPair struct {
	GroupID     string `xml:"groupId"`
	UserID      string `xml:"userId"`
	Description string `xml:"description,omitempty"`
}

type xmlPermission struct {
	Protocol string         `xml:"ipProtocol"`
	FromPort *int           `xml:"fromPort,omitempty"`
	ToPort   *int           `xml:"toPort,omitempty"`
	Groups   []xmlGroupPair `xml:"groups>item"`
	IPRanges []xmlIPRange   `xml:"ipRanges>item"`
	// PrefixLists are the permission's prefix list peers.
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_PrefixListId.html — prefixListId, description
	PrefixLists []xmlPrefixListID `xml:"prefixListIds>item"`
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Ipv6Range.html — ipv6Ranges: cidrIpv6, description
	IPv6Ranges []xmlIPv6Range `xml:"ipv6Ranges>item"`
}

type xmlPrefixListID struct {
	ID          string `xml:"prefixListId"`
	Description string `xml:"description,omitempty"`
}

type xmlSecurityGroup struct {
	OwnerID     string          `xml:"ownerId"`
	GroupID     string          `xml:"groupId"`
	GroupName   string          `xml:"groupName"`
	Description string          `xml:"groupDescription"`
	VpcID       string          `xml:"vpcId"`
	Arn         string          `xml:"securityGroupArn"`
	Ingress     []xmlPermission `xml:"ipPermissions>item"`
	Egress      []xmlPermission `xml:"ipPermissionsEgress>item"`
	Tags        []xmlTag        `xml:"tagSet>item"`
}

// Security groups are rule sets of model.FlavorSecurityGroup: each EC2
// permission's CIDR range or group pair is one allow rule whose peer is the
// prefix or the group; for ICMP, EC2's FromPort and ToPort are the rule's
// ICMP type and code.

// sgPorts returns a rule's ports as EC2 shows them: the ICMP type and code
// for ICMP.
func sgPorts(r model.Rule) (from, to int) {
	if r.Protocol == "icmp" || r.Protocol == model.ProtoICMPv6 {
		return r.ICMPType, r.ICMPCode
	}
	return r.FromPort, r.ToPort
}

// toXMLPermissions shows each model rule as one EC2 permission.
func toXMLPermissions(account string, rules []model.Rule) []xmlPermission {
	var out []xmlPermission
	for _, r := range rules {
		p := xmlPermission{Protocol: r.Protocol}
		if r.Protocol != "-1" {
			from, to := sgPorts(r)
			p.FromPort, p.ToPort = &from, &to
		}
		switch {
		case r.Peer.RuleSetID != "":
			p.Groups = []xmlGroupPair{{GroupID: r.Peer.RuleSetID, UserID: account, Description: r.Description}}
		case r.Peer.PrefixListID != "":
			p.PrefixLists = []xmlPrefixListID{{ID: r.Peer.PrefixListID, Description: r.Description}}
		case r.Peer.Prefix.Addr().Is6():
			p.IPv6Ranges = []xmlIPv6Range{{CIDR: r.Peer.Prefix.String(), Description: r.Description}}
		default:
			p.IPRanges = []xmlIPRange{{CIDR: r.Peer.Prefix.String(), Description: r.Description}}
		}
		out = append(out, p)
	}
	return out
}

func (h *Handler) toXMLSecurityGroup(g model.RuleSet) xmlSecurityGroup {
	return xmlSecurityGroup{OwnerID: g.Account, GroupID: g.ID, GroupName: g.Name, Description: g.Description, VpcID: g.NetworkID,
		Arn:     "arn:aws:ec2:" + h.regionOf(g.Region) + ":" + g.Account + ":security-group/" + g.ID,
		Ingress: toXMLPermissions(g.Account, g.In()), Egress: toXMLPermissions(g.Account, g.Out()), Tags: tagSet(g.Tags)}
}

func (h *Handler) sgFields(g model.RuleSet) fields {
	return withTags(g.Tags, func(name string) ([]string, bool) {
		switch name {
		case "group-id":
			return one(g.ID), true
		case "group-name":
			return one(g.Name), true
		case "description":
			return one(g.Description), true
		case "vpc-id":
			return one(g.NetworkID), true
		case "owner-id":
			return one(g.Account), true
		}
		return h.permissionField(g, name)
	})
}

type createSGResp struct {
	meta
	GroupID string   `xml:"groupId"`
	Tags    []xmlTag `xml:"tagSet>item"`
}

func createSecurityGroup(h *Handler, c *call) (response, error) {
	name, err := c.form.required("GroupName")
	if err != nil {
		return nil, err
	}
	desc, err := c.form.required("GroupDescription")
	if err != nil {
		return nil, err
	}
	vpc := c.form.str("VpcId")
	if vpc == "" {
		if vpc, err = h.defaultVPC(c); err != nil {
			return nil, err
		}
	}
	tags, err := c.form.tagSpecs("security-group")
	if err != nil {
		return nil, err
	}
	g, err := h.cloud.CreateRuleSet(c.account, model.RuleSetSpec{Flavor: model.FlavorSecurityGroup, NetworkID: vpc, Name: name, Description: desc, Tags: tags})
	if err != nil {
		return nil, err
	}
	return &createSGResp{GroupID: g.ID, Tags: tagSet(g.Tags)}, nil
}

type describeSGsResp struct {
	meta
	Groups    []xmlSecurityGroup `xml:"securityGroupInfo>item"`
	NextToken string             `xml:"nextToken,omitempty"`
}

func describeSecurityGroups(h *Handler, c *call) (response, error) {
	all := regional(h, c, h.cloud.RuleSets(c.account, model.FlavorSecurityGroup), func(g model.RuleSet) string { return g.ID })
	if names := c.form.list("GroupName"); len(names) > 0 {
		want := map[string]bool{}
		for _, n := range names {
			want[n] = true
		}
		var picked []model.RuleSet
		for _, g := range all {
			if want[g.Name] {
				picked = append(picked, g)
				delete(want, g.Name)
			}
		}
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html — an unknown group name is InvalidGroup.NotFound
		for _, n := range names {
			if want[n] {
				return nil, &apiError{Code: "InvalidGroup.NotFound", Message: "The security group '" + clip(n) + "' does not exist", Status: 400}
			}
		}
		all = picked
	}
	page, next, err := selectObjects(c.form, "GroupId", all, func(g model.RuleSet) string { return g.ID }, h.sgFields)
	if err != nil {
		return nil, err
	}
	return &describeSGsResp{Groups: convertAll(page, h.toXMLSecurityGroup), NextToken: next}, nil
}

func deleteSecurityGroup(h *Handler, c *call) (response, error) {
	id, err := c.form.required("GroupId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeleteRuleSet(c.account, model.FlavorSecurityGroup, id); err != nil {
		return nil, err
	}
	return ok()
}

// parseRules reads IpPermissions.N (or the flat CidrIp/IpProtocol/ports form)
// into model allow rules, their direction left to the caller: one per CIDR
// range or group pair.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html — IpPermission shape
func parseRules(f form) ([]model.Rule, error) {
	var out []model.Rule
	ports := func(p string) (int, int, error) {
		from, err := f.intOr(p+"FromPort", -1)
		if err != nil {
			return 0, 0, err
		}
		to, err := f.intOr(p+"ToPort", -1)
		return from, to, err
	}
	add := func(proto string, from, to int, cidr, group, desc string) error {
		r := model.Rule{Action: model.Allow, Protocol: proto, FromPort: from, ToPort: to, ICMPType: -1, ICMPCode: -1,
			Peer: model.Peer{RuleSetID: group}, Description: desc}
		if p, _ := model.NormalizeProtocol(proto); p == "icmp" || p == model.ProtoICMPv6 {
			r.FromPort, r.ToPort, r.ICMPType, r.ICMPCode = -1, -1, from, to
		}
		if group == "" {
			p, err := netip.ParsePrefix(cidr)
			if err != nil {
				return errInvalid("CIDR block %s is malformed", cidr)
			}
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html — CidrIp: AWS canonicalizes IPv4 and IPv6 CIDRs; a rule in the non-canonical form of an existing one is a duplicate
			r.Peer.Prefix = p.Masked()
		}
		out = append(out, r)
		return nil
	}
	if f.has("IpProtocol") {
		from, to, err := ports("")
		if err != nil {
			return nil, err
		}
		if err := add(f.str("IpProtocol"), from, to, f.str("CidrIp"), "", ""); err != nil {
			return nil, err
		}
	}
	for _, i := range f.indices("IpPermissions") {
		p := "IpPermissions." + strconv.Itoa(i) + "."
		proto := f.str(p + "IpProtocol")
		if proto == "" {
			return nil, errMissing(p + "IpProtocol")
		}
		from, to, err := ports(p)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, j := range f.indices(p + "IpRanges") {
			q := p + "IpRanges." + strconv.Itoa(j) + "."
			if err := add(proto, from, to, f.str(q+"CidrIp"), "", f.str(q+"Description")); err != nil {
				return nil, err
			}
			n++
		}
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html — PrefixListIds, each a PrefixListId and a Description
		for _, j := range f.indices(p + "PrefixListIds") {
			q := p + "PrefixListIds." + strconv.Itoa(j) + "."
			id, err := f.required(q + "PrefixListId")
			if err != nil {
				return nil, err
			}
			if err := add(proto, from, to, "0.0.0.0/0", "", f.str(q+"Description")); err != nil {
				return nil, err
			}
			out[len(out)-1].Peer = model.Peer{PrefixListID: id}
			n++
		}
		for _, j := range f.indices(p + "Ipv6Ranges") {
			q := p + "Ipv6Ranges." + strconv.Itoa(j) + "."
			if err := add(proto, from, to, f.str(q+"CidrIpv6"), "", f.str(q+"Description")); err != nil {
				return nil, err
			}
			n++
		}
		for _, j := range f.indices(p + "Groups") {
			q := p + "Groups." + strconv.Itoa(j) + "."
			if err := add(proto, from, to, "", f.str(q+"GroupId"), f.str(q+"Description")); err != nil {
				return nil, err
			}
			n++
		}
		if n == 0 {
			return nil, errInvalid("The request must contain a CIDR range or a source security group for each permission")
		}
	}
	if len(out) == 0 {
		return nil, errMissing("IpPermissions")
	}
	return out, nil
}

type authorizeResp struct {
	meta
	Return bool           `xml:"return"`
	Rules  []xmlGroupRule `xml:"securityGroupRuleSet>item"`
}

func ruleAction(dir model.Direction, authorize bool) action {
	return func(h *Handler, c *call) (response, error) {
		id, err := c.form.required("GroupId")
		if err != nil {
			return nil, err
		}
		if !authorize {
			return h.revokeRules(c, id, dir)
		}
		rules, err := parseRules(c.form)
		if err != nil {
			return nil, err
		}
		for i := range rules {
			rules[i].Direction = dir
		}
		tags, err := c.form.tagSpecs("security-group-rule")
		if err != nil {
			return nil, err
		}
		added, err := h.cloud.AddRules(c.account, model.FlavorSecurityGroup, id, rules)
		if err != nil {
			return nil, err
		}
		r := &authorizeResp{Return: true}
		if r.Rules, err = h.authorizedRules(c, id, added, tags); err != nil {
			return nil, err
		}
		return r, nil
	}
}
