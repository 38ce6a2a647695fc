package aws

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directconnect"
	dxtypes "github.com/aws/aws-sdk-go-v2/service/directconnect/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// liveInstanceStates are the states of instances that still exist; a
// terminated instance stays visible for a while and is ignored.
var liveInstanceStates = []string{"pending", "running", "stopping", "stopped"}

// observeEC2 reads the owner's EC2 objects: one paginated Describe per kind.
func (p *Provider) observeEC2(ctx context.Context) (*world, error) {
	w := &world{vifs: map[string]*vifObj{}, conns: map[string][]string{}}
	steps := []func(context.Context, *world) error{
		p.describeVPCs, p.describeSubnets, p.describeRouteTables, p.describeInternetGateways,
		p.describeVPNGateways, p.describeSecurityGroups, p.describeInstances, p.describeAddresses, p.describeInterfaces, p.describeNetworkACLs,
	}
	for _, step := range steps {
		if err := step(ctx, w); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (p *Provider) describeVPCs(ctx context.Context, w *world) error {
	var objs []*vpcObj
	pg := ec2.NewDescribeVpcsPaginator(p.ec2, &ec2.DescribeVpcsInput{Filters: p.ownerFilters()},
		func(o *ec2.DescribeVpcsPaginatorOptions) { o.Limit = p.pageSize })
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe VPCs of owner %s: %w", p.owner, err)
		}
		for _, v := range out.Vpcs {
			if p.owns(v.Tags) {
				objs = append(objs, &vpcObj{base: base{keyOf(v.Tags), sdkaws.ToString(v.VpcId)}, cidr: prefix(v.CidrBlock)})
			}
		}
	}
	w.vpcs = cloud.Index(objs)
	return nil
}

func (p *Provider) describeSubnets(ctx context.Context, w *world) error {
	var objs []*subnetObj
	pg := ec2.NewDescribeSubnetsPaginator(p.ec2, &ec2.DescribeSubnetsInput{Filters: p.ownerFilters()},
		func(o *ec2.DescribeSubnetsPaginatorOptions) { o.Limit = p.pageSize })
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe subnets of owner %s: %w", p.owner, err)
		}
		for _, s := range out.Subnets {
			if p.owns(s.Tags) {
				objs = append(objs, &subnetObj{base: base{keyOf(s.Tags), sdkaws.ToString(s.SubnetId)},
					vpcID: sdkaws.ToString(s.VpcId), cidr: prefix(s.CidrBlock), zone: sdkaws.ToString(s.AvailabilityZone)})
			}
		}
	}
	w.subnets = cloud.Index(objs)
	return nil
}

func (p *Provider) describeRouteTables(ctx context.Context, w *world) error {
	var objs []*tableObj
	pg := ec2.NewDescribeRouteTablesPaginator(p.ec2, &ec2.DescribeRouteTablesInput{Filters: p.ownerFilters()},
		func(o *ec2.DescribeRouteTablesPaginatorOptions) { o.Limit = min(p.pageSize, 100) })
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe route tables of owner %s: %w", p.owner, err)
		}
		for _, rt := range out.RouteTables {
			if p.owns(rt.Tags) {
				objs = append(objs, toTable(rt))
			}
		}
	}
	w.tables = cloud.Index(objs)
	return nil
}

func toTable(rt types.RouteTable) *tableObj {
	t := &tableObj{base: base{keyOf(rt.Tags), sdkaws.ToString(rt.RouteTableId)}, vpcID: sdkaws.ToString(rt.VpcId), routes: rt.Routes}
	for _, a := range rt.Associations {
		if sdkaws.ToBool(a.Main) || (a.SubnetId == nil && a.GatewayId == nil) {
			continue
		}
		if a.AssociationState != nil && a.AssociationState.State != types.RouteTableAssociationStateCodeAssociated &&
			a.AssociationState.State != types.RouteTableAssociationStateCodeAssociating {
			continue
		}
		if a.GatewayId != nil {
			t.edge = append(t.edge, tableAssoc{id: sdkaws.ToString(a.RouteTableAssociationId), gatewayID: sdkaws.ToString(a.GatewayId)})
			continue
		}
		t.assocs = append(t.assocs, tableAssoc{id: sdkaws.ToString(a.RouteTableAssociationId), subnetID: sdkaws.ToString(a.SubnetId)})
	}
	return t
}

