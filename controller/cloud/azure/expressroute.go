package azure

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// A private line's virtual interface on Azure is an ExpressRoute circuit
// (named as the lab's line, its connection: the lab is the connectivity
// provider and provisions the line under that name) with its Azure
// private peering (the site's ASN, the /30 whose first address is the
// customer's and second Microsoft's, the VLAN), and a connection to it
// from the VNet's ExpressRoute virtual network gateway, which sits in the
// VNet's GatewaySubnet (made, as the last free /27 of the VNet, where the
// VNet has none). Deleted in reverse: the connection, then the gateway
// (once no line of the VNet is left) and the GatewaySubnet made for it,
// then the circuit with its peering.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-howto-circuit-arm — a circuit's serviceProviderProperties: provider, peering location, bandwidth
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-howto-routing-arm — Azure private peering: peerASN, primary and secondary /30 peer address prefixes, vlanId
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-howto-add-gateway-resource-manager — the ExpressRoute gateway (gatewayType ExpressRoute) is in the VNet's GatewaySubnet, /27 or larger
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-howto-linkvnet-arm — a connection of type ExpressRoute links the VNet's gateway to the circuit

// gatewaySubnet is the name a VNet's gateway subnet must have.
const gatewaySubnet = "GatewaySubnet"

// MicrosoftASN is the AS of Microsoft's side of an ExpressRoute private
// peering: a virtual interface's CloudASN on Azure.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-routing#autonomous-system-numbers — Microsoft uses AS 12076 for Azure private peering
const MicrosoftASN uint32 = 12076

type circuitObj struct {
	cloud.Object
	group, location, name string
	peerASN               int64
	primary               netip.Prefix
	vlan                  int32
}

type ergwObj struct {
	cloud.Object
	group, location string
	subnetID        string
}

type erConnObj struct {
	cloud.Object
	group, location string
	gatewayID, peer string
}

// ergwKey is the key of a VNet's ExpressRoute gateway.
func ergwKey(vpc string) string { return vpc + "#ergw" }

// erConnKey is the key of a virtual interface's connection.
func erConnKey(vif string) string { return vif + "#conn" }

// listExpressRoute lists the owner's circuits, and the ExpressRoute
// gateways and connections in the owner's resource groups.
func (p *Provider) listExpressRoute(ctx context.Context, w *world) error {
	var circuits []*circuitObj
	err := each(ctx, "ExpressRoute circuits", p.circuits.NewListAllPager(nil), func(pg armnetwork.ExpressRouteCircuitsClientListAllResponse) {
		for _, c := range pg.Value {
			if key, mine := p.owned(c.Tags); mine {
				circuits = append(circuits, toCircuit(key, c))
			}
		}
	})
	if err != nil {
		return err
	}
	w.circuits = cloud.Index(circuits)
	var gws []*ergwObj
	var conns []*erConnObj
	for _, g := range cloud.SortedKeys(w.groups) {
		err := each(ctx, "virtual network gateways", p.gateways.NewListPager(g, nil), func(pg armnetwork.VirtualNetworkGatewaysClientListResponse) {
			for _, x := range pg.Value {
				key, mine := p.owned(x.Tags)
				if !mine || x.Properties == nil {
					continue
				}
				o := &ergwObj{Object: cloud.Object{Key: key, ID: str(x.ID)}, group: g, location: str(x.Location)}
				for _, c := range x.Properties.IPConfigurations {
					if c.Properties != nil && c.Properties.Subnet != nil {
						o.subnetID = str(c.Properties.Subnet.ID)
					}
				}
				gws = append(gws, o)
			}
		})
		if err != nil {
			return err
		}
		err = each(ctx, "connections", p.conns.NewListPager(g, nil), func(pg armnetwork.VirtualNetworkGatewayConnectionsClientListResponse) {
			for _, x := range pg.Value {
				key, mine := p.owned(x.Tags)
				if !mine || x.Properties == nil {
					continue
				}
				o := &erConnObj{Object: cloud.Object{Key: key, ID: str(x.ID)}, group: g, location: str(x.Location)}
				if x.Properties.VirtualNetworkGateway1 != nil {
					o.gatewayID = str(x.Properties.VirtualNetworkGateway1.ID)
				}
				if x.Properties.Peer != nil {
					o.peer = str(x.Properties.Peer.ID)
				}
				conns = append(conns, o)
			}
		})
		if err != nil {
			return err
		}
	}
	w.ergws, w.erconns = cloud.Index(gws), cloud.Index(conns)
	return nil
}

