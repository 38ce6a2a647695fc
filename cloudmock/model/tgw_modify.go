package model

import (
	"net/netip"
	"slices"
)

// The options of transit gateways and VPC attachments that their Modify
// calls change. Each zero value is AWS's default, so that snapshots made
// before these options read back unchanged.

// TGWSettings are a transit gateway's options beside its creation ones.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayOptions.html — dnsSupport and vpnEcmpSupport enable, autoAcceptSharedAttachments disable by default; transitGatewayCidrBlocks
type TGWSettings struct {
	CIDRBlocks    []netip.Prefix `json:",omitempty"`
	DNSSupportOff bool           `json:",omitempty"`
	VPNECMPOff    bool           `json:",omitempty"`
	AutoAccept    bool           `json:",omitempty"`
	// PropagationRouteTableID is the default propagation route table where
	// it is not DefaultRouteTableID (the default association table).
	PropagationRouteTableID string `json:",omitempty"`
}

// PropagationTable returns the gateway's default propagation route table.
func (g TransitGateway) PropagationTable() string {
	if g.PropagationRouteTableID != "" {
		return g.PropagationRouteTableID
	}
	return g.DefaultRouteTableID
}

// VPCAttachmentOptions are a VPC attachment's options.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachmentRequestOptions.html — DnsSupport enable, Ipv6Support disable, ApplianceModeSupport disable, SecurityGroupReferencingSupport enable by default
type VPCAttachmentOptions struct {
	DNSSupportOff    bool `json:",omitempty"`
	IPv6Support      bool `json:",omitempty"`
	ApplianceMode    bool `json:",omitempty"`
	SGReferencingOff bool `json:",omitempty"`
}

// TGWChange is what ModifyTransitGateway changes; nil pointers and empty
// lists leave a setting as it is.
type TGWChange struct {
	Description           *string
	AddCIDRs, RemoveCIDRs []netip.Prefix
	DNSSupport, VPNECMP   *bool
	AutoAccept            *bool
	DefaultAssociation    *bool
	AssociationTable      *string
	DefaultPropagation    *bool
	PropagationTable      *string
	ASN                   *int64
}

// checkTGWCIDR checks a transit gateway CIDR block: IPv4 /24 or larger,
// IPv6 /64 or larger, without host bits.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGatewayOptions.html — must be a size /24 CIDR block or larger for IPv4, or a size /64 CIDR block or larger for IPv6
func checkTGWCIDR(p netip.Prefix) error {
	if err := checkRoutePrefix(KindTransitGateway, p); err != nil {
		return err
	}
	if (p.Addr().Is4() && p.Bits() > 24) || (p.Addr().Is6() && p.Bits() > 64) {
		return errf(CodeInvalidParameter, KindTransitGateway, p.String(), "transit gateway CIDR block %s is smaller than /24 (IPv4) or /64 (IPv6)", p)
	}
	return nil
}

// checkRoutePrefix checks a route destination: an IPv4 or IPv6 prefix
// without host bits.
func checkRoutePrefix(kind Kind, p netip.Prefix) error {
	if p.IsValid() && p.Addr().Is6() {
		if p.Masked() != p {
			return errf(CodeInvalidParameter, kind, p.String(), "value (%s) is not a valid CIDR block: host bits are set", p)
		}
		return nil
	}
	return checkIPv4Prefix(kind, p)
}

// ModifyTransitGateway changes a transit gateway's options; they apply to
// attachments made afterwards. The Amazon side ASN cannot change while a
// VPN is attached.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGateway.html — the modified options are applied to new transit gateway attachments only
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGatewayOptions.html — the modify ASN operation is not allowed on a transit gateway with VPN attachments
func (c *Cloud) ModifyTransitGateway(account, id string, ch TGWChange) (TransitGateway, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.tgwLocked(account, id)
	if err != nil {
		return TransitGateway{}, err
	}
	n := *g
	n.CIDRBlocks = slices.Clone(g.CIDRBlocks)
	if err := c.applyTGWChangeLocked(&n, ch); err != nil {
		return TransitGateway{}, err
	}
	*g = n
	c.emitLocked(KindTransitGateway, OpUpdate, id, account)
	return g.copy(c), nil
}

// applyTGWChangeLocked applies a change to a copy of a gateway, checking it.
func (c *Cloud) applyTGWChangeLocked(g *TransitGateway, ch TGWChange) error {
	if ch.ASN != nil && *ch.ASN != g.ASN {
		if (*ch.ASN < 64512 || *ch.ASN > 65534) && (*ch.ASN < 4200000000 || *ch.ASN > 4294967294) {
			return errf(CodeInvalidParameter, KindTransitGateway, g.ID, "amazon-side ASN %d is not a private ASN", *ch.ASN)
		}
		for _, a := range c.tgwAtts {
			if a.TransitGatewayID == g.ID && a.Kind == AttachVPN {
				return errf(CodeIncorrectState, KindTransitGateway, g.ID, "the Amazon side ASN of transit gateway %s cannot be modified while VPN attachment %s exists", g.ID, a.ID)
			}
		}
		g.ASN = *ch.ASN
	}
	for _, p := range ch.AddCIDRs {
		if err := checkTGWCIDR(p); err != nil {
			return err
		}
		if !slices.Contains(g.CIDRBlocks, p) {
			g.CIDRBlocks = append(g.CIDRBlocks, p)
		}
	}
	for _, p := range ch.RemoveCIDRs {
		i := slices.Index(g.CIDRBlocks, p)
		if i < 0 {
			return errf(CodeInvalidParameter, KindTransitGateway, p.String(), "transit gateway %s has no CIDR block %s", g.ID, p)
		}
		g.CIDRBlocks = slices.Delete(g.CIDRBlocks, i, i+1)
	}
	set := func(dst *bool, v *bool, inverted bool) {
		if v != nil {
			*dst = *v != inverted
		}
	}
	set(&g.DNSSupportOff, ch.DNSSupport, true)
	set(&g.VPNECMPOff, ch.VPNECMP, true)
	set(&g.AutoAccept, ch.AutoAccept, false)
	if ch.Description != nil {
		g.Description = *ch.Description
	}
	return c.applyTGWDefaultsLocked(g, ch)
}

