package aws

import (
	"context"
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planNetworks plans VPCs, subnets, their route tables and the VPCs'
// internet and VPN gateways.
func (pl *planner) planNetworks() {
	pl.planVPCs()
	pl.planSubnets()
	pl.planACLs()
	pl.planTables()
	pl.planInternetGateways()
	pl.planVPNGateways()
}

func (pl *planner) planVPCs() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneVPC) {
		o := w.vpcs[k]
		pl.ec2(phDelVPC, "DeleteVpc", o.name(), cloud.Why("VpcId="+o.id, pl.goneVPC[k]), "delete vpc "+o.name(), func(ctx context.Context) error {
			if _, err := p.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &o.id}); err != nil {
				return err
			}
			cloud.Drop(w.vpcs, k, o)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		if cloud.Keeps(w.vpcs, pl.goneVPC, v.Key) {
			continue
		}
		pl.ec2(phVPC, "CreateVpc", v.Key, "CidrBlock="+v.CIDR.String(), "create vpc "+v.Key, func(ctx context.Context) error {
			out, err := p.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String(v.CIDR.String()),
				TagSpecifications: p.tagSpecs(types.ResourceTypeVpc, v.Key)})
			if err != nil {
				return err
			}
			w.vpcs[v.Key] = &vpcObj{base: base{v.Key, sdkaws.ToString(out.Vpc.VpcId)}, cidr: v.CIDR}
			return nil
		})
	}
}

func (pl *planner) planSubnets() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneSubnet) {
		o := w.subnets[k]
		pl.ec2(phDelSubnet, "DeleteSubnet", o.name(), cloud.Why("SubnetId="+o.id, pl.goneSubnet[k]), "delete subnet "+o.name(), func(ctx context.Context) error {
			if _, err := p.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &o.id}); err != nil {
				return err
			}
			cloud.Drop(w.subnets, k, o)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		for _, s := range v.Subnets {
			if cloud.Keeps(w.subnets, pl.goneSubnet, s.Key) {
				continue
			}
			zone := pl.zone(s)
			detail := "VpcId=" + cloud.Ref(w.vpcs, pl.goneVPC, v.Key) + " CidrBlock=" + s.CIDR.String() + " AvailabilityZone=" + zone
			pl.ec2(phSubnet, "CreateSubnet", s.Key, detail, "create subnet "+s.Key, func(ctx context.Context) error {
				vpc, err := cloud.IDOf(w.vpcs, "vpc", v.Key)
				if err != nil {
					return err
				}
				out, err := p.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: sdkaws.String(s.CIDR.String()),
					AvailabilityZone: &zone, TagSpecifications: p.tagSpecs(types.ResourceTypeSubnet, s.Key)})
				if err != nil {
					return err
				}
				w.subnets[s.Key] = &subnetObj{base: base{s.Key, sdkaws.ToString(out.Subnet.SubnetId)}, vpcID: vpc, cidr: s.CIDR, zone: zone}
				return nil
			})
		}
	}
}

