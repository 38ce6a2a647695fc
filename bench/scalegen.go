package bench

import (
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/topologies"
)

// MaxScaleSpokes bounds GenerateTransit: spoke i's VPC is the /24
// 10.(128+i/256).(i%256).0, so 10.128.0.0/9 holds 32,768 of them.
const MaxScaleSpokes = 32768

// ScaleAccount is the generated topology's one AWS account.
const ScaleAccount = "aws-lab"

// GenerateTransit builds the transit-with-n-spokes topology of `mcnlab
// bench scale`: one AWS account with credentials lab, a transit (AS 65000)
// in 10.10.0.0/16, and n spoke VPCs sp0..sp{n-1}, each a /24 from
// 10.128.0.0/9 with a gateway subnet (.0/26), an app subnet (.64/26) and one
// workload w<i> at .74 that admits everything. ha makes the transit and
// every spoke a gateway pair. No domains: every workload reaches every
// other through the transit. The account's quotas are raised to what the
// topology needs (VPCs, internet gateways and elastic IPs per region,
// routes per route table: each spoke's tables hold the other spokes'
// CIDRs).
func GenerateTransit(lab string, n int, ha bool) (*topologies.Topology, error) {
	if n < 1 || n > MaxScaleSpokes {
		return nil, fmt.Errorf("generate transit: %d spokes; want 1 to %d", n, MaxScaleSpokes)
	}
	gws := 1
	if ha {
		gws = 2
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html — VPCs, internet
	// gateways and routes per route table are adjustable quotas; the default VPC counts.
	vpcs := max(n+2, 5) // a quota can only be raised above AWS's default
	cl := &topologies.Cloud{
		Accounts: []*topologies.Account{{Name: ScaleAccount, Provider: topologies.ProviderAWS, Credentials: "lab",
			Quotas: []*topologies.QuotaValue{
				{Key: "vpcs-per-region", Value: vpcs},
				{Key: "internet-gateways-per-region", Value: vpcs},
				{Key: "elastic-ips-per-region", Value: max((n+1)*gws, 5)},
				{Key: "routes-per-route-table", Value: max(50, n+10)},
			}}},
		VPCs: []*topologies.VPC{{Name: "transit-vpc", Account: ScaleAccount, Region: "us-east-1",
			CIDR:    netip.MustParsePrefix("10.10.0.0/16"),
			Subnets: []*topologies.Subnet{{Name: "gw", CIDR: netip.MustParsePrefix("10.10.1.0/24")}}}},
		Transits: []*topologies.Transit{{Name: "transit", VPC: "transit-vpc", Subnet: "gw", ASN: 65000, HA: ha,
			Approval: topologies.Approval{Mode: topologies.ApprovalAuto}}},
	}
	for i := range n {
		cidr := ScaleSpokeCIDR(i)
		base := cidr.Addr().As4()
		at := func(last byte) netip.Addr { a := base; a[3] = last; return netip.AddrFrom4(a) }
		v := &topologies.VPC{Name: fmt.Sprintf("sp%d-vpc", i), Account: ScaleAccount, Region: "us-east-1", CIDR: cidr,
			Subnets: []*topologies.Subnet{
				{Name: "gw", CIDR: netip.PrefixFrom(at(0), 26)},
				{Name: "app", CIDR: netip.PrefixFrom(at(64), 26)},
			},
			Workloads: []*topologies.Workload{{Name: ScaleWorkload(i), Subnet: "app", Address: at(74)}},
		}
		cl.VPCs = append(cl.VPCs, v)
		cl.Spokes = append(cl.Spokes, &topologies.Spoke{Name: fmt.Sprintf("sp%d", i), VPC: v.Name, Subnet: "gw",
			Transit: "transit", HA: ha})
	}
	return &topologies.Topology{Name: lab, Version: topologies.FormatVersion, Defaults: topologies.Defaults{MTU: 1500}, Cloud: cl}, nil
}

// ScaleSpokeCIDR is spoke i's VPC range in GenerateTransit's topology.
func ScaleSpokeCIDR(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(128 + i/256), byte(i % 256), 0}), 24)
}

// ScaleWorkload is the name of spoke i's workload.
func ScaleWorkload(i int) string { return fmt.Sprintf("w%d", i) }
