package oci

import (
	"errors"
	"fmt"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// maxNSGsPerVnic is how many NSGs a VNIC may be in.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm — a VNIC can be in up to five NSGs
const maxNSGsPerVnic = 5

// validate checks d on its own, before any call: cloud.Validate's checks
// against the provider's capabilities, and what OCI's shapes need: at
// most five NSGs per VNIC, images for the image roles, no private lines
// (FastConnect) and no internet gateway route tables.
func (p *Provider) validate(d cloud.Desired) error {
	errs := []error{cloud.Validate(d, p.owner, p.Capabilities())}
	for _, v := range d.VPCs {
		if v.PrivateLines {
			errs = append(errs, fmt.Errorf("vpc %s: private lines (FastConnect) are not made by the OCI provider yet", v.Key))
		}
		if v.IngressRouting {
			errs = append(errs, fmt.Errorf("vpc %s: an internet gateway's route table is not made by the OCI provider yet", v.Key))
		}
		if v.Region != "" && p.region != "" && v.Region != p.region {
			errs = append(errs, fmt.Errorf("vpc %s: region %s, but this provider serves %s", v.Key, v.Region, p.region))
		}
	}
	for _, i := range d.Instances {
		if len(i.SecurityGroups) > maxNSGsPerVnic {
			errs = append(errs, fmt.Errorf("instance %s: %d security groups, but an OCI VNIC is in at most %d NSGs", i.Key, len(i.SecurityGroups), maxNSGsPerVnic))
		}
		if _, ok := p.images[i.Image]; !ok && i.Image != "" {
			errs = append(errs, fmt.Errorf("instance %s: no image for role %s (WithImages)", i.Key, i.Image))
		}
	}
	return errors.Join(errs...)
}
