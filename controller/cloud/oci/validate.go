package oci

import (
	"errors"
	"fmt"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// maxNSGsPerVnic is how many NSGs a VNIC may be in.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/networksecuritygroups.htm — a VNIC can be in up to five NSGs
const maxNSGsPerVnic = 5

// OracleASN is the AS of Oracle's side of a FastConnect BGP session.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — Oracle's BGP ASN for the commercial cloud is 31898
const OracleASN = 31898

// validate checks d on its own, before any call: cloud.Validate's checks
// against the provider's capabilities, and what OCI's shapes need: at
// most five NSGs per VNIC, images for the image roles, no internet
// gateway route tables, and virtual interfaces (FastConnect private
// virtual circuits) as a cross-connect mapping takes them.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CrossConnectMapping — customerBgpPeeringIp and oracleBgpPeeringIp: IPv4 /28 to /31; vlan 100-16383
func (p *Provider) validate(d cloud.Desired) error {
	errs := []error{cloud.Validate(d, p.owner, p.Capabilities())}
	for _, v := range d.VPCs {
		if v.IngressRouting {
			errs = append(errs, fmt.Errorf("vpc %s: an internet gateway's route table is not made by the OCI provider yet", v.Key))
		}
		if v.Region != "" && p.region != "" && v.Region != p.region {
			errs = append(errs, fmt.Errorf("vpc %s: region %s, but this provider serves %s", v.Key, v.Region, p.region))
		}
	}
	for _, v := range d.VirtualInterfaces {
		if v.CloudASN != 0 && v.CloudASN != OracleASN {
			errs = append(errs, fmt.Errorf("virtual interface %s: CloudASN %d, but Oracle's side of FastConnect is AS %d", v.Key, v.CloudASN, OracleASN))
		}
		if b := v.CloudAddress.Bits(); !v.CloudAddress.Addr().Is4() || b < 28 || b > 31 {
			errs = append(errs, fmt.Errorf("virtual interface %s: address %s is not in an IPv4 /28 to /31, as a cross-connect mapping's BGP addresses are", v.Key, v.CloudAddress))
		}
		if v.VLAN < 100 {
			errs = append(errs, fmt.Errorf("virtual interface %s: VLAN %d, but a cross-connect mapping's VLAN is 100 to 16383", v.Key, v.VLAN))
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
