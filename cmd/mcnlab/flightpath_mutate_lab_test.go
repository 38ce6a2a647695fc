package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/scenarios/differential"
	"github.com/mcnlab/mcnlab/topologies"
)

// mutate makes one random change through the cloud's API (or the
// controller's, for approvals), says what it did and returns the
// endpoints it concerns, whose pairs are compared first.
func (d *fpLab) mutate(t *testing.T, r *rand.Rand) (string, []string) {
	t.Helper()
	w, peer := d.pickPair(t, r)
	if cr := d.crs[d.prov[w.Name]]; cr != nil {
		return d.mutateCloud(t, r, cr, w, peer)
	}
	if !d.mutable(w.Name) {
		if len(d.c.Approve) > 0 {
			return d.toggleApproval(t, r), nil
		}
		return "no change (" + w.Name + "'s cloud's rules are not changed by this test)", []string{w.Name, peer.Name}
	}
	src := netip.PrefixFrom(d.addr[peer.Name], 32)
	if r.IntN(2) == 0 {
		src = peer.Prefix
	}
	proto := []string{"-1", "tcp", "icmp"}[r.IntN(3)]
	ctx := t.Context()
	d.cur = []string{w.Name, peer.Name}
	var what string
	var err error
	switch x := r.IntN(100); {
	case x < 15 && len(d.c.Approve) > 0:
		return d.toggleApproval(t, r), nil
	case x < 30 && len(d.added) > 0:
		i := r.IntN(len(d.added))
		u := d.added[i]
		d.added = slices.Delete(d.added, i, i+1)
		what, err = "undo: "+u.what, u.do(ctx)
		if gone(err) {
			what, err = what+" (gone already: a revoke took it)", nil
		}
		w, peer = d.plan.Endpoint(u.ends[0]), d.plan.Endpoint(u.ends[1])
	case x < 50:
		what, err = d.authorize(ctx, w.Name, proto, src)
	case x < 60:
		what, err = d.revokeRule(ctx, r, w.Name)
	case x < 85:
		what, err = d.aclEntry(ctx, r, w.Name, proto, src)
	default:
		what, err = d.internetRoute(ctx, w, peer)
	}
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return what, []string{w.Name, peer.Name}
}

// pickPair draws a workload and another endpoint, preferring (nine draws
// in ten) a pair that reaches now, so that a change can block it.
func (d *fpLab) pickPair(t *testing.T, r *rand.Rand) (w, peer *intent.Endpoint) {
	t.Helper()
	// The changed end is a workload of a cloud whose rules the test
	// changes (AWS's security groups and network ACLs, Azure's NSGs,
	// GCP's firewalls); OCI's workloads are compared as peers. With none
	// (a lab on OCI alone), every workload, changed by approvals only.
	var ws, all []*intent.Endpoint
	for i := range d.plan.Endpoints {
		if e := &d.plan.Endpoints[i]; e.VPC != "" {
			all = append(all, e)
			if d.mutable(e.Name) {
				ws = append(ws, e)
			}
		}
	}
	if len(ws) == 0 {
		ws = all
	}
	for try := range 10 {
		w, peer = ws[r.IntN(len(ws))], &d.plan.Endpoints[r.IntN(len(d.plan.Endpoints))]
		if peer.Name == w.Name {
			continue
		}
		fp, err := d.api.FlightPath(t.Context(), api.FlightPathRequest{From: w.Name, To: peer.Name})
		if err != nil {
			t.Fatal(err)
		}
		if fp.Reachable || try == 9 || r.IntN(10) == 0 {
			return w, peer
		}
	}
	for peer.Name == w.Name {
		peer = &d.plan.Endpoints[r.IntN(len(d.plan.Endpoints))]
	}
	return w, peer
}

// mutable reports whether the test changes the rules of workload w's
// cloud: AWS's, or a cloud with cloudRules (Azure, GCP).
func (d *fpLab) mutable(w string) bool {
	return d.prov[w] == differential.AWS || d.crs[d.prov[w]] != nil
}

// duplicate reports whether err is the API's answer to a rule or route
// that exists already.
func duplicate(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "InvalidPermission.Duplicate" || ae.ErrorCode() == "RouteAlreadyExists" || ae.ErrorCode() == "NetworkAclEntryAlreadyExists")
}

// gone reports whether err is the API's answer to removing what is not
// there (a rule that a revoke of the group's rules took already).
func gone(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.HasSuffix(ae.ErrorCode(), ".NotFound")
}

