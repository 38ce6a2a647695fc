package gcp

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// validate checks d on its own, before any call: cloud.Validate's checks
// against the provider's capabilities, and what GCP's shapes need: a
// network tag per security group and subnet fits an instance's 64 tags,
// the image roles have images, a virtual interface's addresses are
// link-local /29s with a Cloud Router's ASN.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnectAttachments — candidateSubnets: /29s in 169.254.0.0/16
// GCP: https://cloud.google.com/vpc/docs/add-remove-network-tags — up to 64 tags per instance
func (p *Provider) validate(d cloud.Desired) error {
	errs := []error{cloud.Validate(d, p.owner, p.Capabilities())}
	for _, v := range d.VirtualInterfaces {
		if v.CloudASN == 0 {
			errs = append(errs, fmt.Errorf("virtual interface %s: no CloudASN: a VLAN attachment's BGP ends on a Cloud Router of the owner's, whose ASN it needs", v.Key))
		}
		if !netip.MustParsePrefix("169.254.0.0/16").Contains(v.CloudAddress.Addr()) || v.CloudAddress.Bits() != 29 {
			errs = append(errs, fmt.Errorf("virtual interface %s: address %s is not in a /29 of 169.254.0.0/16, as an attachment's BGP addresses are", v.Key, v.CloudAddress))
		}
	}
	for _, i := range d.Instances {
		if len(i.SecurityGroups)+1 > 64 {
			errs = append(errs, fmt.Errorf("instance %s: %d security groups, but a GCP instance takes 64 network tags, one its subnet's", i.Key, len(i.SecurityGroups)))
		}
		if _, ok := p.images[i.Image]; !ok && i.Image != "" {
			errs = append(errs, fmt.Errorf("instance %s: no image for role %s (WithImages)", i.Key, i.Image))
		}
	}
	return errors.Join(errs...)
}