// applyTGWDefaultsLocked changes a gateway's default association and
// propagation and their route tables, which must be the gateway's.
func (c *Cloud) applyTGWDefaultsLocked(g *TransitGateway, ch TGWChange) error {
	table := func(id string) error {
		rt, ok := c.tgwRTs[id]
		if !ok || rt.Account != g.Account {
			return notFound(KindTransitGatewayRouteTable, id)
		}
		if rt.TransitGatewayID != g.ID {
			return errf(CodeInvalidParameter, KindTransitGatewayRouteTable, id, "transit gateway route table %s does not belong to %s", id, g.ID)
		}
		return nil
	}
	prop := g.PropagationTable()
	if ch.AssociationTable != nil {
		if err := table(*ch.AssociationTable); err != nil {
			return err
		}
		g.DefaultRouteTableID = *ch.AssociationTable
	}
	if ch.PropagationTable != nil {
		if err := table(*ch.PropagationTable); err != nil {
			return err
		}
		prop = *ch.PropagationTable
	}
	if ch.DefaultAssociation != nil {
		g.DefaultAssociation = *ch.DefaultAssociation
	}
	if ch.DefaultPropagation != nil {
		g.DefaultPropagation = *ch.DefaultPropagation
	}
	if g.DefaultRouteTableID == "" {
		g.DefaultRouteTableID = prop
	}
	if (g.DefaultAssociation && g.DefaultRouteTableID == "") || (g.DefaultPropagation && prop == "") {
		return errf(CodeInvalidParameter, KindTransitGateway, g.ID, "enabling a default route table needs its route table ID")
	}
	g.PropagationRouteTableID = ""
	if prop != g.DefaultRouteTableID {
		g.PropagationRouteTableID = prop
	}
	return nil
}

// checkAttachmentSubnetsLocked checks a VPC attachment's subnets: the
// network's, at most one per Availability Zone.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html — you can select one subnet per Availability Zone
func (c *Cloud) checkAttachmentSubnetsLocked(account, networkID string, subnetIDs []string) error {
	zones := map[string]bool{}
	for _, id := range subnetIDs {
		s, err := c.subnetLocked(account, id)
		if err != nil {
			return err
		}
		if s.NetworkID != networkID {
			return errf(CodeInvalidParameter, KindSubnet, id, "subnet %s is not in network %s", id, networkID)
		}
		if zones[s.Zone] {
			return errf(CodeDuplicate, KindTransitGatewayAttachment, id, "more than one subnet in zone %s", s.Zone)
		}
		zones[s.Zone] = true
	}
	return nil
}

// VPCAttachmentChange is what ModifyTransitGatewayVpcAttachment changes.
type VPCAttachmentChange struct {
	AddSubnets, RemoveSubnets []string
	Options                   *VPCAttachmentOptions // nil: the options stay
}

// ModifyTransitGatewayVPCAttachment adds and removes subnets of a VPC
// attachment (still at most one per zone, at least one left) and sets its
// options.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyTransitGatewayVpcAttachment.html — AddSubnetIds: at most one subnet per Availability Zone; RemoveSubnetIds; Options
func (c *Cloud) ModifyTransitGatewayVPCAttachment(account, id string, ch VPCAttachmentChange) (TransitGatewayAttachment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.tgwAtts[id]
	if !ok || a.Account != account || a.Kind != AttachNetwork {
		return TransitGatewayAttachment{}, notFound(KindTransitGatewayAttachment, id)
	}
	subnets := slices.Clone(a.SubnetIDs)
	for _, s := range ch.RemoveSubnets {
		i := slices.Index(subnets, s)
		if i < 0 {
			return TransitGatewayAttachment{}, errf(CodeInvalidParameter, KindSubnet, s, "subnet %s is not part of attachment %s", s, id)
		}
		subnets = slices.Delete(subnets, i, i+1)
	}
	for _, s := range ch.AddSubnets {
		if slices.Contains(subnets, s) {
			return TransitGatewayAttachment{}, errf(CodeDuplicate, KindTransitGatewayAttachment, s, "subnet %s is already part of attachment %s", s, id)
		}
		subnets = append(subnets, s)
	}
	if len(subnets) == 0 {
		return TransitGatewayAttachment{}, errf(CodeInvalidParameter, KindTransitGatewayAttachment, id, "attachment %s needs at least one subnet", id)
	}
	if err := c.checkAttachmentSubnetsLocked(account, a.NetworkID, subnets); err != nil {
		return TransitGatewayAttachment{}, err
	}
	a.SubnetIDs = subnets
	if ch.Options != nil {
		a.Options = *ch.Options
	}
	c.emitLocked(KindTransitGatewayAttachment, OpUpdate, id, account)
	for _, rt := range c.tgwRTs {
		if slices.Contains(rt.Propagations, id) {
			c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, rt.Account)
		}
	}
	return a.copy(c), nil
}
