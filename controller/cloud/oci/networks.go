package oci

import (
	"context"
	"net/netip"

	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var _ cloud.NetworkLister = (*Provider)(nil)

// Networks lists every VCN of the compartment, the owner's and others',
// with all its CIDR blocks (a VCN may have several) and its IPv6 blocks.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Vcn/ListVcns — cidrBlocks, ipv6CidrBlocks, freeformTags
func (p *Provider) Networks(ctx context.Context) ([]cloud.Network, error) {
	if exists, err := p.useCompartment(ctx, false); err != nil || !exists {
		return nil, err
	}
	var out []cloud.Network
	err := pages(ctx, "vcns", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListVcns(ctx, core.ListVcnsRequest{CompartmentId: &p.compartment, Page: page})
		for _, v := range r.Items {
			if !live(string(v.LifecycleState)) {
				continue
			}
			n := cloud.Network{ID: str(v.Id), Name: str(v.DisplayName), Region: p.region,
				Key: v.FreeformTags[cloud.TagKey], Owner: v.FreeformTags[cloud.TagOwner]}
			for _, c := range append(append([]string{}, v.CidrBlocks...), v.Ipv6CidrBlocks...) {
				if pf, err := netip.ParsePrefix(c); err == nil {
					n.CIDRs = append(n.CIDRs, pf)
				}
			}
			out = append(out, n)
		}
		return r.OpcNextPage, err
	})
	return out, err
}