// planTables gives each subnet a route table of its own, keyed like it.
func (pl *planner) planTables() {
	p, w := pl.p, pl.w
	// An edge association goes before the gateways are deleted.
	disassociate := func(t *tableObj, a tableAssoc, reason string) {
		ph := phDelTable
		if a.gatewayID != "" {
			ph = phDelRoute
		}
		pl.ec2(ph, "DisassociateRouteTable", t.name(), cloud.Why("AssociationId="+a.id, reason), "disassociate route table "+t.name(), func(ctx context.Context) error {
			if _, err := p.ec2.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: &a.id}); err != nil {
				return err
			}
			t.assocs = slices.DeleteFunc(t.assocs, func(b tableAssoc) bool { return b.id == a.id })
			t.edge = slices.DeleteFunc(t.edge, func(b tableAssoc) bool { return b.id == a.id })
			return nil
		})
	}
	for _, k := range cloud.SortedKeys(w.tables) {
		t := w.tables[k]
		reason, gone := pl.goneTable[k]
		if !gone && w.subnets[k] == nil {
			continue // a VPC's ingress table (ingress.go)
		}
		if !gone {
			for _, a := range t.assocs {
				if a.subnetID != w.subnets[k].id {
					disassociate(t, a, "not its subnet's")
				}
			}
			continue
		}
		for _, a := range slices.Concat(t.edge, t.assocs) {
			disassociate(t, a, "")
		}
		pl.ec2(phDelTable, "DeleteRouteTable", t.name(), cloud.Why("RouteTableId="+t.id, reason), "delete route table "+t.name(), func(ctx context.Context) error {
			if _, err := p.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: &t.id}); err != nil {
				return err
			}
			cloud.Drop(w.tables, k, t)
			return nil
		})
	}
	associate := func(key string) {
		detail := "RouteTableId=" + cloud.Ref(w.tables, pl.goneTable, key) + " SubnetId=" + cloud.Ref(w.subnets, pl.goneSubnet, key)
		pl.associateTable(phTable, key, detail, "associate route table "+key, func() (tableAssoc, error) {
			subnet, err := cloud.IDOf(w.subnets, "subnet", key)
			return tableAssoc{subnetID: subnet}, err
		})
	}
	for _, v := range pl.d.VPCs {
		for _, s := range v.Subnets {
			if cloud.Keeps(w.tables, pl.goneTable, s.Key) {
				t := w.tables[s.Key]
				if !slices.ContainsFunc(t.assocs, func(a tableAssoc) bool { return a.subnetID == w.subnets[s.Key].id }) {
					associate(s.Key)
				}
				continue
			}
			pl.ec2(phTable, "CreateRouteTable", s.Key, "VpcId="+cloud.Ref(w.vpcs, pl.goneVPC, v.Key), "create route table "+s.Key, func(ctx context.Context) error {
				vpc, err := cloud.IDOf(w.vpcs, "vpc", v.Key)
				if err != nil {
					return err
				}
				out, err := p.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &vpc,
					TagSpecifications: p.tagSpecs(types.ResourceTypeRouteTable, s.Key)})
				if err != nil {
					return err
				}
				t := toTable(*out.RouteTable)
				t.key = s.Key
				w.tables[s.Key] = t
				return nil
			})
			associate(s.Key)
		}
	}
	pl.planIngressTables()
}

func (pl *planner) planInternetGateways() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneIGW) {
		g := w.igws[k]
		for _, vpc := range g.vpcIDs {
			pl.ec2(phDelIGW, "DetachInternetGateway", g.name(), "InternetGatewayId="+g.id+" VpcId="+vpc, "detach internet gateway "+g.name(), func(ctx context.Context) error {
				_, err := p.ec2.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &g.id, VpcId: &vpc})
				return err
			})
		}
		pl.ec2(phDelIGW, "DeleteInternetGateway", g.name(), cloud.Why("InternetGatewayId="+g.id, pl.goneIGW[k]), "delete internet gateway "+g.name(), func(ctx context.Context) error {
			if _, err := p.ec2.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &g.id}); err != nil {
				return err
			}
			cloud.Drop(w.igws, k, g)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		if !v.Internet {
			continue
		}
		if cloud.Keeps(w.igws, pl.goneIGW, v.Key) && len(w.igws[v.Key].vpcIDs) > 0 {
			continue // attached to this VPC, or it would be gone
		}
		if !cloud.Keeps(w.igws, pl.goneIGW, v.Key) {
			pl.ec2(phIGW, "CreateInternetGateway", v.Key, "", "create internet gateway "+v.Key, func(ctx context.Context) error {
				out, err := p.ec2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{
					TagSpecifications: p.tagSpecs(types.ResourceTypeInternetGateway, v.Key)})
				if err != nil {
					return err
				}
				w.igws[v.Key] = &gwObj{base: base{v.Key, sdkaws.ToString(out.InternetGateway.InternetGatewayId)}}
				return nil
			})
		}
		detail := "InternetGatewayId=" + cloud.Ref(w.igws, pl.goneIGW, v.Key) + " VpcId=" + cloud.Ref(w.vpcs, pl.goneVPC, v.Key)
		pl.ec2(phIGW, "AttachInternetGateway", v.Key, detail, "attach internet gateway "+v.Key, func(ctx context.Context) error {
			g, ok := w.igws[v.Key]
			if !ok {
				return cloud.ErrNotExist("internet gateway", v.Key)
			}
			vpc, err := cloud.IDOf(w.vpcs, "vpc", v.Key)
			if err != nil {
				return err
			}
			if _, err := p.ec2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &g.id, VpcId: &vpc}); err != nil {
				return err
			}
			g.vpcIDs = []string{vpc}
			return nil
		})
	}
}

