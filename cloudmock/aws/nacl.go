package aws

import (
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateNetworkAcl", createNetworkACL)
	register("DescribeNetworkAcls", describeNetworkACLs)
	register("DeleteNetworkAcl", deleteNetworkACL)
	register("CreateNetworkAclEntry", aclEntryAction(false))
	register("ReplaceNetworkAclEntry", aclEntryAction(true))
	register("DeleteNetworkAclEntry", deleteNetworkACLEntry)
	register("ReplaceNetworkAclAssociation", replaceNetworkACLAssociation)
}

type xmlPortRange struct {
	From int `xml:"from"`
	To   int `xml:"to"`
}

type xmlACLEntry struct {
	RuleNumber int    `xml:"ruleNumber"`
	Protocol   string `xml:"protocol"`
	RuleAction string `xml:"ruleAction"`
	Egress     bool   `xml:"egress"`
	CIDR       string `xml:"cidrBlock,omitempty"`
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkAclEntry.html — ipv6CidrBlock for an IPv6 entry
	CIDRv6    string        `xml:"ipv6CidrBlock,omitempty"`
	PortRange *xmlPortRange `xml:"portRange,omitempty"`
}

type xmlACLAssoc struct {
	ID       string `xml:"networkAclAssociationId"`
	ACLID    string `xml:"networkAclId"`
	SubnetID string `xml:"subnetId"`
}

type xmlACL struct {
	ID           string        `xml:"networkAclId"`
	VpcID        string        `xml:"vpcId"`
	OwnerID      string        `xml:"ownerId"`
	Default      bool          `xml:"default"`
	Entries      []xmlACLEntry `xml:"entrySet>item"`
	Associations []xmlACLAssoc `xml:"associationSet>item"`
	Tags         []xmlTag      `xml:"tagSet>item"`
}

// protoNumbers: EC2 shows NACL protocols as numbers.
var protoNumbers = map[string]string{"tcp": "6", "udp": "17", "icmp": "1"}

// Network ACLs are rule sets of model.FlavorNetworkACL: an entry's rule
// number is the rule's priority, its action the rule's action, and an
// association is a subnet attachment.

func toXMLACL(a model.RuleSet) xmlACL {
	x := xmlACL{ID: a.ID, VpcID: a.NetworkID, OwnerID: a.Account, Default: a.Default, Tags: tagSet(a.Tags)}
	for _, e := range a.Rules {
		p := e.Protocol
		if n, ok := protoNumbers[p]; ok {
			p = n
		}
		xe := xmlACLEntry{RuleNumber: e.Priority, Protocol: p, RuleAction: string(e.Action), Egress: e.Direction == model.Egress, CIDR: e.Peer.Prefix.String()}
		if e.Peer.Prefix.Addr().Is6() {
			xe.CIDR, xe.CIDRv6 = "", e.Peer.Prefix.String()
		}
		if e.FromPort >= 0 {
			xe.PortRange = &xmlPortRange{From: e.FromPort, To: e.ToPort}
		}
		x.Entries = append(x.Entries, xe)
	}
	for _, as := range a.Attachments {
		x.Associations = append(x.Associations, xmlACLAssoc{ID: as.ID, ACLID: a.ID, SubnetID: as.TargetID})
	}
	return x
}

func aclFields(a model.RuleSet) fields {
	return withTags(a.Tags, func(name string) ([]string, bool) {
		switch name {
		case "network-acl-id":
			return one(a.ID), true
		case "vpc-id":
			return one(a.NetworkID), true
		case "owner-id":
			return one(a.Account), true
		case "default":
			return one(strconv.FormatBool(a.Default)), true
		case "association.subnet-id", "association.association-id", "association.network-acl-id":
			var out []string
			for _, as := range a.Attachments {
				switch name {
				case "association.subnet-id":
					out = append(out, as.TargetID)
				case "association.association-id":
					out = append(out, as.ID)
				default:
					out = append(out, a.ID)
				}
			}
			return out, true
		}
		return aclEntryField(a, name)
	})
}

type createACLResp struct {
	meta
	ACL         xmlACL `xml:"networkAcl"`
	ClientToken string `xml:"clientToken,omitempty"`
}

func createNetworkACL(h *Handler, c *call) (response, error) {
	vpc, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("network-acl")
	if err != nil {
		return nil, err
	}
	a, err := h.cloud.CreateRuleSet(c.account, model.RuleSetSpec{Flavor: model.FlavorNetworkACL, NetworkID: vpc, Tags: tags})
	if err != nil {
		return nil, err
	}
	return &createACLResp{ACL: toXMLACL(a), ClientToken: c.form.str("ClientToken")}, nil
}

