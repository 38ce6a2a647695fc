package aws

import (
	"net/http"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Rejecting a peering request, and each side's peering options.

func init() {
	register("RejectVpcPeeringConnection", rejectVpcPeeringConnection)
	register("ModifyVpcPeeringConnectionOptions", modifyVpcPeeringConnectionOptions)
}

// xmlPeeringOptions are one side's options as EC2 shows them.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcPeeringConnectionOptionsDescription.html — allowDnsResolutionFromRemoteVpc, allowEgressFromLocalClassicLinkToRemoteVpc, allowEgressFromLocalVpcToRemoteClassicLink
type xmlPeeringOptions struct {
	DNSFromRemote    bool `xml:"allowDnsResolutionFromRemoteVpc"`
	ClassicLinkToVpc bool `xml:"allowEgressFromLocalClassicLinkToRemoteVpc"`
	VpcToClassicLink bool `xml:"allowEgressFromLocalVpcToRemoteClassicLink"`
}

func peeringOptions(s model.PeeringSide) *xmlPeeringOptions {
	return &xmlPeeringOptions{DNSFromRemote: s.DNSFromRemote}
}

// errPeeringState answers a peering that is not in a state for the call.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidStateTransition: the VPC peering connection is not in the correct state for the request
func errPeeringState(id string, p model.Peering) *apiError {
	return &apiError{Code: "InvalidStateTransition", Status: http.StatusBadRequest,
		Message: "Invalid state transition for " + clip(id) + ", attempted to transition from " + string(p.State) + " to rejected"}
}

// rejectVpcPeeringConnection rejects a pending request, as its accepter.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RejectVpcPeeringConnection.html — VpcPeeringConnectionId; return true
func rejectVpcPeeringConnection(h *Handler, c *call) (response, error) {
	id, err := c.form.required("VpcPeeringConnectionId")
	if err != nil {
		return nil, err
	}
	for _, p := range h.cloud.Peerings(c.account) {
		if p.ID != id {
			continue
		}
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AcceptVpcPeeringConnection.html — an inter-Region request is accepted or rejected in the Region of the accepter VPC
		if h.regionOf(p.AccepterRegion) != c.region {
			return nil, &apiError{Code: "OperationNotPermitted", Status: http.StatusBadRequest,
				Message: "The VPC peering connection " + clip(id) + " must be accepted or rejected in region " + h.regionOf(p.AccepterRegion)}
		}
		if p.AccepterAccount != c.account {
			return nil, &apiError{Code: "OperationNotPermitted", Status: http.StatusBadRequest,
				Message: "The VPC peering connection " + clip(id) + " can only be rejected by its accepter, account " + p.AccepterAccount}
		}
		if p.State != model.PeeringPendingAcceptance {
			return nil, errPeeringState(id, p)
		}
	}
	if _, err := h.cloud.RejectPeering(c.account, id); err != nil {
		return nil, err
	}
	return ok()
}

type modifyPeeringOptionsResp struct {
	meta
	Requester *xmlPeeringOptions `xml:"requesterPeeringConnectionOptions,omitempty"`
	Accepter  *xmlPeeringOptions `xml:"accepterPeeringConnectionOptions,omitempty"`
}

// modifyVpcPeeringConnectionOptions sets AllowDnsResolutionFromRemoteVpc
// of the requester's or the accepter's side of an active peering; each
// side's owner sets its own.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcPeeringConnectionOptions.html — RequesterPeeringConnectionOptions, AccepterPeeringConnectionOptions; the connection must be active; the owner of each VPC modifies its side
// AWS: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-dns.html — DNS resolution from the remote VPC
func modifyVpcPeeringConnectionOptions(h *Handler, c *call) (response, error) {
	id, err := c.form.required("VpcPeeringConnectionId")
	if err != nil {
		return nil, err
	}
	var p model.Peering
	found := false
	for _, q := range h.cloud.Peerings(c.account) {
		if q.ID == id {
			p, found = q, true
		}
	}
	if !found {
		return nil, notFoundError(id)
	}
	if p.State != model.PeeringActive {
		return nil, &apiError{Code: "OperationNotPermitted", Status: http.StatusBadRequest,
			Message: "Peering connection " + clip(id) + " is not active; its options can be modified only when it is active."}
	}
	r := &modifyPeeringOptionsResp{}
	for _, side := range []struct {
		param, account, network string
		cur                     model.PeeringSide
		out                     **xmlPeeringOptions
	}{{"RequesterPeeringConnectionOptions.", p.RequesterAccount, p.RequesterNetworkID, p.RequesterSide, &r.Requester},
		{"AccepterPeeringConnectionOptions.", p.AccepterAccount, p.AccepterNetworkID, p.AccepterSide, &r.Accepter}} {
		v, err := c.form.boolp(side.param + "AllowDnsResolutionFromRemoteVpc")
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		if side.account != c.account {
			return nil, &apiError{Code: "OperationNotPermitted", Status: http.StatusBadRequest,
				Message: "The " + side.param[:len(side.param)-len("PeeringConnectionOptions.")] + " options of " + clip(id) + " are set by account " + side.account}
		}
		next := side.cur
		next.DNSFromRemote = *v
		if err := h.cloud.SetPeeringSide(c.account, id, side.network, next); err != nil {
			return nil, err
		}
		*side.out = peeringOptions(next)
	}
	return r, nil
}