// permission is an IP permission of protocol proto ("-1", "tcp" to
// fpPort, "icmp" every type) from src.
func permission(proto string, src netip.Prefix) ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: sdkaws.String(proto), IpRanges: []ec2types.IpRange{{CidrIp: sdkaws.String(src.String())}}}
	switch proto {
	case "tcp":
		p.FromPort, p.ToPort = sdkaws.Int32(fpPort), sdkaws.Int32(fpPort)
	case "icmp":
		p.FromPort, p.ToPort = sdkaws.Int32(-1), sdkaws.Int32(-1)
	}
	return p
}

// authorize adds an ingress rule to w's security group
// (aws ec2 authorize-security-group-ingress).
func (d *fpLab) authorize(ctx context.Context, w, proto string, src netip.Prefix) (string, error) {
	what := fmt.Sprintf("authorize %s %s from %s on %s (%s)", d.group[w], proto, src, w, "security group")
	out, err := d.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sdkaws.String(d.group[w]),
		IpPermissions: []ec2types.IpPermission{permission(proto, src)}})
	if duplicate(err) {
		return what + " (a duplicate)", nil
	}
	if err == nil && len(out.SecurityGroupRules) == 1 {
		id := sdkaws.ToString(out.SecurityGroupRules[0].SecurityGroupRuleId)
		d.added = append(d.added, undo{what: "revoke " + id, ends: d.cur, do: func(ctx context.Context) error {
			_, err := d.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sdkaws.String(d.group[w]), SecurityGroupRuleIds: []string{id}})
			return err
		}})
	}
	return what, err
}

// revokeRule revokes one of w's security group's ingress rules.
func (d *fpLab) revokeRule(ctx context.Context, r *rand.Rand, w string) (string, error) {
	out, err := d.ec2.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{
		{Name: sdkaws.String("group-id"), Values: []string{d.group[w]}}}})
	if err != nil {
		return "describe rules of " + d.group[w], err
	}
	var in []ec2types.SecurityGroupRule
	for _, x := range out.SecurityGroupRules {
		if !sdkaws.ToBool(x.IsEgress) {
			in = append(in, x)
		}
	}
	if len(in) == 0 {
		return fmt.Sprintf("nothing to revoke on %s's %s", w, d.group[w]), nil
	}
	x := in[r.IntN(len(in))]
	what := fmt.Sprintf("revoke %s (%s %s) of %s's %s", sdkaws.ToString(x.SecurityGroupRuleId), sdkaws.ToString(x.IpProtocol), sdkaws.ToString(x.CidrIpv4), w, d.group[w])
	_, err = d.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sdkaws.String(d.group[w]),
		SecurityGroupRuleIds: []string{sdkaws.ToString(x.SecurityGroupRuleId)}})
	return what, err
}

// aclEntry adds an entry (mostly a deny) numbered below the default
// allow (100) to the network ACL of w's subnet.
func (d *fpLab) aclEntry(ctx context.Context, r *rand.Rand, w, proto string, src netip.Prefix) (string, error) {
	out, err := d.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: sdkaws.String("association.subnet-id"), Values: []string{d.subnet[w]}}}})
	if err != nil || len(out.NetworkAcls) != 1 {
		return "describe the network ACL of " + d.subnet[w], errors.Join(err, fmt.Errorf("%d ACLs", len(out.NetworkAcls)))
	}
	acl := out.NetworkAcls[0]
	egress := r.IntN(2) == 0
	used := map[int32]bool{}
	for _, e := range acl.Entries {
		if sdkaws.ToBool(e.Egress) == egress {
			used[sdkaws.ToInt32(e.RuleNumber)] = true
		}
	}
	n := int32(1 + r.IntN(99))
	for used[n] {
		n = int32(1 + r.IntN(99))
	}
	action := ec2types.RuleActionDeny
	if r.IntN(4) == 0 {
		action = ec2types.RuleActionAllow
	}
	in := &ec2.CreateNetworkAclEntryInput{NetworkAclId: acl.NetworkAclId, RuleNumber: sdkaws.Int32(n), Egress: sdkaws.Bool(egress),
		RuleAction: action, CidrBlock: sdkaws.String(src.String()), Protocol: sdkaws.String(map[string]string{"-1": "-1", "tcp": "6", "icmp": "1"}[proto])}
	switch proto {
	case "tcp":
		in.PortRange = &ec2types.PortRange{From: sdkaws.Int32(fpPort), To: sdkaws.Int32(fpPort)}
	case "icmp":
		in.IcmpTypeCode = &ec2types.IcmpTypeCode{Type: sdkaws.Int32(-1), Code: sdkaws.Int32(-1)}
	}
	dir := map[bool]string{true: "outbound", false: "inbound"}[egress]
	what := fmt.Sprintf("%s %s rule %d: %s %s %s (%s's subnet)", sdkaws.ToString(acl.NetworkAclId), dir, n, action, proto, src, w)
	if _, err := d.ec2.CreateNetworkAclEntry(ctx, in); err != nil {
		return what, err
	}
	d.added = append(d.added, undo{what: "delete " + what, ends: d.cur, do: func(ctx context.Context) error {
		_, err := d.ec2.DeleteNetworkAclEntry(ctx, &ec2.DeleteNetworkAclEntryInput{NetworkAclId: acl.NetworkAclId, RuleNumber: sdkaws.Int32(n), Egress: sdkaws.Bool(egress)})
		return err
	}})
	return what, nil
}

