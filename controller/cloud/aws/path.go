package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var (
	_ cloud.PathReader = (*Provider)(nil)
	_ cloud.PathReader = (*Regional)(nil)
)

// errNoInstance says that no live instance of the owner carries a key.
var errNoInstance = errors.New("no such instance")

// ReadEnd reads instance key's security groups and their rules
// (DescribeSecurityGroupRules), its subnet's route table
// (DescribeRouteTables; the VPC's main table when the subnet has none of
// its own) and its subnet's network ACL (DescribeNetworkAcls).
func (p *Provider) ReadEnd(ctx context.Context, key string) (cloud.EndState, error) {
	out, err := p.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: p.ownerFilters(
		filter("tag:"+TagKey, key), filter("instance-state-name", "pending", "running"))})
	if err != nil {
		return cloud.EndState{}, fmt.Errorf("describe instance %s: %w", key, err)
	}
	var in *types.Instance
	for _, r := range out.Reservations {
		for i := range r.Instances {
			if p.owns(r.Instances[i].Tags) {
				in = &r.Instances[i]
			}
		}
	}
	if in == nil {
		return cloud.EndState{}, fmt.Errorf("instance %s in %s: %w", key, p.region, errNoInstance)
	}
	e := cloud.EndState{Instance: sdkaws.ToString(in.InstanceId), Address: addr(in.PrivateIpAddress), Subnet: sdkaws.ToString(in.SubnetId)}
	if err := p.readGroups(ctx, in, &e); err != nil {
		return e, err
	}
	sn, err := p.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{e.Subnet}})
	if err != nil || len(sn.Subnets) != 1 {
		return e, fmt.Errorf("describe subnet %s of %s: %w", e.Subnet, key, errors.Join(err, errors.New("not found")))
	}
	e.SubnetCIDR = prefix(sn.Subnets[0].CidrBlock)
	if err := p.readTable(ctx, sdkaws.ToString(in.VpcId), &e); err != nil {
		return e, err
	}
	return e, p.readACL(ctx, &e)
}

// readGroups reads the rules of the instance's security groups.
func (p *Provider) readGroups(ctx context.Context, in *types.Instance, e *cloud.EndState) error {
	for _, g := range in.SecurityGroups {
		gs := cloud.GroupState{ID: sdkaws.ToString(g.GroupId), Name: sdkaws.ToString(g.GroupName)}
		pg := ec2.NewDescribeSecurityGroupRulesPaginator(p.ec2, &ec2.DescribeSecurityGroupRulesInput{
			Filters: []types.Filter{filter("group-id", gs.ID)}})
		for pg.HasMorePages() {
			out, err := pg.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("describe rules of security group %s: %w", gs.ID, err)
			}
			for _, r := range out.SecurityGroupRules {
				rs := cloud.RuleState{ID: sdkaws.ToString(r.SecurityGroupRuleId), Rule: toRule(r.IpProtocol, r.FromPort, r.ToPort, r.CidrIpv4)}
				if !rs.Source.IsValid() {
					continue // an IPv6 or group-referencing rule: FlightPath traces IPv4 addresses
				}
				if sdkaws.ToBool(r.IsEgress) {
					gs.Egress = append(gs.Egress, rs)
				} else {
					gs.Ingress = append(gs.Ingress, rs)
				}
			}
		}
		e.Groups = append(e.Groups, gs)
	}
	return nil
}

// toRule maps an API rule's protocol ("-1", "tcp", "6", ...), ports and
// CIDR to a cloud.Rule. A protocol FlightPath does not trace is the zero
// Protocol, which admits nothing.
func toRule(proto *string, from, to *int32, cidr *string) cloud.Rule {
	r := cloud.Rule{FromPort: sdkaws.ToInt32(from), ToPort: sdkaws.ToInt32(to), Source: prefix(cidr)}
	switch strings.ToLower(sdkaws.ToString(proto)) {
	case "-1", "all":
		r.Protocol = cloud.ProtocolAll
	case "tcp", "6":
		r.Protocol = cloud.ProtocolTCP
	case "udp", "17":
		r.Protocol = cloud.ProtocolUDP
	case "icmp", "1":
		r.Protocol = cloud.ProtocolICMP
	}
	if from == nil && to == nil && r.Protocol != cloud.ProtocolICMP {
		r.FromPort, r.ToPort = 0, 65535
	} else if from == nil && to == nil {
		r.FromPort, r.ToPort = -1, -1
	}
	return r
}

