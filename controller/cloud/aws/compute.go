package aws

import (
	"context"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planGroups plans security groups and their ingress rules; egress is left
// as EC2 makes it (all open).
func (pl *planner) planGroups() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneGroup) {
		g := w.groups[k]
		ph := phDelGroup
		// A group that a surviving instance still uses goes once the
		// instance has left it.
		if _, vpcGone := pl.goneVPC[w.vpcKey(g.vpcID)]; !vpcGone {
			for ik, i := range w.instances {
				if _, gone := pl.goneInst[ik]; !gone && slices.Contains(i.groups, g.id) {
					ph = phLateDelGroup
				}
			}
		}
		pl.ec2(ph, "DeleteSecurityGroup", g.name(), cloud.Why("GroupId="+g.id, pl.goneGroup[k]), "delete security group "+g.name(), func(ctx context.Context) error {
			if _, err := p.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &g.id}); err != nil {
				return err
			}
			cloud.Drop(w.groups, k, g)
			return nil
		})
	}
	for _, sg := range pl.d.SecurityGroups {
		var have []perm
		if cloud.Keeps(w.groups, pl.goneGroup, sg.Key) {
			have = w.groups[sg.Key].ingress
		} else {
			desc := "mcnlab " + sg.Key
			detail := "GroupName=" + sg.Key + " VpcId=" + cloud.Ref(w.vpcs, pl.goneVPC, sg.VPC)
			pl.ec2(phGroup, "CreateSecurityGroup", sg.Key, detail, "create security group "+sg.Key, func(ctx context.Context) error {
				vpc, err := cloud.IDOf(w.vpcs, "vpc", sg.VPC)
				if err != nil {
					return err
				}
				out, err := p.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: &sg.Key, Description: &desc,
					VpcId: &vpc, TagSpecifications: p.tagSpecs(types.ResourceTypeSecurityGroup, sg.Key)})
				if err != nil {
					return err
				}
				w.groups[sg.Key] = &groupObj{base: base{sg.Key, sdkaws.ToString(out.GroupId)}, vpcID: vpc}
				return nil
			})
		}
		var want []perm
		for _, r := range sg.Ingress {
			if q := permOf(r); !slices.Contains(want, q) {
				want = append(want, q)
			}
		}
		var add, remove []perm
		for _, q := range want {
			if !slices.Contains(have, q) {
				add = append(add, q)
			}
		}
		for _, q := range have {
			if !slices.Contains(want, q) && !slices.Contains(remove, q) {
				remove = append(remove, q)
			}
		}
		groupRef := cloud.Ref(w.groups, pl.goneGroup, sg.Key)
		if len(add) > 0 {
			pl.ec2(phGroup, "AuthorizeSecurityGroupIngress", sg.Key, "GroupId="+groupRef+" "+permList(add),
				"authorize ingress of security group "+sg.Key, pl.ruleOp(sg.Key, add, true))
		}
		if len(remove) > 0 {
			pl.ec2(phGroup, "RevokeSecurityGroupIngress", sg.Key, "GroupId="+groupRef+" "+permList(remove),
				"revoke ingress of security group "+sg.Key, pl.ruleOp(sg.Key, remove, false))
		}
	}
}

// ruleOp authorizes or revokes ingress rules of a group in one call.
func (pl *planner) ruleOp(key string, qs []perm, authorize bool) func(context.Context) error {
	p, w := pl.p, pl.w
	return func(ctx context.Context) error {
		g, ok := w.groups[key]
		if !ok {
			return cloud.ErrNotExist("security group", key)
		}
		ps := make([]types.IpPermission, 0, len(qs))
		for _, q := range qs {
			ps = append(ps, q.ipPermission())
		}
		if authorize {
			if _, err := p.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &g.id, IpPermissions: ps}); err != nil {
				return err
			}
			g.ingress = append(g.ingress, qs...)
			return nil
		}
		if _, err := p.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &g.id, IpPermissions: ps}); err != nil {
			return err
		}
		g.ingress = slices.DeleteFunc(g.ingress, func(q perm) bool { return slices.Contains(qs, q) })
		return nil
	}
}

func permList(qs []perm) string {
	s := make([]string, len(qs))
	for i, q := range qs {
		s[i] = q.String()
	}
	slices.Sort(s)
	return "IpPermissions=[" + strings.Join(s, "; ") + "]"
}

