package gcp

import (
	"context"
	"net/netip"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var _ cloud.NetworkLister = (*Provider)(nil)

// Networks lists every VPC network of the project, the owner's and
// others', with its subnets' ranges (a GCP network has no range of its
// own: its subnets', primary and secondary, in every region).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks/aggregatedList — every subnet of the project; ipCidrRange and secondaryIpRanges
func (p *Provider) Networks(ctx context.Context) ([]cloud.Network, error) {
	var out []cloud.Network
	byLink := map[string]int{}
	err := p.svc.Networks.List(p.project).Pages(ctx, func(l *compute.NetworkList) error {
		for _, n := range l.Items {
			byLink[path(n.SelfLink)] = len(out)
			out = append(out, cloud.Network{ID: path(n.SelfLink), Name: n.Name, Region: "global",
				Key: word(n.Description, keyWord), Owner: word(n.Description, ownerWord)})
		}
		return nil
	})
	if err != nil {
		return nil, wrapList("networks", err)
	}
	err = p.svc.Subnetworks.AggregatedList(p.project).Pages(ctx, func(l *compute.SubnetworkAggregatedList) error {
		for _, scoped := range l.Items {
			for _, s := range scoped.Subnetworks {
				i, ok := byLink[path(s.Network)]
				if !ok {
					continue
				}
				ranges := []string{s.IpCidrRange}
				for _, r := range s.SecondaryIpRanges {
					ranges = append(ranges, r.IpCidrRange)
				}
				for _, r := range ranges {
					if pf, err := netip.ParsePrefix(r); err == nil {
						out[i].CIDRs = append(out[i].CIDRs, pf)
					}
				}
			}
		}
		return nil
	})
	return out, wrapList("subnetworks", err)
}