// internetRoute sends peer's address, from w's subnet, to the VPC's
// internet gateway: past the learned route to the spoke's gateways
// (longest prefix), so the packets leave for the internet instead.
func (d *fpLab) internetRoute(ctx context.Context, w, peer *intent.Endpoint) (string, error) {
	if peer.VPC == w.VPC {
		return fmt.Sprintf("no route change (%s and %s share a VPC)", w.Name, peer.Name), nil
	}
	igws, err := d.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []ec2types.Filter{
		{Name: sdkaws.String("attachment.vpc-id"), Values: []string{d.vpc[w.Name]}}}})
	if err != nil {
		return "describe internet gateways", err
	}
	if len(igws.InternetGateways) == 0 {
		return fmt.Sprintf("no route change (%s's VPC has no internet gateway)", w.Name), nil
	}
	rts, err := d.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{
		{Name: sdkaws.String("association.subnet-id"), Values: []string{d.subnet[w.Name]}}}})
	if err != nil || len(rts.RouteTables) != 1 {
		return "describe the route table of " + d.subnet[w.Name], errors.Join(err, fmt.Errorf("%d tables", len(rts.RouteTables)))
	}
	rt, igw, dst := rts.RouteTables[0].RouteTableId, igws.InternetGateways[0].InternetGatewayId, netip.PrefixFrom(d.addr[peer.Name], 32).String()
	what := fmt.Sprintf("route %s -> %s in %s (%s's subnet)", dst, sdkaws.ToString(igw), sdkaws.ToString(rt), w.Name)
	_, err = d.ec2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt, DestinationCidrBlock: sdkaws.String(dst), GatewayId: igw})
	if duplicate(err) {
		return what + " (exists)", nil
	}
	if err == nil {
		d.added = append(d.added, undo{what: "delete " + what, ends: d.cur, do: func(ctx context.Context) error {
			_, err := d.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: rt, DestinationCidrBlock: sdkaws.String(dst)})
			return err
		}})
	}
	return what, err
}

// toggleApproval revokes one of the case's run-time approvals, or
// approves again one revoked, and waits for the route tables.
func (d *fpLab) toggleApproval(t *testing.T, r *rand.Rand) string {
	t.Helper()
	a := d.c.Approve[r.IntN(len(d.c.Approve))]
	verb := "revoke"
	if i := slices.Index(d.revoked, a); i >= 0 {
		verb = "approve"
		d.revoked = slices.Delete(d.revoked, i, i+1)
	} else {
		d.revoked = append(d.revoked, a)
	}
	if _, stderr, err := run(t, "routes", verb, a.Site, a.Prefix.String(), "--lab", d.lab, "--wait", "10s"); err != nil {
		t.Fatalf("routes %s %s %s: %v\n%s", verb, a.Site, a.Prefix, err, stderr)
	}
	d.settle(t)
	return fmt.Sprintf("routes %s %s %s", verb, a.Site, a.Prefix)
}

// learned returns the destinations of the learned routes (to an
// instance's interface: a spoke gateway's) in the route table of w's
// subnet.
func (d *fpLab) learned(t *testing.T, w string) map[netip.Prefix]bool {
	t.Helper()
	if d.prov[w] != differential.AWS {
		return d.learnedOf(t, w)
	}
	rts, err := d.ec2.DescribeRouteTables(t.Context(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{
		{Name: sdkaws.String("association.subnet-id"), Values: []string{d.subnet[w]}}}})
	if err != nil || len(rts.RouteTables) != 1 {
		t.Fatalf("describe the route table of %s: %v", d.subnet[w], err)
	}
	out := map[netip.Prefix]bool{}
	for _, rt := range rts.RouteTables[0].Routes {
		if p, err := netip.ParsePrefix(sdkaws.ToString(rt.DestinationCidrBlock)); err == nil && (rt.NetworkInterfaceId != nil || rt.InstanceId != nil) {
			out[p] = true
		}
	}
	return out
}

// approvedByTransit groups the API's approved routes by transit.
func approvedByTransit(as []api.ApprovedRoute) map[string][]topologies.ApprovedRoute {
	out := map[string][]topologies.ApprovedRoute{}
	for _, a := range as {
		out[a.Transit] = append(out[a.Transit], topologies.ApprovedRoute{Site: a.Site, Prefix: a.Prefix})
	}
	return out
}
