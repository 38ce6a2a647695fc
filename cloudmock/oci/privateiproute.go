package oci

import (
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// privateIPPrefix starts every private IP's OCID (privateIPID).
const privateIPPrefix = "ocid1.privateip."

// isPrivateIP reports whether a route rule's networkEntityId names a
// private IP.
func isPrivateIP(id string) bool { return strings.HasPrefix(id, privateIPPrefix) }

// privateIPTarget is the model target of a route rule to a private IP:
// its VNIC, which must skip the source/destination check, as a forwarding
// instance's does.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm#privateip — a private IP as a route target; its VNIC must skip the source/destination check
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPaddresses.htm#privateip — Using a Private IP as a Route Target
func (s *Server) privateIPTarget(tenancy, id string) (model.Target, *apiError) {
	e, _, ok := s.findPrivateIP(tenancy, id)
	if !ok {
		return model.Target{}, invalid("networkEntityId '%s' is not a private IP of the tenancy", clip(id))
	}
	if e.SourceDestCheck {
		return model.Target{}, invalid("The private IP %s cannot be a route target: its VNIC %s does not skip the source/destination check (skipSourceDestCheck)", id, e.ID)
	}
	return model.Target{Kind: model.TargetNetworkInterface, ID: e.ID}, nil
}

// privateIPOf is the OCID a route to a VNIC shows: its primary private
// IP's (the model routes to the VNIC, whichever of its addresses a rule
// named).
func (s *Server) privateIPOf(tenancy, vnicID string) string {
	for _, e := range s.cloud.NetworkInterfaces(tenancy) {
		if e.ID == vnicID && e.PrivateIP.IsValid() {
			return privateIPID(e.Region, e.ID, e.PrivateIP)
		}
	}
	return vnicID
}
