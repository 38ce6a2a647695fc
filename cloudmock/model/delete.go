package model

import (
	"net/netip"
	"slices"
)

// DeletePeering deletes a peering connection; either side may. Routes to it
// become blackholes.
// AWS: https://docs.aws.amazon.com/vpc/latest/peering/delete-vpc-peering-connection.html — either owner can delete a peering connection
func (c *Cloud) DeletePeering(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.peerings[id]
	if !ok || (p.RequesterAccount != account && p.AccepterAccount != account) || p.State == PeeringDeleted {
		return notFound(KindPeering, id)
	}
	p.State = PeeringDeleted
	c.emitLocked(KindPeering, OpUpdate, id, p.RequesterAccount)
	return nil
}

// ReleaseAddress releases an elastic IP that nothing uses.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-eips.html — disassociate an Elastic IP before releasing it
func (c *Cloud) ReleaseAddress(account, allocationID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, err := c.eipLocked(account, allocationID)
	if err != nil {
		return err
	}
	if e.Associate != "" {
		return errf(CodeDependency, KindElasticIP, allocationID, "address %s is in use by %s", e.PublicIP, e.Associate)
	}
	delete(c.eips, allocationID)
	c.forgetLocked(KindElasticIP, allocationID, account)
	return nil
}

// removeAttachmentLocked deletes an attachment with its associations,
// propagations and the static routes that pointed at it.
func (c *Cloud) removeAttachmentLocked(a *TransitGatewayAttachment) {
	for _, rt := range c.tgwRTs {
		n := len(rt.Associations) + len(rt.Propagations) + len(rt.Static)
		rt.Associations = slices.DeleteFunc(rt.Associations, func(id string) bool { return id == a.ID })
		rt.Propagations = slices.DeleteFunc(rt.Propagations, func(id string) bool { return id == a.ID })
		rt.Static = slices.DeleteFunc(rt.Static, func(r TransitGatewayRoute) bool { return r.AttachmentID == a.ID })
		if n != len(rt.Associations)+len(rt.Propagations)+len(rt.Static) {
			c.emitLocked(KindTransitGatewayRouteTable, OpUpdate, rt.ID, rt.Account)
		}
	}
	delete(c.tgwAtts, a.ID)
	c.forgetLocked(KindTransitGatewayAttachment, a.ID, a.Account)
}

// DeleteTransitGatewayVPCAttachment detaches a network from its transit gateway.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html#delete-vpc-attachment — deleting a VPC attachment
func (c *Cloud) DeleteTransitGatewayVPCAttachment(account, attID string) (TransitGatewayAttachment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.tgwAtts[attID]
	if !ok || a.Account != account || a.Kind != AttachNetwork {
		return TransitGatewayAttachment{}, notFound(KindTransitGatewayAttachment, attID)
	}
	out := a.copy(c)
	out.State = StateDeleted
	c.removeAttachmentLocked(a)
	return out, nil
}

// DeleteTransitGatewayRouteTable deletes a table with no associations.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html#delete-tgw-route-table — disassociate attachments first
func (c *Cloud) DeleteTransitGatewayRouteTable(account, rtID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, err := c.tgwRTLocked(account, rtID)
	if err != nil {
		return err
	}
	if len(rt.Associations) > 0 {
		return errf(CodeDependency, KindTransitGatewayRouteTable, rtID, "transit gateway route table %s still has associations", rtID)
	}
	if g := c.tgws[rt.TransitGatewayID]; g != nil && g.DefaultRouteTableID == rtID {
		g.DefaultRouteTableID = ""
		g.DefaultAssociation, g.DefaultPropagation = false, false
		c.emitLocked(KindTransitGateway, OpUpdate, g.ID, account)
	}
	delete(c.tgwRTs, rtID)
	c.forgetLocked(KindTransitGatewayRouteTable, rtID, account)
	return nil
}

