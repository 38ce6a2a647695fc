package azure

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planGateway creates a VNet's ExpressRoute gateway, and first its
// GatewaySubnet where the VNet has none.
func (pl *planner) planGateway(v cloud.VPC) {
	p, w := pl.p, pl.w
	k := ergwKey(v.Key)
	if cloud.Keeps(w.ergws, pl.goneERGW, k) {
		return
	}
	sk := v.Key + "/" + gatewaySubnet
	if !cloud.Keeps(w.subnets, pl.goneSubnet, sk) {
		pl.planGatewaySubnet(v, sk)
	}
	rg, loc, name := pl.group(v.Key), pl.location(v.Key), azName(v.Key)+"-ergw"
	if !pl.free("Microsoft.Network/virtualNetworkGateways", rg, name, k) {
		return
	}
	detail := "resourceGroup=" + rg + " location=" + loc + " gatewayType=ExpressRoute sku=Standard subnet=" + cloud.Ref(w.subnets, pl.goneSubnet, sk)
	pl.add(phERGW, nsNetwork, "virtualNetworkGateways/write", k, detail, "create ExpressRoute gateway "+name, func(ctx context.Context) error {
		sn, err := cloud.IDOf(w.subnets, "subnet", sk)
		if err != nil {
			return err
		}
		out, err := begun(p.gateways.BeginCreateOrUpdate(ctx, rg, name, armnetwork.VirtualNetworkGateway{Location: &loc, Tags: p.tagsOf(k),
			Properties: &armnetwork.VirtualNetworkGatewayPropertiesFormat{GatewayType: to.Ptr(armnetwork.VirtualNetworkGatewayTypeExpressRoute),
				SKU: &armnetwork.VirtualNetworkGatewaySKU{Name: to.Ptr(armnetwork.VirtualNetworkGatewaySKUNameStandard), Tier: to.Ptr(armnetwork.VirtualNetworkGatewaySKUTierStandard)},
				IPConfigurations: []*armnetwork.VirtualNetworkGatewayIPConfiguration{{Name: to.Ptr("default"),
					Properties: &armnetwork.VirtualNetworkGatewayIPConfigurationPropertiesFormat{Subnet: &armnetwork.SubResource{ID: &sn}}}}}}, nil)).wait(ctx, p.freq)
		if err != nil {
			return err
		}
		w.ergws[k] = &ergwObj{Object: cloud.Object{Key: k, ID: str(out.ID)}, group: rg, location: loc, subnetID: sn}
		return nil
	})
}

// planGatewaySubnet creates a VNet's GatewaySubnet: the last /27 of its
// block that no subnet of it overlaps.
// Azure: https://learn.microsoft.com/en-us/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub — the gateway subnet is named GatewaySubnet; /27 or larger is recommended
func (pl *planner) planGatewaySubnet(v cloud.VPC, sk string) {
	p, w := pl.p, pl.w
	block, ok := freeBlock(v, 27)
	if !ok {
		pl.errs = append(pl.errs, fmt.Errorf("vpc %s: no free /27 in %s for the GatewaySubnet of its ExpressRoute gateway", v.Key, v.CIDR))
		return
	}
	rg := pl.group(v.Key)
	detail := "virtualNetwork=" + cloud.Ref(w.vnets, pl.goneVNet, v.Key) + " addressPrefix=" + block.String()
	pl.add(phGWSubnet, nsNetwork, "virtualNetworks/subnets/write", sk, detail, "create subnet "+sk, func(ctx context.Context) error {
		vnet, ok := w.vnets[v.Key]
		if !ok {
			return cloud.ErrNotExist("virtual network", v.Key)
		}
		out, err := begun(p.subnets.BeginCreateOrUpdate(ctx, rg, nameOf(vnet.ID), gatewaySubnet,
			armnetwork.Subnet{Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(block.String())}}, nil)).wait(ctx, p.freq)
		if err != nil {
			return err
		}
		o := toSubnet(vnet, &out.Subnet)
		o.Key = sk
		w.subnets[sk] = o
		return nil
	})
}

// freeBlock is the last /bits of v's block that none of its subnets
// overlaps.
func freeBlock(v cloud.VPC, bits int) (netip.Prefix, bool) {
	if v.CIDR.Bits() > bits {
		return netip.Prefix{}, false
	}
	last := netip.PrefixFrom(lastAddr(v.CIDR), bits).Masked()
	for b := last; v.CIDR.Contains(b.Addr()); {
		free := true
		for _, s := range v.Subnets {
			free = free && !s.CIDR.Overlaps(b)
		}
		if free {
			return b, true
		}
		prev := b.Addr().Prev()
		if !prev.IsValid() {
			break
		}
		b = netip.PrefixFrom(prev, bits).Masked()
	}
	return netip.Prefix{}, false
}

// lastAddr is the last address of prefix b.
func lastAddr(b netip.Prefix) netip.Addr {
	return netip.AddrFrom4(nextBlock(b)).Prev()
}

// planConnection links a virtual interface's circuit to its VNet's
// gateway.
func (pl *planner) planConnection(v cloud.VirtualInterface) {
	p, w := pl.p, pl.w
	k := erConnKey(v.Key)
	if cloud.Keeps(w.erconns, pl.goneERConn, k) {
		return
	}
	rg, loc, name := pl.group(v.VPC), pl.location(v.VPC), azName(v.Key)
	if !pl.free("Microsoft.Network/connections", rg, name, k) {
		return
	}
	detail := "resourceGroup=" + rg + " connectionType=ExpressRoute virtualNetworkGateway1=" + cloud.Ref(w.ergws, pl.goneERGW, ergwKey(v.VPC)) +
		" peer=" + cloud.Ref(w.circuits, pl.goneCircuit, v.Key)
	pl.add(phERConn, nsNetwork, "connections/write", k, detail, "create connection "+name, func(ctx context.Context) error {
		gw, err := cloud.IDOf(w.ergws, "ExpressRoute gateway", ergwKey(v.VPC))
		if err != nil {
			return err
		}
		circuit, err := cloud.IDOf(w.circuits, "ExpressRoute circuit", v.Key)
		if err != nil {
			return err
		}
		out, err := begun(p.conns.BeginCreateOrUpdate(ctx, rg, name, armnetwork.VirtualNetworkGatewayConnection{Location: &loc, Tags: p.tagsOf(k),
			Properties: &armnetwork.VirtualNetworkGatewayConnectionPropertiesFormat{ConnectionType: to.Ptr(armnetwork.VirtualNetworkGatewayConnectionTypeExpressRoute),
				VirtualNetworkGateway1: &armnetwork.VirtualNetworkGateway{ID: &gw}, Peer: &armnetwork.SubResource{ID: &circuit}}}, nil)).wait(ctx, p.freq)
		if err != nil {
			return err
		}
		w.erconns[k] = &erConnObj{Object: cloud.Object{Key: k, ID: str(out.ID)}, group: rg, location: loc, gatewayID: gw, peer: circuit}
		return nil
	})
}