// planInstances plans instances, their source/destination check and
// groups, and their elastic IPs.
func (pl *planner) planInstances() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneInst) {
		i := w.instances[k]
		pl.ec2(phTerminate, "TerminateInstances", i.name(), cloud.Why("InstanceId="+i.id, pl.goneInst[k]), "terminate instance "+i.name(), func(ctx context.Context) error {
			if _, err := p.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{i.id}}); err != nil {
				return err
			}
			cloud.Drop(w.instances, k, i)
			// Its interface must be gone before its subnet and groups can go.
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html — shutting-down, then terminated
			id := i.id
			return waitUnlocked(ctx, func(ctx context.Context) error {
				return ec2.NewInstanceTerminatedWaiter(p.ec2).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, waitLimit)
			})
		})
	}
	terminated := map[string]bool{}
	for k := range pl.goneInst {
		terminated[w.instances[k].id] = true
	}
	for _, k := range cloud.SortedKeys(pl.goneEIP) {
		e := w.eips[k]
		// Terminating an instance disassociates its address; an address on
		// an instance that stays is disassociated first.
		if e.assocID != "" && !terminated[e.instanceID] {
			pl.ec2(phRelease, "DisassociateAddress", e.name(), "AssociationId="+e.assocID, "disassociate elastic ip "+e.name(), func(ctx context.Context) error {
				if _, err := p.ec2.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: &e.assocID}); err != nil {
					return err
				}
				e.assocID, e.instanceID = "", ""
				return nil
			})
		}
		pl.ec2(phRelease, "ReleaseAddress", e.name(), cloud.Why("AllocationId="+e.id, pl.goneEIP[k]), "release elastic ip "+e.name(), func(ctx context.Context) error {
			if _, err := p.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: &e.id}); err != nil {
				return err
			}
			cloud.Drop(w.eips, k, e)
			return nil
		})
	}
	for _, in := range pl.d.Instances {
		if cloud.Keeps(w.instances, pl.goneInst, in.Key) {
			pl.updateInstance(in, w.instances[in.Key])
		} else {
			pl.runInstance(in)
		}
	}
	for _, in := range pl.d.Instances {
		if in.PublicIP {
			pl.planEIP(in)
		}
	}
	pl.planInterfaces()
}

// groupRefs names an instance's desired groups in a plan.
func (pl *planner) groupRefs(in cloud.Instance) []string {
	refs := make([]string, len(in.SecurityGroups))
	for n, g := range in.SecurityGroups {
		refs[n] = cloud.Ref(pl.w.groups, pl.goneGroup, g)
	}
	return refs
}

// groupIDs looks an instance's desired groups up when an op runs.
func (pl *planner) groupIDs(in cloud.Instance) ([]string, error) {
	ids := make([]string, len(in.SecurityGroups))
	for n, g := range in.SecurityGroups {
		id, err := cloud.IDOf(pl.w.groups, "security group", g)
		if err != nil {
			return nil, err
		}
		ids[n] = id
	}
	return ids, nil
}

func (pl *planner) runInstance(in cloud.Instance) {
	p, w := pl.p, pl.w
	typ, image := p.instanceType(in.Size), p.imageID(in.Image)
	detail := "ImageId=" + image + " InstanceType=" + typ + " SubnetId=" + cloud.Ref(w.subnets, pl.goneSubnet, in.Subnet)
	if in.PrivateIP.IsValid() {
		detail += " PrivateIpAddress=" + in.PrivateIP.String()
	}
	if len(in.SecurityGroups) > 0 {
		detail += " SecurityGroupIds=" + joinRefs(pl.groupRefs(in))
	}
	phase := phInstance
	if in.PrivateIP.IsValid() {
		phase = phInstanceFixed
	}
	pl.ec2(phase, "RunInstances", in.Key, detail, "run instance "+in.Key, func(ctx context.Context) error {
		subnet, err := cloud.IDOf(w.subnets, "subnet", in.Subnet)
		if err != nil {
			return err
		}
		groups, err := pl.groupIDs(in)
		if err != nil {
			return err
		}
		input := &ec2.RunInstancesInput{ImageId: &image, InstanceType: types.InstanceType(typ),
			MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: &subnet, SecurityGroupIds: groups,
			TagSpecifications: p.tagSpecs(types.ResourceTypeInstance, in.Key), ClientToken: sdkaws.String(clientToken())}
		if in.PrivateIP.IsValid() {
			input.PrivateIpAddress = sdkaws.String(in.PrivateIP.String())
		}
		out, err := p.ec2.RunInstances(ctx, input)
		if err != nil {
			return err
		}
		if len(out.Instances) != 1 {
			return cloud.ErrNotExist("launched instance", in.Key)
		}
		o := toInstance(out.Instances[0])
		o.key, o.launched = in.Key, true
		w.instances[in.Key] = o
		return nil
	})
	if !in.SourceDestCheck {
		pl.setSourceDestCheck(in.Key, false)
	}
}