// DeleteTransitGateway deletes a gateway with no attachments and its route tables.
// AWS: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-transit-gateways.html#delete-tgw — delete attachments first
func (c *Cloud) DeleteTransitGateway(account, id string) (TransitGateway, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.tgwLocked(account, id)
	if err != nil {
		return TransitGateway{}, err
	}
	for _, a := range c.tgwAtts {
		if a.on(id) && a.State != StateRejected {
			return TransitGateway{}, errf(CodeDependency, KindTransitGateway, id, "transit gateway %s has attachment %s", id, a.ID)
		}
	}
	for _, rt := range c.tgwRTs {
		if rt.TransitGatewayID == id {
			delete(c.tgwRTs, rt.ID)
			c.forgetLocked(KindTransitGatewayRouteTable, rt.ID, account)
		}
	}
	out := g.copy(c)
	out.State = StateDeleted
	delete(c.tgws, id)
	c.forgetLocked(KindTransitGateway, id, account)
	return out, nil
}

// DeleteVPNConnection deletes a VPN and its transit gateway attachment.
func (c *Cloud) DeleteVPNConnection(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.vpnLocked(account, id)
	if err != nil {
		return err
	}
	c.touchPropagatingTablesLocked(v)
	if a, ok := c.tgwAtts[v.AttachmentID]; ok {
		c.removeAttachmentLocked(a)
	}
	delete(c.vpns, id)
	c.forgetLocked(KindVPNConnection, id, account)
	return nil
}

// DeleteVPNStaticRoute removes a static route from a VPN.
func (c *Cloud) DeleteVPNStaticRoute(account, vpnID string, p netip.Prefix) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.vpnLocked(account, vpnID)
	if err != nil {
		return err
	}
	i := slices.Index(v.Routes, p)
	if i < 0 || !v.StaticRoutesOnly {
		return errf(CodeNotFound, KindVPNRoute, p.String(), "no static route %s on VPN connection %s", p, vpnID)
	}
	v.Routes = slices.Delete(v.Routes, i, i+1)
	c.emitLocked(KindVPNConnection, OpUpdate, vpnID, account)
	c.touchPropagatingTablesLocked(v)
	return nil
}

// DeleteVPNGateway deletes a detached VPN gateway that no VPN uses.
// AWS: https://docs.aws.amazon.com/vpn/latest/s2svpn/delete-vpn.html — delete VPN connections and detach before deleting the gateway
func (c *Cloud) DeleteVPNGateway(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.vgwLocked(account, id)
	if err != nil {
		return err
	}
	if g.NetworkID != "" {
		return errf(CodeDependency, KindVPNGateway, id, "VPN gateway %s is attached to %s", id, g.NetworkID)
	}
	for _, v := range c.vpns {
		if v.VPNGatewayID == id {
			return errf(CodeDependency, KindVPNGateway, id, "VPN gateway %s is used by %s", id, v.ID)
		}
	}
	// A gateway that virtual interfaces land on stays: deleting it would
	// leave them unable to send traffic.
	// AWS: https://docs.aws.amazon.com/directconnect/latest/APIReference/API_VirtualGateway.html — deleted: the private virtual interface is unable to send traffic over this gateway
	for _, v := range c.vifs {
		if v.VPNGatewayID == id {
			return errf(CodeDependency, KindVPNGateway, id, "VPN gateway %s is used by virtual interface %s", id, v.ID)
		}
	}
	delete(c.vgws, id)
	c.forgetLocked(KindVPNGateway, id, account)
	return nil
}

// DeleteCustomerGateway deletes a customer gateway that no VPN uses.
func (c *Cloud) DeleteCustomerGateway(account, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.cgwLocked(account, id); err != nil {
		return err
	}
	for _, v := range c.vpns {
		if v.CustomerGatewayID == id {
			return errf(CodeDependency, KindCustomerGateway, id, "customer gateway %s is used by %s", id, v.ID)
		}
	}
	delete(c.cgws, id)
	c.forgetLocked(KindCustomerGateway, id, account)
	return nil
}
