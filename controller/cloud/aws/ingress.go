package aws

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planIngressTables gives each VPC with IngressRouting a route table keyed
// cloud.IngressTableKey, associated with the VPC's internet gateway (an
// edge association, made once the gateway exists); SyncRoutes sets its
// routes to instances. An association with another gateway (one that was
// replaced) is removed.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html — a route table associated with an internet gateway routes the traffic entering through it
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateRouteTable.html — GatewayId
func (pl *planner) planIngressTables() {
	p, w := pl.p, pl.w
	for _, v := range pl.d.VPCs {
		if !v.IngressRouting {
			continue
		}
		key := cloud.IngressTableKey(v.Key)
		if !cloud.Keeps(w.tables, pl.goneTable, key) {
			pl.ec2(phTable, "CreateRouteTable", key, "VpcId="+cloud.Ref(w.vpcs, pl.goneVPC, v.Key), "create route table "+key, func(ctx context.Context) error {
				vpc, err := cloud.IDOf(w.vpcs, "vpc", v.Key)
				if err != nil {
					return err
				}
				out, err := p.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &vpc,
					TagSpecifications: p.tagSpecs(types.ResourceTypeRouteTable, key)})
				if err != nil {
					return err
				}
				t := toTable(*out.RouteTable)
				t.key = key
				w.tables[key] = t
				return nil
			})
		} else {
			t := w.tables[key]
			gw := ""
			if cloud.Keeps(w.igws, pl.goneIGW, v.Key) {
				gw = w.igws[v.Key].id
			}
			for _, a := range t.edge {
				if a.gatewayID == gw {
					continue
				}
				pl.ec2(phDelRoute, "DisassociateRouteTable", key, "AssociationId="+a.id+" (gateway "+a.gatewayID+")", "disassociate route table "+key, func(ctx context.Context) error {
					if _, err := p.ec2.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: &a.id}); err != nil {
						return err
					}
					t.edge = slices.DeleteFunc(t.edge, func(b tableAssoc) bool { return b.id == a.id })
					return nil
				})
			}
			if gw != "" && slices.ContainsFunc(t.edge, func(a tableAssoc) bool { return a.gatewayID == gw }) {
				continue
			}
		}
		detail := "RouteTableId=" + cloud.Ref(w.tables, pl.goneTable, key) + " GatewayId=" + cloud.Ref(w.igws, pl.goneIGW, v.Key)
		pl.associateTable(phRoute, key, detail, "associate route table "+key+" with the internet gateway", func() (tableAssoc, error) {
			gw, err := cloud.IDOf(w.igws, "internet gateway", v.Key)
			return tableAssoc{gatewayID: gw}, err
		})
	}
}