func (p *Provider) describeInternetGateways(ctx context.Context, w *world) error {
	var objs []*gwObj
	pg := ec2.NewDescribeInternetGatewaysPaginator(p.ec2, &ec2.DescribeInternetGatewaysInput{Filters: p.ownerFilters()},
		func(o *ec2.DescribeInternetGatewaysPaginatorOptions) { o.Limit = p.pageSize })
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe internet gateways of owner %s: %w", p.owner, err)
		}
		for _, g := range out.InternetGateways {
			if !p.owns(g.Tags) {
				continue
			}
			o := &gwObj{base: base{keyOf(g.Tags), sdkaws.ToString(g.InternetGatewayId)}}
			for _, a := range g.Attachments {
				if a.State != types.AttachmentStatusDetached && a.State != types.AttachmentStatusDetaching {
					o.vpcIDs = append(o.vpcIDs, sdkaws.ToString(a.VpcId))
				}
			}
			objs = append(objs, o)
		}
	}
	w.igws = cloud.Index(objs)
	return nil
}

// describeVPNGateways reads the owner's VPN gateways; the API does not page
// them. Deleted gateways stay visible for a while and are ignored.
func (p *Provider) describeVPNGateways(ctx context.Context, w *world) error {
	out, err := p.ec2.DescribeVpnGateways(ctx, &ec2.DescribeVpnGatewaysInput{
		Filters: p.ownerFilters(filter("state", "pending", "available"))})
	if err != nil {
		return fmt.Errorf("describe VPN gateways of owner %s: %w", p.owner, err)
	}
	var objs []*gwObj
	for _, g := range out.VpnGateways {
		if !p.owns(g.Tags) {
			continue
		}
		o := &gwObj{base: base{keyOf(g.Tags), sdkaws.ToString(g.VpnGatewayId)}}
		for _, a := range g.VpcAttachments {
			if a.State == types.AttachmentStatusAttached || a.State == types.AttachmentStatusAttaching {
				o.vpcIDs = append(o.vpcIDs, sdkaws.ToString(a.VpcId))
			}
		}
		objs = append(objs, o)
	}
	w.vgws = cloud.Index(objs)
	return nil
}

func (p *Provider) describeSecurityGroups(ctx context.Context, w *world) error {
	var objs []*groupObj
	pg := ec2.NewDescribeSecurityGroupsPaginator(p.ec2, &ec2.DescribeSecurityGroupsInput{Filters: p.ownerFilters()},
		func(o *ec2.DescribeSecurityGroupsPaginatorOptions) { o.Limit = p.pageSize })
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe security groups of owner %s: %w", p.owner, err)
		}
		for _, g := range out.SecurityGroups {
			if p.owns(g.Tags) {
				objs = append(objs, &groupObj{base: base{keyOf(g.Tags), sdkaws.ToString(g.GroupId)},
					vpcID: sdkaws.ToString(g.VpcId), ingress: perms(g.IpPermissions)})
			}
		}
	}
	w.groups = cloud.Index(objs)
	return nil
}

func (p *Provider) describeInstances(ctx context.Context, w *world) error {
	objs, err := p.listInstances(ctx)
	if err != nil {
		return err
	}
	w.instances = cloud.Index(objs)
	return nil
}

// listInstances reads the owner's live instances, those with the given keys
// when keys are given.
func (p *Provider) listInstances(ctx context.Context, keys ...string) ([]*instanceObj, error) {
	fs := p.ownerFilters(filter("instance-state-name", liveInstanceStates...))
	if len(keys) > 0 {
		fs = append(fs, filter("tag:"+TagKey, keys...))
	}
	var objs []*instanceObj
	pg := ec2.NewDescribeInstancesPaginator(p.ec2, &ec2.DescribeInstancesInput{Filters: fs},
		func(o *ec2.DescribeInstancesPaginatorOptions) { o.Limit = p.pageSize })
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe instances of owner %s: %w", p.owner, err)
		}
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				if p.owns(i.Tags) && (i.State == nil || slices.Contains(liveInstanceStates, string(i.State.Name))) {
					objs = append(objs, toInstance(i))
				}
			}
		}
	}
	return objs, nil
}

func toInstance(i types.Instance) *instanceObj {
	o := &instanceObj{base: base{keyOf(i.Tags), sdkaws.ToString(i.InstanceId)},
		vpcID: sdkaws.ToString(i.VpcId), subnetID: sdkaws.ToString(i.SubnetId),
		image: sdkaws.ToString(i.ImageId), typ: string(i.InstanceType),
		sourceDestCheck: sdkaws.ToBool(i.SourceDestCheck)}
	o.ip = addr(i.PrivateIpAddress)
	for _, g := range i.SecurityGroups {
		o.groups = append(o.groups, sdkaws.ToString(g.GroupId))
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — the primary interface has device index 0
	for _, n := range i.NetworkInterfaces {
		if n.Attachment == nil || sdkaws.ToInt32(n.Attachment.DeviceIndex) == 0 {
			o.eni, o.mac = sdkaws.ToString(n.NetworkInterfaceId), sdkaws.ToString(n.MacAddress)
			break
		}
	}
	return o
}

// describeAddresses reads the owner's elastic IPs; the API does not page them.
func (p *Provider) describeAddresses(ctx context.Context, w *world) error {
	out, err := p.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: p.ownerFilters()})
	if err != nil {
		return fmt.Errorf("describe elastic IPs of owner %s: %w", p.owner, err)
	}
	var objs []*eipObj
	for _, a := range out.Addresses {
		if !p.owns(a.Tags) {
			continue
		}
		e := &eipObj{base: base{keyOf(a.Tags), sdkaws.ToString(a.AllocationId)},
			assocID: sdkaws.ToString(a.AssociationId), instanceID: sdkaws.ToString(a.InstanceId), eniID: sdkaws.ToString(a.NetworkInterfaceId)}
		e.publicIP = addr(a.PublicIp)
		objs = append(objs, e)
	}
	w.eips = cloud.Index(objs)
	return nil
}

