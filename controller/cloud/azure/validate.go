package azure

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// subnetNameRE is the shape of a subnet name in its VNet.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules#microsoftnetwork — subnets: 1-80 alphanumerics, underscores, periods and hyphens; start with alphanumeric, end with alphanumeric or underscore
var subnetNameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$`)

// validate checks d on its own, before any call: cloud.Validate's checks
// against the provider's capabilities, and what Azure's shapes need:
// subnet keys VNETKEY/NAME, one security group per instance (a NIC has
// one NSG), private lines' peerings as ExpressRoute's (validateLines).
func (p *Provider) validate(d cloud.Desired) error {
	errs := append([]error{cloud.Validate(d, p.owner, p.Capabilities())}, validateLines(d)...)
	for _, v := range d.VPCs {
		for _, s := range v.Subnets {
			if name, ok := strings.CutPrefix(s.Key, v.Key+"/"); !ok || !subnetNameRE.MatchString(name) {
				errs = append(errs, fmt.Errorf("subnet %s: an Azure subnet's key is its VNet's key, '/' and a subnet name (1-80 of letters, digits, '_', '.', '-'), such as %s/app", s.Key, v.Key))
			}
		}
	}
	for _, i := range d.Instances {
		if len(i.SecurityGroups) > 1 {
			errs = append(errs, fmt.Errorf("instance %s: %d security groups, but an Azure network interface has one network security group", i.Key, len(i.SecurityGroups)))
		}
		if _, ok := p.images[i.Image]; !ok && i.Image != "" {
			errs = append(errs, fmt.Errorf("instance %s: no image for role %s (WithImages)", i.Key, i.Image))
		}
	}
	return errors.Join(errs...)
}
