package aws

import (
	"net/http"
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Security group rules by their IDs: DescribeSecurityGroupRules,
// ModifySecurityGroupRules, rule descriptions, and the rules that
// AuthorizeSecurityGroup* answers with their tags.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html — security group rule IDs

func init() {
	register("DescribeSecurityGroupRules", describeSecurityGroupRules)
	register("ModifySecurityGroupRules", modifySecurityGroupRules)
	register("UpdateSecurityGroupRuleDescriptionsIngress", updateRuleDescriptions(model.Ingress))
	register("UpdateSecurityGroupRuleDescriptionsEgress", updateRuleDescriptions(model.Egress))
}

// sgRuleError maps the model's errors about security group rules.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidSecurityGroupRuleId.NotFound, InvalidPermission.NotFound, InvalidPermission.Duplicate
func sgRuleError(me *model.Error) (*apiError, bool) {
	switch {
	case me.Code == model.CodeNotFound && me.Kind == model.KindSecurityRule:
		return &apiError{Code: "InvalidSecurityGroupRuleId.NotFound", Status: http.StatusBadRequest,
			Message: "The security group rule ID '" + me.ID + "' does not exist"}, true
	case me.Code == model.CodeNotFound && me.Kind == model.KindRule:
		return &apiError{Code: "InvalidPermission.NotFound", Status: http.StatusBadRequest,
			Message: "The specified rule does not exist in this security group."}, true
	}
	return nil, false
}

type xmlReferencedGroup struct {
	GroupID string `xml:"groupId"`
	UserID  string `xml:"userId"`
}

type xmlGroupRule struct {
	ID           string              `xml:"securityGroupRuleId"`
	GroupID      string              `xml:"groupId"`
	OwnerID      string              `xml:"groupOwnerId"`
	IsEgress     bool                `xml:"isEgress"`
	Protocol     string              `xml:"ipProtocol"`
	FromPort     int                 `xml:"fromPort"`
	ToPort       int                 `xml:"toPort"`
	CIDRv4       string              `xml:"cidrIpv4,omitempty"`
	CIDRv6       string              `xml:"cidrIpv6,omitempty"`
	PrefixListID string              `xml:"prefixListId,omitempty"`
	Referenced   *xmlReferencedGroup `xml:"referencedGroupInfo,omitempty"`
	Description  string              `xml:"description,omitempty"`
	Tags         []xmlTag            `xml:"tagSet>item"`
	Arn          string              `xml:"securityGroupRuleArn"`
}

// toXMLGroupRule is a rule as SecurityGroupRule shows it: ports -1 for
// all, the ICMP type and code as ports.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRule.html — securityGroupRuleId, groupId, isEgress, ipProtocol, fromPort, toPort, cidrIpv4, cidrIpv6, prefixListId, referencedGroupInfo, description, tagSet, securityGroupRuleArn
func (h *Handler) toXMLGroupRule(r model.GroupRule) xmlGroupRule {
	from, to := sgPorts(r.Rule)
	x := xmlGroupRule{ID: r.ID, GroupID: r.GroupID, OwnerID: r.Account, IsEgress: r.Direction == model.Egress, Protocol: r.Protocol,
		FromPort: from, ToPort: to, PrefixListID: r.Peer.PrefixListID, Description: r.Description, Tags: tagSet(r.Tags),
		Arn: "arn:aws:ec2:" + h.regionOf(r.Region) + ":" + r.Account + ":security-group-rule/" + r.ID}
	switch {
	case r.Peer.RuleSetID != "":
		x.Referenced = &xmlReferencedGroup{GroupID: r.Peer.RuleSetID, UserID: r.Account}
	case r.Peer.Prefix.IsValid() && r.Peer.Prefix.Addr().Is6():
		x.CIDRv6 = r.Peer.Prefix.String()
	case r.Peer.Prefix.IsValid():
		x.CIDRv4 = r.Peer.Prefix.String()
	}
	return x
}

// groupRuleFields are DescribeSecurityGroupRules' filters.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html — group-id, security-group-rule-id, tag:<key>
func groupRuleFields(r model.GroupRule) fields {
	return withTags(r.Tags, func(name string) ([]string, bool) {
		switch name {
		case "group-id":
			return one(r.GroupID), true
		case "security-group-rule-id":
			return one(r.ID), true
		}
		return nil, false
	})
}

type describeSGRulesResp struct {
	meta
	Rules     []xmlGroupRule `xml:"securityGroupRuleSet>item"`
	NextToken string         `xml:"nextToken,omitempty"`
}

// describeSecurityGroupRules lists the rules of the account's groups in
// the call's region.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html — SecurityGroupRuleId.N, Filter.N, MaxResults, NextToken
func describeSecurityGroupRules(h *Handler, c *call) (response, error) {
	all := regional(h, c, h.cloud.SecurityGroupRules(c.account), func(r model.GroupRule) string { return r.GroupID })
	page, next, err := selectObjects(c.form, "SecurityGroupRuleId", all, func(r model.GroupRule) string { return r.ID }, groupRuleFields)
	if err != nil {
		return nil, err
	}
	return &describeSGRulesResp{Rules: convertAll(page, h.toXMLGroupRule), NextToken: next}, nil
}

// ruleRequest parses a SecurityGroupRuleRequest: one peer (CidrIpv4,
// CidrIpv6, PrefixListId or ReferencedGroupId), the protocol and ports.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRuleRequest.html — IpProtocol, FromPort, ToPort, CidrIpv4, CidrIpv6, PrefixListId, ReferencedGroupId, Description
func ruleRequest(f form, p string) (model.Rule, error) {
	proto, err := f.required(p + "IpProtocol")
	if err != nil {
		return model.Rule{}, err
	}
	from, err := f.intOr(p+"FromPort", -1)
	if err != nil {
		return model.Rule{}, err
	}
	to, err := f.intOr(p+"ToPort", -1)
	if err != nil {
		return model.Rule{}, err
	}
	r := model.Rule{Action: model.Allow, Protocol: proto, FromPort: from, ToPort: to, ICMPType: -1, ICMPCode: -1, Description: f.str(p + "Description")}
	if n, _ := model.NormalizeProtocol(proto); n == "icmp" {
		r.FromPort, r.ToPort, r.ICMPType, r.ICMPCode = -1, -1, from, to
	}
	peers := 0
	for _, k := range []string{"CidrIpv4", "CidrIpv6"} {
		if v := f.str(p + k); v != "" {
			pfx, err := netip.ParsePrefix(v)
			if err != nil {
				return model.Rule{}, errInvalid("CIDR block %s is malformed", v)
			}
			r.Peer.Prefix = pfx.Masked()
			peers++
		}
	}
	if v := f.str(p + "PrefixListId"); v != "" {
		r.Peer.PrefixListID = v
		peers++
	}
	if v := f.str(p + "ReferencedGroupId"); v != "" {
		r.Peer.RuleSetID = v
		peers++
	}
	if peers != 1 {
		return model.Rule{}, &apiError{Code: "InvalidParameterCombination", Status: http.StatusBadRequest,
			Message: "Exactly one of CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupId must be specified."}
	}
	return r, nil
}

// modifySecurityGroupRules replaces rules of a group, named by ID, all or
// none.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifySecurityGroupRules.html — GroupId, SecurityGroupRule.N (SecurityGroupRuleId, SecurityGroupRule)
func modifySecurityGroupRules(h *Handler, c *call) (response, error) {
	group, err := c.form.required("GroupId")
	if err != nil {
		return nil, err
	}
	var rules []model.Rule
	for _, i := range c.form.indices("SecurityGroupRule") {
		p := "SecurityGroupRule." + strconv.Itoa(i) + "."
		id, err := c.form.required(p + "SecurityGroupRuleId")
		if err != nil {
			return nil, err
		}
		r, err := ruleRequest(c.form, p+"SecurityGroupRule.")
		if err != nil {
			return nil, err
		}
		r.ID = id
		rules = append(rules, r)
	}
	if len(rules) == 0 {
		return nil, errMissing("SecurityGroupRule")
	}
	if err := h.cloud.ModifySecurityGroupRule(c.account, group, rules); err != nil {
		return nil, err
	}
	return ok()
}

// updateRuleDescriptions sets rule descriptions of one direction, by
// rule ID or by the permissions the rules match.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UpdateSecurityGroupRuleDescriptionsIngress.html — GroupId or GroupName, IpPermissions.N or SecurityGroupRuleDescription.N
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UpdateSecurityGroupRuleDescriptionsEgress.html — the same for outbound rules
func updateRuleDescriptions(dir model.Direction) action {
	return func(h *Handler, c *call) (response, error) {
		group, err := h.groupFromIDOrName(c)
		if err != nil {
			return nil, err
		}
		byID := map[string]string{}
		for _, i := range c.form.indices("SecurityGroupRuleDescription") {
			p := "SecurityGroupRuleDescription." + strconv.Itoa(i) + "."
			id, err := c.form.required(p + "SecurityGroupRuleId")
			if err != nil {
				return nil, err
			}
			byID[id] = c.form.str(p + "Description")
		}
		var byMatch []model.Rule
		if len(c.form.indices("IpPermissions")) > 0 {
			if byMatch, err = parseRules(c.form); err != nil {
				return nil, err
			}
		}
		if len(byID) == 0 && len(byMatch) == 0 {
			return nil, errMissing("IpPermissions")
		}
		if err := h.cloud.SetSecurityGroupRuleDescriptions(c.account, group, dir, byID, byMatch); err != nil {
			return nil, err
		}
		return ok()
	}
}

// groupFromIDOrName returns the group a request names by GroupId or, in
// the call's region, by GroupName.
func (h *Handler) groupFromIDOrName(c *call) (string, error) {
	if id := c.form.str("GroupId"); id != "" {
		return id, nil
	}
	name := c.form.str("GroupName")
	if name == "" {
		return "", errMissing("GroupId")
	}
	for _, g := range regional(h, c, h.cloud.RuleSets(c.account, model.FlavorSecurityGroup), func(g model.RuleSet) string { return g.ID }) {
		if g.Name == name {
			return g.ID, nil
		}
	}
	return "", &apiError{Code: "InvalidGroup.NotFound", Status: http.StatusBadRequest,
		Message: "The security group '" + clip(name) + "' does not exist"}
}

// authorizedRules answers AuthorizeSecurityGroup*: the rules added, with
// the tags the request's TagSpecification.N (security-group-rule) gave
// them.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html — TagSpecification.N for the new rules; securityGroupRuleSet
func (h *Handler) authorizedRules(c *call, group string, added []model.Rule, tags map[string]string) ([]xmlGroupRule, error) {
	var ids []string
	for _, a := range added {
		ids = append(ids, a.ID)
	}
	if len(tags) > 0 && len(ids) > 0 {
		if err := h.cloud.SetTags(c.account, ids, tags); err != nil {
			return nil, err
		}
	}
	var out []xmlGroupRule
	for _, r := range h.cloud.SecurityGroupRules(c.account) {
		for _, id := range ids {
			if r.ID == id && r.GroupID == group {
				out = append(out, h.toXMLGroupRule(r))
			}
		}
	}
	return out, nil
}

// xmlRevokedRule is a RevokedSecurityGroupRule.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokedSecurityGroupRule.html — securityGroupRuleId, groupId, isEgress, ipProtocol, fromPort, toPort, cidrIpv4, cidrIpv6, prefixListId, referencedGroupId, description
type xmlRevokedRule struct {
	ID           string `xml:"securityGroupRuleId"`
	GroupID      string `xml:"groupId"`
	IsEgress     bool   `xml:"isEgress"`
	Protocol     string `xml:"ipProtocol"`
	FromPort     int    `xml:"fromPort"`
	ToPort       int    `xml:"toPort"`
	CIDRv4       string `xml:"cidrIpv4,omitempty"`
	CIDRv6       string `xml:"cidrIpv6,omitempty"`
	PrefixListID string `xml:"prefixListId,omitempty"`
	Referenced   string `xml:"referencedGroupId,omitempty"`
	Description  string `xml:"description,omitempty"`
}

func (h *Handler) toXMLRevokedRule(group string, r model.Rule) xmlRevokedRule {
	x := h.toXMLGroupRule(model.GroupRule{Rule: r, GroupID: group})
	out := xmlRevokedRule{ID: x.ID, GroupID: group, IsEgress: x.IsEgress, Protocol: x.Protocol, FromPort: x.FromPort, ToPort: x.ToPort,
		CIDRv4: x.CIDRv4, CIDRv6: x.CIDRv6, PrefixListID: x.PrefixListID, Description: x.Description}
	if x.Referenced != nil {
		out.Referenced = x.Referenced.GroupID
	}
	return out
}

type revokeResp struct {
	meta
	Return  bool             `xml:"return"`
	Unknown []xmlPermission  `xml:"unknownIpPermissionSet>item"`
	Revoked []xmlRevokedRule `xml:"revokedSecurityGroupRuleSet>item"`
}

// revokeRules answers RevokeSecurityGroupIngress/Egress: rules named by
// SecurityGroupRuleId.N, by IpPermissions.N (or the flat form), or both;
// it answers the rules it revoked and, in a default VPC, the permissions
// that matched none.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html — SecurityGroupRuleId.N; for a default VPC, values that match no rule are no error and the output describes them (unknownIpPermissionSet); for a non-default VPC, InvalidPermission.NotFound and no rule is revoked; answers return and revokedSecurityGroupRuleSet
func (h *Handler) revokeRules(c *call, group string, dir model.Direction) (response, error) {
	rm := model.RuleRemoval{Direction: dir, IDs: c.form.list("SecurityGroupRuleId")}
	if len(rm.IDs) == 0 || c.form.has("IpProtocol") || len(c.form.indices("IpPermissions")) > 0 {
		rules, err := parseRules(c.form)
		if err != nil {
			return nil, err
		}
		for i := range rules {
			rules[i].Direction = dir
		}
		rm.Rules = rules
	}
	g, err := h.cloud.RuleSet(c.account, model.FlavorSecurityGroup, group)
	if err != nil {
		return nil, err
	}
	n, err := h.cloud.Network(c.account, g.NetworkID)
	rm.Strict = err != nil || !n.Default
	removed, unknown, err := h.cloud.RemoveRules(c.account, model.FlavorSecurityGroup, group, rm)
	if err != nil {
		return nil, err
	}
	return &revokeResp{Return: true, Unknown: toXMLPermissions(c.account, unknown), Revoked: convertAll(removed, func(r model.Rule) xmlRevokedRule {
		return h.toXMLRevokedRule(group, r)
	})}, nil
}