type describeACLsResp struct {
	meta
	ACLs      []xmlACL `xml:"networkAclSet>item"`
	NextToken string   `xml:"nextToken,omitempty"`
}

func describeNetworkACLs(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "NetworkAclId", regional(h, c, h.cloud.RuleSets(c.account, model.FlavorNetworkACL), func(o model.RuleSet) string { return o.ID }),
		func(a model.RuleSet) string { return a.ID }, aclFields)
	if err != nil {
		return nil, err
	}
	return &describeACLsResp{ACLs: convertAll(page, toXMLACL), NextToken: next}, nil
}

func deleteNetworkACL(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkAclId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeleteRuleSet(c.account, model.FlavorNetworkACL, id); err != nil {
		return nil, err
	}
	return ok()
}

// parseACLEntry reads the parameters of Create/ReplaceNetworkAclEntry into
// a stateless rule.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html — RuleNumber, Protocol, RuleAction, Egress, CidrBlock, PortRange, IcmpTypeCode
func parseACLEntry(f form) (model.Rule, error) {
	e := model.Rule{Direction: model.Ingress, Stateless: true}
	num, err := f.required("RuleNumber")
	if err != nil {
		return e, err
	}
	if e.Priority, err = strconv.Atoi(num); err != nil {
		return e, errInvalid("Value (%s) for parameter ruleNumber is invalid.", num)
	}
	if e.Protocol, err = f.required("Protocol"); err != nil {
		return e, err
	}
	act, err := f.required("RuleAction")
	if err != nil {
		return e, err
	}
	switch act {
	case "allow":
		e.Action = model.Allow
	case "deny":
		e.Action = model.Deny
	default:
		return e, errInvalid("Value (%s) for parameter ruleAction is invalid.", act)
	}
	eg, err := f.boolp("Egress")
	if err != nil {
		return e, err
	}
	if eg != nil && *eg {
		e.Direction = model.Egress
	}
	if e.Peer.Prefix, err = aclEntryCIDR(f); err != nil {
		return e, err
	}
	if e.FromPort, err = f.intOr("PortRange.From", -1); err != nil {
		return e, err
	}
	if e.ToPort, err = f.intOr("PortRange.To", -1); err != nil {
		return e, err
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IcmpTypeCode.html — -1 means all types or all codes
	if e.ICMPType, err = f.intOr("Icmp.Type", -1); err != nil {
		return e, err
	}
	if e.ICMPCode, err = f.intOr("Icmp.Code", -1); err != nil {
		return e, err
	}
	if p, _ := model.NormalizeProtocol(e.Protocol); (p == "tcp" || p == "udp") && (!f.has("PortRange.From") || !f.has("PortRange.To")) {
		return e, errMissing("PortRange")
	}
	return e, nil
}

func aclEntryAction(replace bool) action {
	return func(h *Handler, c *call) (response, error) {
		id, err := c.form.required("NetworkAclId")
		if err != nil {
			return nil, err
		}
		e, err := parseACLEntry(c.form)
		if err != nil {
			return nil, err
		}
		if !replace {
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html — CidrBlock: modified to its canonical form
			e.Peer.Prefix = e.Peer.Prefix.Masked()
		}
		if replace {
			err = h.cloud.ReplaceRule(c.account, model.FlavorNetworkACL, id, e)
		} else {
			_, err = h.cloud.AddRules(c.account, model.FlavorNetworkACL, id, []model.Rule{e})
		}
		if err != nil {
			return nil, err
		}
		return ok()
	}
}

func deleteNetworkACLEntry(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkAclId")
	if err != nil {
		return nil, err
	}
	num, err := c.form.intOr("RuleNumber", 0)
	if err != nil {
		return nil, err
	}
	eg, err := c.form.boolp("Egress")
	if err != nil {
		return nil, err
	}
	dir := model.Ingress
	if eg != nil && *eg {
		dir = model.Egress
	}
	if err := h.cloud.DeleteRule(c.account, model.FlavorNetworkACL, id, dir, num); err != nil {
		return nil, err
	}
	return ok()
}

type replaceACLAssocResp struct {
	meta
	NewAssociationID string `xml:"newAssociationId"`
}

func replaceNetworkACLAssociation(h *Handler, c *call) (response, error) {
	assoc, err := c.form.required("AssociationId")
	if err != nil {
		return nil, err
	}
	acl, err := c.form.required("NetworkAclId")
	if err != nil {
		return nil, err
	}
	n, err := h.cloud.ReplaceRuleSetAttachment(c.account, model.FlavorNetworkACL, assoc, acl)
	if err != nil {
		return nil, err
	}
	return &replaceACLAssocResp{NewAssociationID: n}, nil
}
