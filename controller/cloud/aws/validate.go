package aws

import (
	"errors"
	"fmt"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// validate checks d on its own, before any call: cloud.Validate's checks
// against the provider's capabilities, and that every VPC is in the
// provider's region.
func (p *Provider) validate(d cloud.Desired) error {
	errs := []error{cloud.Validate(d, p.owner, p.Capabilities())}
	for _, v := range d.VPCs {
		if v.Region != "" && p.region != "" && v.Region != p.region {
			errs = append(errs, fmt.Errorf("vpc %s: is in region %s, but this provider serves %s (use NewRegional for several regions)", v.Key, v.Region, p.region))
		}
	}
	for _, i := range d.Instances {
		if p.imageID(i.Image) == "" && i.Image != "" {
			errs = append(errs, fmt.Errorf("instance %s: no AMI for image role %s (WithImages)", i.Key, i.Image))
		}
	}
	return errors.Join(errs...)
}