func (pl *planner) planVPNGateways() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneVGW) {
		g := w.vgws[k]
		for _, vpc := range g.vpcIDs {
			pl.ec2(phDelVGW, "DetachVpnGateway", g.name(), "VpnGatewayId="+g.id+" VpcId="+vpc, "detach vpn gateway "+g.name(), func(ctx context.Context) error {
				if _, err := p.ec2.DetachVpnGateway(ctx, &ec2.DetachVpnGatewayInput{VpnGatewayId: &g.id, VpcId: &vpc}); err != nil {
					return err
				}
				return p.waitVGW(ctx, g.id, func(v types.VpnGateway) bool { return !attachedTo(v, vpc) })
			})
		}
		pl.ec2(phDelVGW, "DeleteVpnGateway", g.name(), cloud.Why("VpnGatewayId="+g.id, pl.goneVGW[k]), "delete vpn gateway "+g.name(), func(ctx context.Context) error {
			if _, err := p.ec2.DeleteVpnGateway(ctx, &ec2.DeleteVpnGatewayInput{VpnGatewayId: &g.id}); err != nil {
				return err
			}
			cloud.Drop(w.vgws, k, g)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		if !v.PrivateLines {
			continue
		}
		if cloud.Keeps(w.vgws, pl.goneVGW, v.Key) && len(w.vgws[v.Key].vpcIDs) > 0 {
			continue
		}
		if !cloud.Keeps(w.vgws, pl.goneVGW, v.Key) {
			pl.ec2(phVGW, "CreateVpnGateway", v.Key, "Type=ipsec.1", "create vpn gateway "+v.Key, func(ctx context.Context) error {
				out, err := p.ec2.CreateVpnGateway(ctx, &ec2.CreateVpnGatewayInput{Type: types.GatewayTypeIpsec1,
					TagSpecifications: p.tagSpecs(types.ResourceTypeVpnGateway, v.Key)})
				if err != nil {
					return err
				}
				id := sdkaws.ToString(out.VpnGateway.VpnGatewayId)
				w.vgws[v.Key] = &gwObj{base: base{v.Key, id}}
				// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpnGateway.html — pending until available
				return p.waitVGW(ctx, id, func(g types.VpnGateway) bool { return g.State == types.VpnStateAvailable })
			})
		}
		detail := "VpnGatewayId=" + cloud.Ref(w.vgws, pl.goneVGW, v.Key) + " VpcId=" + cloud.Ref(w.vpcs, pl.goneVPC, v.Key)
		pl.ec2(phVGW, "AttachVpnGateway", v.Key, detail, "attach vpn gateway "+v.Key, func(ctx context.Context) error {
			g, ok := w.vgws[v.Key]
			if !ok {
				return cloud.ErrNotExist("vpn gateway", v.Key)
			}
			vpc, err := cloud.IDOf(w.vpcs, "vpc", v.Key)
			if err != nil {
				return err
			}
			if _, err := p.ec2.AttachVpnGateway(ctx, &ec2.AttachVpnGatewayInput{VpnGatewayId: &g.id, VpcId: &vpc}); err != nil {
				return err
			}
			g.vpcIDs = []string{vpc}
			return nil
		})
	}
}

// attachedTo reports whether a VPN gateway is attached or attaching to a VPC.
func attachedTo(g types.VpnGateway, vpc string) bool {
	for _, a := range g.VpcAttachments {
		if sdkaws.ToString(a.VpcId) == vpc && (a.State == types.AttachmentStatusAttached || a.State == types.AttachmentStatusAttaching) {
			return true
		}
	}
	return false
}

// associateTable plans an AssociateRouteTable of the table keyed key with
// the subnet or the gateway that target names when the op runs.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateRouteTable.html — SubnetId or GatewayId
func (pl *planner) associateTable(ph int, key, detail, what string, target func() (tableAssoc, error)) {
	p, w := pl.p, pl.w
	pl.ec2(ph, "AssociateRouteTable", key, detail, what, func(ctx context.Context) error {
		t, ok := w.tables[key]
		if !ok {
			return cloud.ErrNotExist("route table", key)
		}
		a, err := target()
		if err != nil {
			return err
		}
		in := &ec2.AssociateRouteTableInput{RouteTableId: &t.id}
		if a.gatewayID != "" {
			in.GatewayId = &a.gatewayID
		} else {
			in.SubnetId = &a.subnetID
		}
		out, err := p.ec2.AssociateRouteTable(ctx, in)
		if err != nil {
			return err
		}
		a.id = sdkaws.ToString(out.AssociationId)
		if a.gatewayID != "" {
			t.edge = append(t.edge, a)
		} else {
			t.assocs = append(t.assocs, a)
		}
		return nil
	})
}
