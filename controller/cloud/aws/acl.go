package aws

import (
	"context"
	"fmt"
	"slices"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// A subnet with OwnACL gets a network ACL of its own, keyed like the
// subnet, that allows all traffic both ways: what is denied in the VPC's
// default network ACL (GuardDuty enforcement's blocks) does not apply to
// it. Without OwnACL the subnet goes back to the VPC's default ACL and
// the owned one is deleted.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html — a subnet is associated with one network ACL, the default one unless another is associated; a custom network ACL denies all until rules are added

// aclObj is one of the owner's network ACLs.
type aclObj struct {
	base
	vpcID   string
	subnets []string // the IDs of its subnets
}

func (p *Provider) describeNetworkACLs(ctx context.Context, w *world) error {
	var objs []*aclObj
	pg := ec2.NewDescribeNetworkAclsPaginator(p.ec2, &ec2.DescribeNetworkAclsInput{Filters: p.ownerFilters()},
		func(o *ec2.DescribeNetworkAclsPaginatorOptions) { o.Limit = max(5, min(p.pageSize, 1000)) })
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe network ACLs of owner %s: %w", p.owner, err)
		}
		for _, a := range out.NetworkAcls {
			if !p.owns(a.Tags) {
				continue
			}
			o := &aclObj{base: base{keyOf(a.Tags), sdkaws.ToString(a.NetworkAclId)}, vpcID: sdkaws.ToString(a.VpcId)}
			for _, as := range a.Associations {
				o.subnets = append(o.subnets, sdkaws.ToString(as.SubnetId))
			}
			objs = append(objs, o)
		}
	}
	w.acls = cloud.Index(objs)
	return nil
}

func (pl *planner) replaceACL(k string, o *aclObj, _ string) (string, bool) {
	return pl.replaceWithSubnet(k, o.vpcID)
}

// planACLs creates, associates and deletes the subnets' own network ACLs.
func (pl *planner) planACLs() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneACL) {
		o := w.acls[k]
		for _, sub := range o.subnets {
			if sk := w.subnetKey(sub); sk != "" && pl.goneSubnet.Has(sk) {
				continue // its association goes with it
			}
			pl.ec2(phDelACL, "ReplaceNetworkAclAssociation", o.name(), "SubnetId="+sub+" NetworkAclId=<default>", "give subnet "+sub+" back its VPC's default network ACL", func(ctx context.Context) error {
				return p.associateACL(ctx, sub, "")
			})
		}
		pl.ec2(phDelACL, "DeleteNetworkAcl", o.name(), cloud.Why("NetworkAclId="+o.id, pl.goneACL[k]), "delete network ACL "+o.name(), func(ctx context.Context) error {
			if _, err := p.ec2.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: &o.id}); err != nil {
				return err
			}
			cloud.Drop(w.acls, k, o)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		for _, s := range v.Subnets {
			if !s.OwnACL {
				continue
			}
			key := s.Key
			if !cloud.Keeps(w.acls, pl.goneACL, key) {
				pl.createACL(v.Key, key)
			} else if cloud.Keeps(w.subnets, pl.goneSubnet, key) && slices.Contains(w.acls[key].subnets, w.subnets[key].id) {
				continue
			}
			detail := "SubnetId=" + cloud.Ref(w.subnets, pl.goneSubnet, key) + " NetworkAclId=" + cloud.Ref(w.acls, pl.goneACL, key)
			pl.ec2(phACL, "ReplaceNetworkAclAssociation", key, detail, "associate network ACL "+key, func(ctx context.Context) error {
				sub, err := cloud.IDOf(w.subnets, "subnet", key)
				if err != nil {
					return err
				}
				a, ok := w.acls[key]
				if !ok {
					return cloud.ErrNotExist("network ACL", key)
				}
				if err := p.associateACL(ctx, sub, a.id); err != nil {
					return err
				}
				a.subnets = append(a.subnets, sub)
				return nil
			})
		}
	}
}

// createACL plans a subnet's own network ACL with an inbound and an
// outbound entry that allow everything.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html — RuleNumber, Protocol -1, RuleAction allow, Egress, CidrBlock
func (pl *planner) createACL(vpcKey, key string) {
	p, w := pl.p, pl.w
	pl.ec2(phACL, "CreateNetworkAcl", key, "VpcId="+cloud.Ref(w.vpcs, pl.goneVPC, vpcKey), "create network ACL "+key, func(ctx context.Context) error {
		vpc, err := cloud.IDOf(w.vpcs, "vpc", vpcKey)
		if err != nil {
			return err
		}
		out, err := p.ec2.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: &vpc, TagSpecifications: p.tagSpecs(types.ResourceTypeNetworkAcl, key)})
		if err != nil {
			return err
		}
		w.acls[key] = &aclObj{base: base{key, sdkaws.ToString(out.NetworkAcl.NetworkAclId)}, vpcID: vpc}
		return nil
	})
	for _, egress := range []bool{false, true} {
		detail := fmt.Sprintf("NetworkAclId=%s RuleNumber=100 Protocol=-1 RuleAction=allow Egress=%v CidrBlock=0.0.0.0/0", cloud.Ref(w.acls, pl.goneACL, key), egress)
		pl.ec2(phACL, "CreateNetworkAclEntry", key, detail, "allow all in network ACL "+key, func(ctx context.Context) error {
			id, err := cloud.IDOf(w.acls, "network ACL", key)
			if err != nil {
				return err
			}
			_, err = p.ec2.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: &id, RuleNumber: sdkaws.Int32(100),
				Protocol: sdkaws.String("-1"), RuleAction: types.RuleActionAllow, Egress: &egress, CidrBlock: sdkaws.String("0.0.0.0/0")})
			return err
		})
	}
}

// associateACL associates subnet with network ACL acl, or with its VPC's
// default network ACL when acl is "": the subnet's current association
// is replaced.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReplaceNetworkAclAssociation.html — AssociationId (the subnet's current association), NetworkAclId
func (p *Provider) associateACL(ctx context.Context, subnet, acl string) error {
	out, err := p.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("association.subnet-id", subnet)}})
	if err != nil {
		return err
	}
	assoc, vpc := "", ""
	for _, a := range out.NetworkAcls {
		for _, as := range a.Associations {
			if sdkaws.ToString(as.SubnetId) == subnet {
				assoc, vpc = sdkaws.ToString(as.NetworkAclAssociationId), sdkaws.ToString(a.VpcId)
			}
		}
	}
	if assoc == "" {
		return fmt.Errorf("subnet %s has no network ACL association", subnet)
	}
	if acl == "" {
		def, err := p.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("vpc-id", vpc), filter("default", "true")}})
		if err != nil {
			return err
		}
		if len(def.NetworkAcls) == 0 {
			return fmt.Errorf("vpc %s has no default network ACL", vpc)
		}
		acl = sdkaws.ToString(def.NetworkAcls[0].NetworkAclId)
	}
	_, err = p.ec2.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: &assoc, NetworkAclId: &acl})
	return err
}