// toCircuit is a circuit as the world keeps it, with its private peering.
func toCircuit(key string, c *armnetwork.ExpressRouteCircuit) *circuitObj {
	o := &circuitObj{Object: cloud.Object{Key: key, ID: str(c.ID)}, group: groupOf(str(c.ID)), location: str(c.Location), name: str(c.Name)}
	if c.Properties == nil {
		return o
	}
	for _, pe := range c.Properties.Peerings {
		if pp := pe.Properties; pp != nil && strings.EqualFold(str(pe.Name), string(armnetwork.ExpressRoutePeeringTypeAzurePrivatePeering)) {
			o.primary = prefix(pp.PrimaryPeerAddressPrefix)
			if pp.PeerASN != nil {
				o.peerASN = *pp.PeerASN
			}
			if pp.VlanID != nil {
				o.vlan = *pp.VlanID
			}
		}
	}
	return o
}

// validateLines checks the virtual interfaces: Microsoft's ASN, and the
// addresses of an Azure private peering's primary /30.
// Azure: https://learn.microsoft.com/en-us/azure/expressroute/expressroute-routing#ip-addresses-used-for-azure-private-peering — the customer's router takes the /30's first usable address, Microsoft the second
func validateLines(d cloud.Desired) []error {
	var errs []error
	for _, v := range d.VirtualInterfaces {
		if v.CloudASN != MicrosoftASN {
			errs = append(errs, fmt.Errorf("virtual interface %s: CloudASN %d, but Microsoft's side of an ExpressRoute private peering is AS %d", v.Key, v.CloudASN, MicrosoftASN))
		}
		c := v.CustomerAddress
		if c.Bits() != 30 || c.Addr() != c.Masked().Addr().Next() || v.CloudAddress != netip.PrefixFrom(c.Addr().Next(), 30) {
			errs = append(errs, fmt.Errorf("virtual interface %s: addresses %s (customer) and %s (Microsoft) are not the first and second usable addresses of a /30, as a private peering's are", v.Key, c, v.CloudAddress))
		}
	}
	return errs
}

// findGoneLines decides which connections, gateways and circuits go, and
// keeps the GatewaySubnet of a VNet whose gateway stays.
func (pl *planner) findGoneLines() {
	w := pl.w
	want, gws, conns := map[string]cloud.VirtualInterface{}, map[string]cloud.VPC{}, map[string]cloud.VirtualInterface{}
	for _, v := range pl.d.VirtualInterfaces {
		want[v.Key], gws[ergwKey(v.VPC)], conns[erConnKey(v.Key)] = v, pl.wantVPC[v.VPC], v
	}
	cloud.FindGone(pl.goneCircuit, w.circuits, want, func(_ string, o *circuitObj, v cloud.VirtualInterface) (string, bool) {
		if !strings.EqualFold(o.name, v.Connection) {
			return cloud.Replace("replace: name " + o.name + " -> " + v.Connection)
		}
		return pl.replacePlaced(o.group, o.location, v.VPC)
	})
	cloud.FindGone(pl.goneERGW, w.ergws, gws, func(k string, o *ergwObj, v cloud.VPC) (string, bool) {
		if why, goes := pl.replacePlaced(o.group, o.location, v.Key); goes {
			return why, goes
		}
		if pl.goneVNet.Has(v.Key) {
			return cloud.Replace("replace with virtual network " + v.Key)
		}
		return "", false
	})
	cloud.FindGone(pl.goneERConn, w.erconns, conns, func(_ string, o *erConnObj, v cloud.VirtualInterface) (string, bool) {
		if pl.goneCircuit.Has(v.Key) || pl.goneERGW.Has(ergwKey(v.VPC)) {
			return cloud.Replace("replace with its circuit or gateway")
		}
		return "", false
	})
	for k := range gws {
		vpc := strings.TrimSuffix(k, "#ergw")
		if !pl.goneVNet.Has(vpc) {
			delete(pl.goneSubnet, vpc+"/"+gatewaySubnet)
		}
	}
}

// planLines plans the circuits, their peerings, the gateways (and their
// GatewaySubnets) and the connections.
func (pl *planner) planLines() {
	pl.deleteLines()
	gw := map[string]bool{}
	for _, v := range pl.d.VirtualInterfaces {
		pl.planCircuit(v)
		if !gw[v.VPC] {
			gw[v.VPC] = true
			pl.planGateway(pl.wantVPC[v.VPC])
		}
		pl.planConnection(v)
	}
}