// readTable reads the subnet's route table: the one associated with it,
// else the VPC's main table
// (AWS: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#subnet-route-tables).
func (p *Provider) readTable(ctx context.Context, vpc string, e *cloud.EndState) error {
	out, err := p.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.subnet-id", e.Subnet)}})
	if err == nil && len(out.RouteTables) == 0 {
		out, err = p.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{
			filter("vpc-id", vpc), filter("association.main", "true")}})
	}
	if err != nil {
		return fmt.Errorf("describe route table of subnet %s: %w", e.Subnet, err)
	}
	if len(out.RouteTables) == 0 {
		return fmt.Errorf("subnet %s has no route table", e.Subnet)
	}
	rt := out.RouteTables[0]
	e.Table.ID = sdkaws.ToString(rt.RouteTableId)
	for _, r := range rt.Routes {
		d := prefix(r.DestinationCidrBlock)
		if !d.IsValid() {
			continue // IPv6 and prefix-list routes: FlightPath traces IPv4 addresses
		}
		rs := cloud.RouteState{Destination: d}
		gw := sdkaws.ToString(r.GatewayId)
		switch {
		case r.State == types.RouteStateBlackhole:
			rs.Kind, rs.Target = cloud.RouteBlackhole, gw+sdkaws.ToString(r.InstanceId)+sdkaws.ToString(r.NetworkInterfaceId)
		case gw == "local":
			rs.Kind, rs.Target = cloud.RouteLocal, gw
		case strings.HasPrefix(gw, "igw-"):
			rs.Kind, rs.Target = cloud.RouteInternet, gw
		case strings.HasPrefix(gw, "vgw-"):
			rs.Kind, rs.Target = cloud.RoutePrivateLine, gw
		case r.InstanceId != nil:
			rs.Kind, rs.Target = cloud.RouteInstance, sdkaws.ToString(r.InstanceId)
		case r.NetworkInterfaceId != nil:
			rs.Kind, rs.Target = cloud.RouteInstance, sdkaws.ToString(r.NetworkInterfaceId)
		default:
			rs.Kind = cloud.RouteOther
			rs.Target = gw + sdkaws.ToString(r.NatGatewayId) + sdkaws.ToString(r.VpcPeeringConnectionId) + sdkaws.ToString(r.TransitGatewayId)
		}
		e.Table.Routes = append(e.Table.Routes, rs)
	}
	return nil
}

// readACL reads the subnet's network ACL; each subnet has exactly one
// (AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html).
func (p *Provider) readACL(ctx context.Context, e *cloud.EndState) error {
	out, err := p.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{filter("association.subnet-id", e.Subnet)}})
	if err != nil {
		return fmt.Errorf("describe network ACL of subnet %s: %w", e.Subnet, err)
	}
	if len(out.NetworkAcls) == 0 {
		return fmt.Errorf("subnet %s has no network ACL", e.Subnet)
	}
	a := out.NetworkAcls[0]
	acl := &cloud.ACLState{ID: sdkaws.ToString(a.NetworkAclId)}
	for _, en := range a.Entries {
		var from, to *int32
		if en.PortRange != nil {
			from, to = en.PortRange.From, en.PortRange.To
		}
		r := toRule(en.Protocol, from, to, en.CidrBlock)
		if !r.Source.IsValid() {
			continue
		}
		x := cloud.ACLEntry{Number: sdkaws.ToInt32(en.RuleNumber), Allow: en.RuleAction == types.RuleActionAllow, Rule: r}
		if sdkaws.ToBool(en.Egress) {
			acl.Outbound = append(acl.Outbound, x)
		} else {
			acl.Inbound = append(acl.Inbound, x)
		}
	}
	e.ACL = acl
	return nil
}

// ReadEnd reads the instance in whichever region holds it.
func (r *Regional) ReadEnd(ctx context.Context, key string) (cloud.EndState, error) {
	if err := r.discover(ctx); err != nil {
		return cloud.EndState{}, err
	}
	for _, reg := range r.order() {
		r.mu.Lock()
		p := r.regions[reg]
		r.mu.Unlock()
		e, err := p.ReadEnd(ctx, key)
		if !errors.Is(err, errNoInstance) {
			return e, err
		}
	}
	return cloud.EndState{}, fmt.Errorf("instance %s: %w in any region of owner %s", key, errNoInstance, r.owner)
}
