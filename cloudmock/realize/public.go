package realize

import (
	"net/netip"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// planPublic plans the public addresses (elastic IPs of NAT gateways,
// interfaces and instances) reachable through each network's internet
// gateway, and returns their one-to-one mappings by network.
func planPublic(p *plan, s *snapshot, enis map[string]model.NetworkInterface, natgws map[string]model.NATGateway, igwOf map[string]string, ix *ruleIndex) map[string][]natMap {
	publicOf := map[string][]natMap{} // network -> mappings
	for _, e := range s.eips {
		if e.Associate == "" {
			continue
		}
		var priv netip.Addr
		var network string
		closed := false
		if g, ok := natgws[e.Associate]; ok {
			priv, network = g.PrivateIP, g.NetworkID
		} else if x, ok := enis[e.Associate]; ok {
			priv, network, closed = x.PrivateIP, x.NetworkID, ix.closed(x)
			if e.PrivateIP.IsValid() {
				priv = e.PrivateIP // a secondary address
			}
		} else if i, ok := s.instances[e.Associate]; ok {
			if x, ok := enis[i.NetworkInterfaceID]; ok {
				priv, network, closed = x.PrivateIP, x.NetworkID, ix.closed(x)
			}
		}
		if t := s.system.openTier[network]; t != "" && e.Tier == t {
			closed = false
		}
		if priv.IsValid() && igwOf[network] != "" {
			publicOf[network] = append(publicOf[network], natMap{Private: priv, Public: e.PublicIP, Closed: closed})
			p.inetRoutes[network] = append(p.inetRoutes[network], e.PublicIP)
		}
	}
	// The public addresses interfaces got at launch map one to one like
	// elastic IPs.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html — the internet gateway translates an instance's public IPv4 address
	for _, x := range s.enis {
		if x.PublicIP.IsValid() && igwOf[x.NetworkID] != "" {
			publicOf[x.NetworkID] = append(publicOf[x.NetworkID], natMap{Private: x.PrivateIP, Public: x.PublicIP, Closed: ix.closed(x)})
			p.inetRoutes[x.NetworkID] = append(p.inetRoutes[x.NetworkID], x.PublicIP)
		}
	}
	return publicOf
}
