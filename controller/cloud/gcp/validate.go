package gcp

import (
	"errors"
	"fmt"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// validate checks d on its own, before any call: cloud.Validate's checks
// against the provider's capabilities, and what GCP's shapes need: a
// network tag per security group and subnet fits an instance's 64 tags,
// the image roles have images, no private lines.
// GCP: https://cloud.google.com/vpc/docs/add-remove-network-tags — up to 64 tags per instance
func (p *Provider) validate(d cloud.Desired) error {
	errs := []error{cloud.Validate(d, p.owner, p.Capabilities())}
	for _, v := range d.VPCs {
		if v.PrivateLines {
			errs = append(errs, fmt.Errorf("vpc %s: private lines (Interconnect) are not made by the GCP provider yet", v.Key))
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
