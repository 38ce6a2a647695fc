package aws

import (
	"net/netip"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// ModifyTransitGateway and ModifyTransitGatewayVpcAttachment, and the VPC
// attachment options they and CreateTransitGatewayVpcAttachment set.

func init() {
	register("ModifyTransitGateway", modifyTransitGateway)
	register("ModifyTransitGatewayVpcAttachment", modifyTGWVpcAttachment)
}

// cidrList reads a list of IPv4 or IPv6 CIDR blocks.
func cidrList(f form, prefix string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range f.list(prefix) {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, errInvalid("Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", clip(v), prefix)
		}
		out = append(out, p)
	}
	return out, nil
}

// modifyTransitGateway changes a transit gateway's options.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGateway.html — TransitGatewayId, Description, Options (ModifyTransitGatewayOptions); answers transitGateway
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGatewayOptions.html — AddTransitGatewayCidrBlocks.N, RemoveTransitGatewayCidrBlocks.N, VpnEcmpSupport, DnsSupport, AutoAcceptSharedAttachments, DefaultRouteTableAssociation, AssociationDefaultRouteTableId, DefaultRouteTablePropagation, PropagationDefaultRouteTableId, AmazonSideAsn
func modifyTransitGateway(h *Handler, c *call) (response, error) {
	id, err := c.form.required("TransitGatewayId")
	if err != nil {
		return nil, err
	}
	var ch model.TGWChange
	if c.form.has("Description") {
		d := c.form.str("Description")
		ch.Description = &d
	}
	if ch.AddCIDRs, err = cidrList(c.form, "Options.AddTransitGatewayCidrBlocks"); err != nil {
		return nil, err
	}
	if ch.RemoveCIDRs, err = cidrList(c.form, "Options.RemoveTransitGatewayCidrBlocks"); err != nil {
		return nil, err
	}
	for k, dst := range map[string]**bool{"Options.VpnEcmpSupport": &ch.VPNECMP, "Options.DnsSupport": &ch.DNSSupport,
		"Options.AutoAcceptSharedAttachments": &ch.AutoAccept, "Options.DefaultRouteTableAssociation": &ch.DefaultAssociation,
		"Options.DefaultRouteTablePropagation": &ch.DefaultPropagation} {
		if *dst, err = enableOpt(c.form, k); err != nil {
			return nil, err
		}
	}
	for k, dst := range map[string]**string{"Options.AssociationDefaultRouteTableId": &ch.AssociationTable, "Options.PropagationDefaultRouteTableId": &ch.PropagationTable} {
		if v := c.form.str(k); v != "" {
			*dst = &v
		}
	}
	if c.form.has("Options.AmazonSideAsn") {
		asn, err := c.form.int64Or("Options.AmazonSideAsn", 0)
		if err != nil {
			return nil, err
		}
		ch.ASN = &asn
	}
	g, err := h.cloud.ModifyTransitGateway(c.account, id, ch)
	if err != nil {
		return nil, err
	}
	return &createTGWResp{TGW: h.toXMLTGW(g)}, nil
}

type xmlVPCAttachmentOptions struct {
	DNSSupport           string `xml:"dnsSupport"`
	SGReferencingSupport string `xml:"securityGroupReferencingSupport"`
	IPv6Support          string `xml:"ipv6Support"`
	ApplianceModeSupport string `xml:"applianceModeSupport"`
}

// toXMLVPCAttachmentOptions shows a VPC attachment's options.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayVpcAttachmentOptions.html — dnsSupport, securityGroupReferencingSupport, ipv6Support, applianceModeSupport
func toXMLVPCAttachmentOptions(o model.VPCAttachmentOptions) *xmlVPCAttachmentOptions {
	return &xmlVPCAttachmentOptions{DNSSupport: enable(!o.DNSSupportOff), SGReferencingSupport: enable(!o.SGReferencingOff),
		IPv6Support: enable(o.IPv6Support), ApplianceModeSupport: enable(o.ApplianceMode)}
}

// vpcAttachmentOptions reads Options.* over a VPC attachment's options.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGatewayVpcAttachmentRequestOptions.html — DnsSupport, SecurityGroupReferencingSupport, Ipv6Support, ApplianceModeSupport: enable | disable
func vpcAttachmentOptions(f form, o model.VPCAttachmentOptions) (model.VPCAttachmentOptions, bool, error) {
	changed := false
	for k, dst := range map[string]struct {
		b        *bool
		inverted bool
	}{"Options.DnsSupport": {&o.DNSSupportOff, true}, "Options.SecurityGroupReferencingSupport": {&o.SGReferencingOff, true},
		"Options.Ipv6Support": {&o.IPv6Support, false}, "Options.ApplianceModeSupport": {&o.ApplianceMode, false}} {
		v, err := enableOpt(f, k)
		if err != nil {
			return o, false, err
		}
		if v != nil {
			*dst.b, changed = *v != dst.inverted, true
		}
	}
	return o, changed, nil
}

// modifyTGWVpcAttachment adds and removes an attachment's subnets and sets
// its options.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGatewayVpcAttachment.html — TransitGatewayAttachmentId, AddSubnetIds.N (at most one subnet per Availability Zone), RemoveSubnetIds.N, Options; answers transitGatewayVpcAttachment
func modifyTGWVpcAttachment(h *Handler, c *call) (response, error) {
	id, err := c.form.required("TransitGatewayAttachmentId")
	if err != nil {
		return nil, err
	}
	var cur *model.TransitGatewayAttachment
	for _, a := range h.cloud.TransitGatewayAttachments(c.account) {
		if a.ID == id && a.Kind == model.AttachNetwork {
			cur = &a
		}
	}
	if cur == nil {
		return nil, notFoundError(id)
	}
	ch := model.VPCAttachmentChange{AddSubnets: c.form.list("AddSubnetIds"), RemoveSubnets: c.form.list("RemoveSubnetIds")}
	o, changed, err := vpcAttachmentOptions(c.form, cur.Options)
	if err != nil {
		return nil, err
	}
	if changed {
		ch.Options = &o
	}
	a, err := h.cloud.ModifyTransitGatewayVPCAttachment(c.account, id, ch)
	if err != nil {
		return nil, err
	}
	return &createTGWAttResp{Attachment: toXMLTGWVpcAttachment(a)}, nil
}