// deleteLines deletes the connections, gateways and circuits that go.
func (pl *planner) deleteLines() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneERConn) {
		o := w.erconns[k]
		pl.add(phDelERConn, nsNetwork, "connections/delete", o.Name(), cloud.Why("id="+o.ID, pl.goneERConn[k]), "delete connection "+o.Name(), func(ctx context.Context) error {
			if _, err := begun(p.conns.BeginDelete(ctx, o.group, nameOf(o.ID), nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.erconns, k, o)
			return nil
		})
	}
	for _, k := range cloud.SortedKeys(pl.goneERGW) {
		o := w.ergws[k]
		pl.add(phDelERGW, nsNetwork, "virtualNetworkGateways/delete", o.Name(), cloud.Why("id="+o.ID, pl.goneERGW[k]), "delete ExpressRoute gateway "+o.Name(), func(ctx context.Context) error {
			if _, err := begun(p.gateways.BeginDelete(ctx, o.group, nameOf(o.ID), nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.ergws, k, o)
			return nil
		})
	}
	for _, k := range cloud.SortedKeys(pl.goneCircuit) {
		o := w.circuits[k]
		pl.add(phDelCircuit, nsNetwork, "expressRouteCircuits/delete", o.Name(), cloud.Why("id="+o.ID, pl.goneCircuit[k]), "delete ExpressRoute circuit "+o.Name(), func(ctx context.Context) error {
			if _, err := begun(p.circuits.BeginDelete(ctx, o.group, nameOf(o.ID), nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.circuits, k, o)
			return nil
		})
	}
}

// planCircuit creates a virtual interface's circuit and puts its private
// peering where it differs.
func (pl *planner) planCircuit(v cloud.VirtualInterface) {
	p, w := pl.p, pl.w
	rg, loc := pl.group(v.VPC), pl.location(v.VPC)
	if !cloud.Keeps(w.circuits, pl.goneCircuit, v.Key) {
		if !pl.free("Microsoft.Network/expressRouteCircuits", rg, v.Connection, v.Key) {
			return
		}
		detail := fmt.Sprintf("resourceGroup=%s location=%s serviceProvider=mcnlab bandwidthInMbps=1000", rg, loc)
		pl.add(phCircuit, nsNetwork, "expressRouteCircuits/write", v.Key, detail, "create ExpressRoute circuit "+v.Connection, func(ctx context.Context) error {
			out, err := begun(p.circuits.BeginCreateOrUpdate(ctx, rg, v.Connection, armnetwork.ExpressRouteCircuit{Location: &loc, Tags: p.tagsOf(v.Key),
				SKU: &armnetwork.ExpressRouteCircuitSKU{Name: to.Ptr("Standard_MeteredData"), Tier: to.Ptr(armnetwork.ExpressRouteCircuitSKUTierStandard),
					Family: to.Ptr(armnetwork.ExpressRouteCircuitSKUFamilyMeteredData)},
				Properties: &armnetwork.ExpressRouteCircuitPropertiesFormat{ServiceProviderProperties: &armnetwork.ExpressRouteCircuitServiceProviderProperties{
					ServiceProviderName: to.Ptr("mcnlab"), PeeringLocation: to.Ptr(loc), BandwidthInMbps: to.Ptr[int32](1000)}}}, nil)).wait(ctx, p.freq)
			if err != nil {
				return err
			}
			w.circuits[v.Key] = toCircuit(v.Key, &out.ExpressRouteCircuit)
			return nil
		})
	} else if o := w.circuits[v.Key]; o.primary == v.CustomerAddress.Masked() && o.peerASN == int64(v.ASN) && o.vlan == v.VLAN {
		return
	}
	primary := v.CustomerAddress.Masked()
	secondary := netip.PrefixFrom(netip.AddrFrom4(nextBlock(primary)), 30)
	detail := fmt.Sprintf("circuit=%s peerASN=%d primaryPeerAddressPrefix=%s secondaryPeerAddressPrefix=%s vlanId=%d",
		cloud.Ref(w.circuits, pl.goneCircuit, v.Key), v.ASN, primary, secondary, v.VLAN)
	pl.add(phPeering, nsNetwork, "expressRouteCircuits/peerings/write", v.Key+"/AzurePrivatePeering", detail, "put private peering of "+v.Connection, func(ctx context.Context) error {
		o, ok := w.circuits[v.Key]
		if !ok {
			return cloud.ErrNotExist("ExpressRoute circuit", v.Key)
		}
		_, err := begun(p.peerings.BeginCreateOrUpdate(ctx, o.group, o.name, string(armnetwork.ExpressRoutePeeringTypeAzurePrivatePeering), armnetwork.ExpressRouteCircuitPeering{
			Properties: &armnetwork.ExpressRouteCircuitPeeringPropertiesFormat{PeeringType: to.Ptr(armnetwork.ExpressRoutePeeringTypeAzurePrivatePeering),
				PeerASN: to.Ptr(int64(v.ASN)), PrimaryPeerAddressPrefix: to.Ptr(primary.String()), SecondaryPeerAddressPrefix: to.Ptr(secondary.String()),
				VlanID: to.Ptr(v.VLAN)}}, nil)).wait(ctx, p.freq)
		if err != nil {
			return err
		}
		o.primary, o.peerASN, o.vlan = primary, int64(v.ASN), v.VLAN
		return nil
	})
}

// nextBlock is the address after prefix b's last.
func nextBlock(b netip.Prefix) [4]byte {
	a := b.Masked().Addr().As4()
	n := (uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])) + 1<<(32-b.Bits())
	return [4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}
