package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/cloudmock/realize"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
)

// EffectResult is the time from an API call to its dataplane effect: the
// SDK call's duration when the API answers only once the change is in force
// (cloudmock with a realizer), next to the same call against the model alone.
type EffectResult struct {
	Changes     int     `json:"changes"` // of each kind, on each server
	RouteModel  Latency `json:"route_model_only"`
	RouteInLab  Latency `json:"route_in_force"`
	SGModel     Latency `json:"security_group_model_only"`
	SGInLab     Latency `json:"security_group_in_force"`
	PingAfterSG bool    `json:"ping_after_sg"` // the first ping after allowing ICMP was answered
}

// Latency is a distribution of call times in milliseconds.
type Latency struct {
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

func latencyOf(d []time.Duration) Latency {
	slices.Sort(d)
	if len(d) == 0 {
		return Latency{}
	}
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	return Latency{P50: ms(d[len(d)/2]), P99: ms(d[len(d)*99/100]), Max: ms(d[len(d)-1])}
}

// APIEffect measures n route changes (a route to an instance, added and
// removed) and n security group changes (a rule on a group of 8 instances,
// added and removed) through the AWS SDK, against a model-only cloudmock and
// against one realized in lab's namespaces. It needs root.
func APIEffect(ctx context.Context, lab string, n int) (*EffectResult, error) {
	res := &EffectResult{Changes: 2 * n}
	var err error
	if res.RouteModel, res.SGModel, _, err = effectRun(ctx, "", n); err != nil {
		return nil, err
	}
	if res.RouteInLab, res.SGInLab, res.PingAfterSG, err = effectRun(ctx, lab, n); err != nil {
		return nil, err
	}
	return res, nil
}

func effectRun(ctx context.Context, lab string, n int) (route, sg Latency, pinged bool, err error) {
	const key, secret = "AKIDMCNLABEFFECT", "mcnlab-effect-secret"
	cloud := model.New()
	var h http.Handler = cmaws.New(cloud, cmaws.Config{Region: "us-east-1", Credentials: []cmaws.Credential{{AccountID: "111122223333", AccessKeyID: key, SecretAccessKey: secret}}})
	if lab != "" {
		r, err := realize.New(ctx, cloud, realize.Options{Lab: lab})
		if err != nil {
			return route, sg, false, err
		}
		defer r.Close()
		h = r.InForce(h)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return route, sg, false, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	c := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String("http://" + ln.Addr().String()),
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""), RetryMaxAttempts: 1})

	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.30.0.0/16")})
	if err != nil {
		return route, sg, false, fmt.Errorf("create vpc: %w", err)
	}
	g, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc.Vpc.VpcId, GroupName: sdkaws.String("bench"), Description: sdkaws.String("bench")})
	if err != nil {
		return route, sg, false, fmt.Errorf("create security group: %w", err)
	}
	var insts []types.Instance
	for i := range 4 {
		s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: sdkaws.String(fmt.Sprintf("10.30.%d.0/24", i+1))})
		if err != nil {
			return route, sg, false, fmt.Errorf("create subnet: %w", err)
		}
		run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String("ami-12345678"), MinCount: sdkaws.Int32(2), MaxCount: sdkaws.Int32(2),
			SubnetId: s.Subnet.SubnetId, SecurityGroupIds: []string{*g.GroupId}})
		if err != nil {
			return route, sg, false, fmt.Errorf("run instances: %w", err)
		}
		insts = append(insts, run.Instances...)
	}
	rt, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{*vpc.Vpc.VpcId}}}})
	if err != nil || len(rt.RouteTables) == 0 {
		return route, sg, false, fmt.Errorf("main route table: %v", err)
	}
	rtID := rt.RouteTables[0].RouteTableId
	icmp := []types.IpPermission{{IpProtocol: sdkaws.String("icmp"), FromPort: sdkaws.Int32(-1), ToPort: sdkaws.Int32(-1), IpRanges: []types.IpRange{{CidrIp: sdkaws.String("10.30.0.0/16")}}}}
	var rts, sgs []time.Duration
	for i := range 2 * n {
		t0 := time.Now()
		if i%2 == 0 {
			_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rtID, DestinationCidrBlock: sdkaws.String("10.30.4.128/25"), InstanceId: insts[6].InstanceId})
		} else {
			_, err = c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: rtID, DestinationCidrBlock: sdkaws.String("10.30.4.128/25")})
		}
		if err != nil {
			return route, sg, false, fmt.Errorf("route change: %w", err)
		}
		rts = append(rts, time.Since(t0))
		t0 = time.Now()
		if i%2 == 0 {
			_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: icmp})
		} else {
			_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: icmp})
		}
		if err != nil {
			return route, sg, false, fmt.Errorf("security group change: %w", err)
		}
		sgs = append(sgs, time.Since(t0))
	}
	if lab != "" {
		// The rule is in force when the call returns: one ping, no retry.
		if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: icmp}); err != nil {
			return route, sg, false, err
		}
		ns := emulator.InstanceNamespace(lab, *insts[0].InstanceId)
		if p, err := probe.NewPinger(ns); err == nil {
			_, perr := p.Ping(netip.MustParseAddr(*insts[3].PrivateIpAddress), 1, 2*time.Second)
			pinged = perr == nil
			p.Close()
		}
	}
	return latencyOf(rts), latencyOf(sgs), pinged, nil
}
