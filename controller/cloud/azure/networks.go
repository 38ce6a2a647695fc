package azure

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var _ cloud.NetworkLister = (*Provider)(nil)

// Networks lists every virtual network of the subscription, the owner's
// and others', with its address space.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/virtual-networks/list-all — every VNet of the subscription; properties.addressSpace.addressPrefixes
func (p *Provider) Networks(ctx context.Context) ([]cloud.Network, error) {
	var out []cloud.Network
	err := each(ctx, "virtual networks", p.vnets.NewListAllPager(nil), func(pg armnetwork.VirtualNetworksClientListAllResponse) {
		for _, v := range pg.Value {
			n := cloud.Network{ID: str(v.ID), Name: str(v.Name), Region: str(v.Location), Group: groupOf(str(v.ID)),
				Key: str(v.Tags[cloud.TagKey]), Owner: str(v.Tags[cloud.TagOwner])}
			if pr := v.Properties; pr != nil && pr.AddressSpace != nil {
				for _, a := range pr.AddressSpace.AddressPrefixes {
					if pf := prefix(a); pf.IsValid() {
						n.CIDRs = append(n.CIDRs, pf)
					}
				}
			}
			out = append(out, n)
		}
	})
	return out, err
}