// updateInstance plans the changes an instance takes in place.
func (pl *planner) updateInstance(in cloud.Instance, o *instanceObj) {
	p := pl.p
	if o.sourceDestCheck != in.SourceDestCheck {
		pl.setSourceDestCheck(in.Key, in.SourceDestCheck)
	}
	// No groups means the VPC's default group, which RunInstances chose.
	if len(in.SecurityGroups) == 0 {
		return
	}
	refs := pl.groupRefs(in)
	if a, b := slices.Sorted(slices.Values(refs)), slices.Sorted(slices.Values(o.groups)); !slices.Equal(a, b) {
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html — Groups replaces the instance's security groups
		pl.ec2(phInstanceAttr, "ModifyInstanceAttribute", in.Key, "InstanceId="+o.id+" Groups="+joinRefs(refs), "set security groups of instance "+in.Key, func(ctx context.Context) error {
			groups, err := pl.groupIDs(in)
			if err != nil {
				return err
			}
			if _, err := p.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &o.id, Groups: groups}); err != nil {
				return err
			}
			o.groups = groups
			return nil
		})
	}
}

func (pl *planner) setSourceDestCheck(key string, on bool) {
	p, w := pl.p, pl.w
	detail := "InstanceId=" + cloud.Ref(w.instances, pl.goneInst, key) + " SourceDestCheck=" + boolString(on)
	pl.ec2(phInstanceAttr, "ModifyInstanceAttribute", key, detail, "set source/dest check of instance "+key, func(ctx context.Context) error {
		i, ok := w.instances[key]
		if !ok {
			return cloud.ErrNotExist("instance", key)
		}
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#change_source_dest_check — a running or stopped instance
		if err := p.waitRunning(ctx, i); err != nil {
			return err
		}
		if _, err := p.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &i.id,
			SourceDestCheck: &types.AttributeBooleanValue{Value: sdkaws.Bool(on)}}); err != nil {
			return err
		}
		i.sourceDestCheck = on
		return nil
	})
}

// planEIP gives an instance its elastic IP, keyed like the instance.
func (pl *planner) planEIP(in cloud.Instance) {
	p, w := pl.p, pl.w
	bound := cloud.Keeps(w.eips, pl.goneEIP, in.Key) && cloud.Keeps(w.instances, pl.goneInst, in.Key) && w.eips[in.Key].instanceID == w.instances[in.Key].id
	pl.planAddress(in.Key, "InstanceId="+cloud.Ref(w.instances, pl.goneInst, in.Key), bound, func(ctx context.Context, e *eipObj) error {
		i, ok := w.instances[in.Key]
		if !ok {
			return cloud.ErrNotExist("instance", in.Key)
		}
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/working-with-eips.html — a running or stopped instance
		if err := p.waitRunning(ctx, i); err != nil {
			return err
		}
		input := &ec2.AssociateAddressInput{AllocationId: &e.id, InstanceId: &i.id}
		if len(in.Interfaces) > 0 && i.eni != "" {
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html — an instance with several network interfaces takes the interface's ID
			input = &ec2.AssociateAddressInput{AllocationId: &e.id, NetworkInterfaceId: &i.eni}
		}
		out, err := p.ec2.AssociateAddress(ctx, input)
		if err != nil {
			return err
		}
		e.instanceID, e.assocID = i.id, sdkaws.ToString(out.AssociationId)
		return nil
	})
}

// planAddress allocates the elastic IP key unless it exists, and
// associates it (with what target names) unless it is bound already.
func (pl *planner) planAddress(key, target string, bound bool, associate func(context.Context, *eipObj) error) {
	p, w := pl.p, pl.w
	if bound {
		return
	}
	if !cloud.Keeps(w.eips, pl.goneEIP, key) {
		pl.ec2(phEIP, "AllocateAddress", key, "Domain=vpc", "allocate elastic ip "+key, func(ctx context.Context) error {
			out, err := p.ec2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc,
				TagSpecifications: p.tagSpecs(types.ResourceTypeElasticIp, key)})
			if err != nil {
				return err
			}
			e := &eipObj{base: base{key, sdkaws.ToString(out.AllocationId)}}
			e.publicIP = addr(out.PublicIp)
			w.eips[key] = e
			return nil
		})
	}
	detail := "AllocationId=" + cloud.Ref(w.eips, pl.goneEIP, key) + " " + target
	pl.ec2(phEIP, "AssociateAddress", key, detail, "associate elastic ip "+key, func(ctx context.Context) error {
		e, ok := w.eips[key]
		if !ok {
			return cloud.ErrNotExist("elastic ip", key)
		}
		return associate(ctx, e)
	})
}

// waitRunning waits until an instance launched by this Apply is running
// (a pending one takes no elastic IP or attribute change); instances that
// existed before are left in their state.
func (p *Provider) waitRunning(ctx context.Context, i *instanceObj) error {
	if !i.launched {
		return nil
	}
	id := i.id
	if err := waitUnlocked(ctx, func(ctx context.Context) error {
		return ec2.NewInstanceRunningWaiter(p.ec2).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, waitLimit)
	}); err != nil {
		return err
	}
	i.launched = false
	return nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
