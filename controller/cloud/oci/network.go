package oci

import (
	"context"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planVcns plans the VCNs, one CIDR each.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/create_vcn.htm — a VCN with its CIDR blocks; it comes with a default route table, security list and DHCP options, which go with it
func (pl *planner) planVcns() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneVcn) {
		o := w.vcns[k]
		pl.add(phDelVcn, "DeleteVcn", o.Name(), cloud.Why(o.ID, pl.goneVcn[k]), "delete vcn "+o.Name(), func(ctx context.Context) error {
			if err := p.deleteAndWait(ctx, "vcn "+o.Name(), func(ctx context.Context) error {
				_, err := p.vn.DeleteVcn(ctx, core.DeleteVcnRequest{VcnId: &o.ID})
				return err
			}, func(ctx context.Context) (string, error) {
				r, err := p.vn.GetVcn(ctx, core.GetVcnRequest{VcnId: &o.ID})
				return string(r.LifecycleState), err
			}); err != nil {
				return err
			}
			cloud.Drop(w.vcns, k, o)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		if cloud.Keeps(w.vcns, pl.goneVcn, v.Key) {
			continue
		}
		pl.add(phVcn, "CreateVcn", v.Key, "cidrBlocks=["+v.CIDR.String()+"] compartmentId="+p.compartmentRef(), "create vcn "+v.Key, func(ctx context.Context) error {
			var id string
			err := call(ctx, func(ctx context.Context) error {
				r, err := p.vn.CreateVcn(ctx, core.CreateVcnRequest{CreateVcnDetails: core.CreateVcnDetails{CompartmentId: &p.compartment,
					CidrBlocks: []string{v.CIDR.String()}, DisplayName: common.String(v.Key), FreeformTags: p.tags(v.Key)}})
				id = str(r.Id)
				return err
			})
			if err != nil {
				return err
			}
			if err := p.await(ctx, "vcn "+v.Key, func(ctx context.Context) (string, error) {
				r, err := p.vn.GetVcn(ctx, core.GetVcnRequest{VcnId: &id})
				return string(r.LifecycleState), err
			}, "AVAILABLE"); err != nil {
				return err
			}
			w.vcns[v.Key] = &vcnObj{Object: cloud.Object{Key: v.Key, ID: id}, cidr: v.CIDR}
			return nil
		})
	}
}

// deleteAndWait deletes an object and waits until it is TERMINATED.
func (p *Provider) deleteAndWait(ctx context.Context, what string, del func(context.Context) error, get func(context.Context) (string, error)) error {
	if err := call(ctx, del); err != nil && !gone(err) {
		return err
	}
	return p.await(ctx, what, get, "TERMINATED")
}

// planChildren plans the VCNs' internet gateways and base security lists:
// the list allows all egress, statefully, and no ingress, so that what
// reaches an instance is what its NSGs allow.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIGs.htm — an internet gateway of a VCN, enabled
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm — security lists and NSGs: a packet is allowed if any rule in any of the lists and NSGs that apply allows it
func (pl *planner) planChildren() {
	p, w := pl.p, pl.w
	igws, lists := pl.wantChildren()
	pl.planChild(w.igws, pl.goneIgw, igws, phDelIgw, phIgw, "InternetGateway", func(ctx context.Context, vcn, key string) (string, error) {
		r, err := p.vn.CreateInternetGateway(ctx, core.CreateInternetGatewayRequest{CreateInternetGatewayDetails: core.CreateInternetGatewayDetails{
			CompartmentId: &p.compartment, VcnId: &vcn, IsEnabled: common.Bool(true), DisplayName: common.String(key), FreeformTags: p.tags(key)}})
		return str(r.Id), err
	}, func(ctx context.Context, id string) (string, error) {
		r, err := p.vn.GetInternetGateway(ctx, core.GetInternetGatewayRequest{IgId: &id})
		return string(r.LifecycleState), err
	}, func(ctx context.Context, id string) error {
		_, err := p.vn.DeleteInternetGateway(ctx, core.DeleteInternetGatewayRequest{IgId: &id})
		return err
	})
	pl.planChild(w.lists, pl.goneList, lists, phDelList, phList, "SecurityList", func(ctx context.Context, vcn, key string) (string, error) {
		r, err := p.vn.CreateSecurityList(ctx, core.CreateSecurityListRequest{CreateSecurityListDetails: core.CreateSecurityListDetails{
			CompartmentId: &p.compartment, VcnId: &vcn, DisplayName: common.String(key), FreeformTags: p.tags(key),
			IngressSecurityRules: []core.IngressSecurityRule{},
			EgressSecurityRules:  []core.EgressSecurityRule{{Destination: common.String("0.0.0.0/0"), Protocol: common.String("all"), IsStateless: common.Bool(false)}}}})
		return str(r.Id), err
	}, func(ctx context.Context, id string) (string, error) {
		r, err := p.vn.GetSecurityList(ctx, core.GetSecurityListRequest{SecurityListId: &id})
		return string(r.LifecycleState), err
	}, func(ctx context.Context, id string) error {
		_, err := p.vn.DeleteSecurityList(ctx, core.DeleteSecurityListRequest{SecurityListId: &id})
		return err
	})
}

// planChild plans one kind of a VCN's fixed objects (want: key -> VPC
// key): gone ones deleted, missing ones made and waited for.
func (pl *planner) planChild(have map[string]*childObj, goneKeys cloud.Gone, want map[string]string, delPh, ph int, noun string,
	create func(ctx context.Context, vcn, key string) (string, error), get func(ctx context.Context, id string) (string, error),
	del func(ctx context.Context, id string) error) {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(goneKeys) {
		o := have[k]
		pl.add(delPh, "Delete"+noun, o.Name(), cloud.Why(o.ID, goneKeys[k]), "delete "+noun+" "+o.Name(), func(ctx context.Context) error {
			if err := p.deleteAndWait(ctx, noun+" "+o.Name(), func(ctx context.Context) error { return del(ctx, o.ID) },
				func(ctx context.Context) (string, error) { return get(ctx, o.ID) }); err != nil {
				return err
			}
			cloud.Drop(have, k, o)
			return nil
		})
	}
	for _, k := range cloud.SortedKeys(want) {
		vk := want[k]
		if cloud.Keeps(have, goneKeys, k) {
			continue
		}
		pl.add(ph, "Create"+noun, k, "vcnId="+cloud.Ref(w.vcns, pl.goneVcn, vk), "create "+noun+" "+k, func(ctx context.Context) error {
			vcn, err := cloud.IDOf(w.vcns, "vcn", vk)
			if err != nil {
				return err
			}
			var id string
			if err := call(ctx, func(ctx context.Context) error {
				var err error
				id, err = create(ctx, vcn, k)
				return err
			}); err != nil {
				return err
			}
			if err := p.await(ctx, noun+" "+k, func(ctx context.Context) (string, error) { return get(ctx, id) }, "AVAILABLE"); err != nil {
				return err
			}
			have[k] = &childObj{Object: cloud.Object{Key: k, ID: id}, vcn: vcn}
			return nil
		})
	}
}

// planSubnets plans the subnets: regional, public (a VNIC may have a
// public IP), with the subnet's own route table and the VCN's base
// security list.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/create_subnet.htm — a regional subnet with a route table and up to five security lists
func (pl *planner) planSubnets() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneSubnet) {
		o := w.subnets[k]
		pl.add(phDelSubnet, "DeleteSubnet", o.Name(), cloud.Why(o.ID, pl.goneSubnet[k]), "delete subnet "+o.Name(), func(ctx context.Context) error {
			if err := p.deleteAndWait(ctx, "subnet "+o.Name(), func(ctx context.Context) error {
				_, err := p.vn.DeleteSubnet(ctx, core.DeleteSubnetRequest{SubnetId: &o.ID})
				return err
			}, func(ctx context.Context) (string, error) {
				r, err := p.vn.GetSubnet(ctx, core.GetSubnetRequest{SubnetId: &o.ID})
				return string(r.LifecycleState), err
			}); err != nil {
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
			detail := "cidrBlock=" + s.CIDR.String() + " vcnId=" + cloud.Ref(w.vcns, pl.goneVcn, v.Key) + " routeTableId=" +
				cloud.Ref(w.tables, pl.goneTable, s.Key) + " securityListIds=[" + cloud.Ref(w.lists, pl.goneList, baseList(v.Key)) + "]"
			pl.add(phSubnet, "CreateSubnet", s.Key, detail, "create subnet "+s.Key, func(ctx context.Context) error {
				return pl.createSubnet(ctx, v.Key, s)
			})
		}
	}
}

// createSubnet makes subnet s of VPC vk and waits until it is AVAILABLE.
func (pl *planner) createSubnet(ctx context.Context, vk string, s cloud.Subnet) error {
	p, w := pl.p, pl.w
	vcn, err := cloud.IDOf(w.vcns, "vcn", vk)
	if err != nil {
		return err
	}
	rt, err := cloud.IDOf(w.tables, "route table", s.Key)
	if err != nil {
		return err
	}
	list, err := cloud.IDOf(w.lists, "security list", baseList(vk))
	if err != nil {
		return err
	}
	var id string
	if err := call(ctx, func(ctx context.Context) error {
		r, err := p.vn.CreateSubnet(ctx, core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{CompartmentId: &p.compartment,
			VcnId: &vcn, CidrBlock: common.String(s.CIDR.String()), RouteTableId: &rt, SecurityListIds: []string{list},
			ProhibitPublicIpOnVnic: common.Bool(false), DisplayName: common.String(s.Key), FreeformTags: p.tags(s.Key)}})
		id = str(r.Id)
		return err
	}); err != nil {
		return err
	}
	if err := p.await(ctx, "subnet "+s.Key, func(ctx context.Context) (string, error) {
		r, err := p.vn.GetSubnet(ctx, core.GetSubnetRequest{SubnetId: &id})
		return string(r.LifecycleState), err
	}, "AVAILABLE"); err != nil {
		return err
	}
	w.subnets[s.Key] = &subnetObj{Object: cloud.Object{Key: s.Key, ID: id}, vcn: vcn, rt: rt, lists: []string{list}, cidr: s.CIDR}
	return nil
}