// goneVIFStates are the states of virtual interfaces that no longer exist.
var goneVIFStates = []dxtypes.VirtualInterfaceState{dxtypes.VirtualInterfaceStateDeleting,
	dxtypes.VirtualInterfaceStateDeleted, dxtypes.VirtualInterfaceStateRejected}

// observeDX reads the owner's virtual interfaces, those landing on its VPN
// gateways, and the connections that d's virtual interfaces name. It makes
// no call when there is neither a VPN gateway nor a desired virtual
// interface, nor when the provider is kept off Direct Connect.
func (p *Provider) observeDX(ctx context.Context, w *world, d cloud.Desired) error {
	if p.noDX || (len(w.vgws) == 0 && len(d.VirtualInterfaces) == 0) {
		return nil
	}
	vgws := map[string]bool{}
	for _, g := range w.vgws {
		vgws[g.id] = true
	}
	var objs []*vifObj
	var token *string
	for {
		out, err := p.dx.DescribeVirtualInterfaces(ctx, &directconnect.DescribeVirtualInterfacesInput{NextToken: token, MaxResults: p.dxPageSize()})
		if err != nil {
			return fmt.Errorf("describe Direct Connect virtual interfaces: %w", err)
		}
		for _, v := range out.VirtualInterfaces {
			if !vgws[sdkaws.ToString(v.VirtualGatewayId)] || slices.Contains(goneVIFStates, v.VirtualInterfaceState) {
				continue
			}
			asn := int64(v.Asn)
			if v.AsnLong != nil {
				asn = *v.AsnLong
			}
			objs = append(objs, &vifObj{base: base{sdkaws.ToString(v.VirtualInterfaceName), sdkaws.ToString(v.VirtualInterfaceId)},
				connID: sdkaws.ToString(v.ConnectionId), vgwID: sdkaws.ToString(v.VirtualGatewayId), vlan: v.Vlan, asn: asn,
				amazonAddr: sdkaws.ToString(v.AmazonAddress), customerAddr: sdkaws.ToString(v.CustomerAddress)})
		}
		if token = out.NextToken; sdkaws.ToString(token) == "" {
			break
		}
	}
	w.vifs = cloud.Index(objs)
	if len(d.VirtualInterfaces) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, v := range d.VirtualInterfaces {
		want[v.Connection] = true
	}
	token = nil
	for {
		out, err := p.dx.DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{NextToken: token, MaxResults: p.dxPageSize()})
		if err != nil {
			return fmt.Errorf("describe Direct Connect connections: %w", err)
		}
		for _, c := range out.Connections {
			name := sdkaws.ToString(c.ConnectionName)
			switch c.ConnectionState {
			case dxtypes.ConnectionStateDeleting, dxtypes.ConnectionStateDeleted, dxtypes.ConnectionStateRejected:
				continue
			}
			if want[name] {
				w.conns[name] = append(w.conns[name], sdkaws.ToString(c.ConnectionId))
			}
		}
		if token = out.NextToken; sdkaws.ToString(token) == "" {
			break
		}
	}
	return nil
}

// dxPageSize is MaxResults for Direct Connect's Describe calls, which take
// at most 100.
func (p *Provider) dxPageSize() *int32 {
	if p.pageSize == 0 {
		return nil
	}
	return sdkaws.Int32(min(p.pageSize, 100))
}

// prefix parses a CIDR the API returned; a malformed one is the zero
// Prefix, which differs from every desired one.
func prefix(s *string) netip.Prefix {
	pf, err := netip.ParsePrefix(strings.TrimSpace(sdkaws.ToString(s)))
	if err != nil {
		return netip.Prefix{}
	}
	return pf.Masked()
}

// addr parses an address the API returned; a malformed or missing one is
// the zero Addr.
func addr(s *string) netip.Addr {
	a, err := netip.ParseAddr(sdkaws.ToString(s))
	if err != nil {
		return netip.Addr{}
	}
	return a
}
