package model

import (
	"net/netip"
	"slices"
)

// Options of VPN gateways and customer gateways that a provider sets on
// the gateway resources themselves (Azure's virtual network gateways and
// local network gateways).
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/about-gateway-skus — SKUs; https://learn.microsoft.com/en-us/azure/vpn-gateway/about-active-active-gateways — active-active

// GatewayOptions are a VPN gateway's own settings.
type GatewayOptions struct {
	SKU          string   `json:",omitempty"` // the provider's size class (Azure: VpnGw1, VpnGw2AZ, ...)
	ActiveActive bool     `json:",omitempty"` // two instances, each with its public address
	BGP          bool     `json:",omitempty"` // speaks BGP to its connections
	Addresses    []string `json:",omitempty"` // the elastic IPs it uses, one per instance
}

// SetGatewayOptions replaces a VPN gateway's options: its elastic IPs must
// be of its region and used by nothing else; those it no longer names are
// freed.
func (c *Cloud) SetGatewayOptions(account, id string, o GatewayOptions) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.vgwLocked(account, id)
	if err != nil {
		return err
	}
	for i, aid := range o.Addresses {
		e, err := c.eipLocked(account, aid)
		if err != nil {
			return err
		}
		if e.Associate != "" && e.Associate != id {
			return errf(CodeAlreadyAssociated, KindElasticIP, aid, "elastic IP %s is already associated with %s", aid, e.Associate)
		}
		if e.Region != g.Region || slices.Contains(o.Addresses[:i], aid) {
			return errf(CodeInvalidParameter, KindElasticIP, aid, "elastic IP %s cannot serve VPN gateway %s", aid, id)
		}
	}
	for _, e := range c.eips {
		if e.Associate == id && !slices.Contains(o.Addresses, e.ID) {
			e.Associate = ""
			c.emitLocked(KindElasticIP, OpUpdate, e.ID, account)
		}
	}
	for _, aid := range o.Addresses {
		if e := c.eips[aid]; e.Associate != id {
			e.Associate = id
			c.emitLocked(KindElasticIP, OpUpdate, aid, account)
		}
	}
	g.Options = o
	g.Options.Addresses = slices.Clone(o.Addresses)
	c.emitLocked(KindVPNGateway, OpUpdate, id, account)
	return nil
}

// SetCustomerGatewaySite replaces a customer gateway's on-premises prefixes
// and BGP address (CustomerGateway.Prefixes, BGPAddr).
func (c *Cloud) SetCustomerGatewaySite(account, id string, prefixes []netip.Prefix, bgp netip.Addr) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.cgwLocked(account, id)
	if err != nil {
		return err
	}
	g.Prefixes, g.BGPAddr = slices.Clone(prefixes), bgp
	c.emitLocked(KindCustomerGateway, OpUpdate, id, account)
	return nil
}

// VPNGateway returns one VPN gateway of the account.
func (c *Cloud) VPNGateway(account, id string) (VPNGateway, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.vgws.one(c, account, id)
}

// CustomerGateway returns one customer gateway of the account.
func (c *Cloud) CustomerGateway(account, id string) (CustomerGateway, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cgws.one(c, account, id)
}

// VPNConnection returns one VPN connection of the account.
func (c *Cloud) VPNConnection(account, id string) (VPNConnection, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.vpns.one(c, account, id)
}
