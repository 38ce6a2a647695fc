package model

import (
	"net/netip"
	"slices"
)

// SetDXSession records the BGP session of the cloud's edge over a
// virtual interface (Microsoft's edge of an ExpressRoute private
// peering): whether it is up and the customer prefixes it learned (none
// while it is down). An available interface's learned prefixes are routes
// of the virtual network gateway it is connected to (gatewayRoutesLocked).
// An interface gone has nothing to record: that is no error.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-routing — the private peering's BGP session between the customer's edge and Microsoft's (AS 12076) carries the on-premises prefixes to the VNet's ExpressRoute gateway
func (c *Cloud) SetDXSession(account, vifID string, up bool, learned []netip.Prefix) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vifs[vifID]
	if !ok {
		return nil
	}
	if v.Account != account {
		return notFound(KindDXVirtualInterface, vifID)
	}
	if !up {
		learned = nil
	}
	if v.BGPUp == up && slices.Equal(v.Learned, learned) {
		return nil
	}
	v.BGPUp, v.Learned = up, slices.Clone(learned)
	c.emitLocked(KindDXVirtualInterface, OpUpdate, v.ID, account)
	return nil
}

// dxGatewayRoutesLocked are the routes that gateway gid brings from the
// private peerings of its available virtual interfaces: what each
// session learned.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-udr-overview#border-gateway-protocol — routes an ExpressRoute gateway learns from on-premises appear with source Virtual network gateway
func (c *Cloud) dxGatewayRoutesLocked(gid string) []EffectiveRoute {
	var out []EffectiveRoute
	for _, id := range sortedKeys(c.vifs) {
		v := c.vifs[id]
		if v.VPNGatewayID != gid || !v.BGPUp {
			continue
		}
		for _, p := range v.Learned {
			out = append(out, EffectiveRoute{Source: SourceGateway, Destination: p, Target: Target{Kind: TargetNetworkGateway, ID: gid}})
		}
	}
	return out
}
