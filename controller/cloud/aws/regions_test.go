package aws_test

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/aws"
)

// twoRegions is lab() (in the home region) and a VPC in eu-west-1 with a
// gateway holding an elastic IP.
func twoRegions() cloud.Desired {
	d := lab()
	d.VPCs = append(d.VPCs, cloud.VPC{Key: "eu-vpc", Region: "eu-west-1", CIDR: pfx("10.2.0.0/16"), Internet: true,
		Subnets: []cloud.Subnet{{Key: "eu-vpc/gw", CIDR: pfx("10.2.1.0/24")}}})
	d.SecurityGroups = append(d.SecurityGroups, cloud.SecurityGroup{Key: "eu-gw", VPC: "eu-vpc",
		Ingress: []cloud.Rule{{Protocol: cloud.ProtocolAll, Source: pfx("10.0.0.0/8")}}})
	d.Instances = append(d.Instances, cloud.Instance{Key: "gw2", VPC: "eu-vpc", Subnet: "eu-vpc/gw", PrivateIP: netip.MustParseAddr("10.2.1.10"),
		Image: cloud.ImageGateway, SecurityGroups: []string{"eu-gw"}, PublicIP: true})
	d.Routes = append(d.Routes, cloud.Route{Subnet: "eu-vpc/gw", Destination: pfx("0.0.0.0/0"), Target: cloud.TargetInternet})
	return d
}

// vpcKeys lists the owner's VPC keys that a client of region sees.
func vpcKeys(t *testing.T, e *env, region string) []string {
	t.Helper()
	out, err := e.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}, func(o *ec2.Options) { o.Region = region })
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, v := range out.Vpcs {
		for _, tg := range v.Tags {
			if sdkaws.ToString(tg.Key) == aws.TagKey {
				keys = append(keys, sdkaws.ToString(tg.Value))
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// A Regional makes each VPC, with what it holds, in its own region, syncs
// a subnet's routes in the subnet's region, is idempotent across regions,
// and empties a region that no longer holds a VPC.
func TestRegional(t *testing.T) {
	e := newEnv(t)
	r := aws.NewRegional(e.cfg, owner, cloud.Desired{})
	d := twoRegions()
	inv, calls, err := r.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.VPCs) != 2 || len(inv.Instances) != 3 || !inv.Instances["gw2"].PublicIP.IsValid() {
		t.Fatalf("inventory %+v, want both regions' VPCs and instances, gw2 with an elastic IP", inv)
	}
	if got := r.Regions(); !slices.Equal(got, []string{"us-east-1", "eu-west-1"}) {
		t.Errorf("regions %v, want the home region first", got)
	}
	// The home region's calls come first, then eu-west-1's.
	first := slices.IndexFunc(calls, func(c cloud.Call) bool { return strings.HasPrefix(c.Object, "eu-") })
	if first < 0 || slices.ContainsFunc(calls[first:], func(c cloud.Call) bool { return strings.HasPrefix(c.Object, "prod-") }) {
		t.Errorf("calls %v, want us-east-1's then eu-west-1's", strs(calls))
	}
	if got := vpcKeys(t, e, "us-east-1"); !slices.Equal(got, []string{"prod-vpc"}) {
		t.Errorf("us-east-1 lists %v, want prod-vpc", got)
	}
	if got := vpcKeys(t, e, "eu-west-1"); !slices.Equal(got, []string{"eu-vpc"}) {
		t.Errorf("eu-west-1 lists %v, want eu-vpc", got)
	}
	if _, calls, err := r.Apply(ctx, d); err != nil || len(calls) != 0 {
		t.Errorf("second apply made %v, %v; want nothing", strs(calls), err)
	}
	obs, err := r.Observe(ctx)
	if err != nil || !reflect.DeepEqual(obs, inv) {
		t.Errorf("Observe = %+v, %v; want %+v", obs, err, inv)
	}

	// A fresh Regional knows eu-vpc/gw's region from the desired state it
	// is made with, before any Apply.
	r2 := aws.NewRegional(e.cfg, owner, d)
	sc, err := r2.SyncRoutes(ctx, "eu-vpc/gw", map[netip.Prefix]string{pfx("10.9.0.0/16"): "gw2"})
	if err != nil || len(sc) != 1 || sc[0].Action != "CreateRoute" {
		t.Errorf("SyncRoutes in eu-west-1 = %v, %v; want one CreateRoute", strs(sc), err)
	}

	// One region's Provider refuses another region's VPC.
	if _, err := e.p.Plan(ctx, d); err == nil || !strings.Contains(err.Error(), "eu-west-1") {
		t.Errorf("us-east-1 provider's Plan of an eu-west-1 VPC: %v, want refused", err)
	}

	// Without eu-vpc, its region is emptied of the owner's objects.
	if _, _, err := r.Apply(ctx, lab()); err != nil {
		t.Fatal(err)
	}
	if got := vpcKeys(t, e, "eu-west-1"); len(got) != 0 {
		t.Errorf("eu-west-1 still lists %v", got)
	}
	if got := vpcKeys(t, e, "us-east-1"); !slices.Equal(got, []string{"prod-vpc"}) {
		t.Errorf("us-east-1 lists %v, want prod-vpc", got)
	}
}
