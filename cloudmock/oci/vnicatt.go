package oci

import (
	"net/http"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// vnicAttachment is a VnicAttachment on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/VnicAttachment/ — VnicAttachment: instanceId, vnicId, subnetId, nicIndex, availabilityDomain; ATTACHING, ATTACHED, DETACHING, DETACHED
type vnicAttachment struct {
	shared
	AvailabilityDomain string `json:"availabilityDomain"`
	InstanceID         string `json:"instanceId"`
	VnicID             string `json:"vnicId"`
	SubnetID           string `json:"subnetId"`
	NicIndex           int    `json:"nicIndex"`
}

// attachVnic is AttachVnicDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/AttachVnicDetails — createVnicDetails, instanceId, displayName, nicIndex
type attachVnic struct {
	CreateVnicDetails *vnicDetails `json:"createVnicDetails"`
	InstanceID        string       `json:"instanceId"`
	DisplayName       *string      `json:"displayName"`
	NicIndex          *int         `json:"nicIndex"`
}

// attachmentStates are a VNIC attachment's names of the lifecycle states.
var attachmentStates = map[string]string{stateProvisioning: "ATTACHING", stateAvailable: "ATTACHED", stateTerminating: "DETACHING", stateTerminated: "DETACHED"}

func (s *Server) vnicAttachments() *kind {
	return &kind{noun: "VnicAttachment", get: s.getVnicAtt, create: s.attachVnic, remove: s.detachVnic, states: attachmentStates,
		update: func(q *request, id string) *apiError {
			return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "A VNIC attachment cannot be updated")
		},
		list: func(tenancy string) []resource {
			var out []resource
			for _, e := range s.cloud.NetworkInterfaces(tenancy) {
				if e.InstanceID != "" && e.Attachment.ID != "" {
					out = append(out, s.attachmentOut(e))
				}
			}
			return out
		},
		// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/VnicAttachment/ListVnicAttachments — compartmentId; availabilityDomain, instanceId and vnicId filter
		match: func(q *request, r resource) bool {
			a, qv := r.(*vnicAttachment), q.URL.Query()
			return (!qv.Has("instanceId") || a.InstanceID == qv.Get("instanceId")) && (!qv.Has("vnicId") || a.VnicID == qv.Get("vnicId")) &&
				(!qv.Has("availabilityDomain") || a.AvailabilityDomain == qv.Get("availabilityDomain"))
		}}
}

// vnicOfAttachment is the VNIC an attachment attaches.
func (s *Server) vnicOfAttachment(tenancy, id string) (model.NetworkInterface, bool) {
	for _, e := range s.cloud.NetworkInterfaces(tenancy) {
		if e.InstanceID != "" && e.Attachment.ID == id {
			return e, true
		}
	}
	return model.NetworkInterface{}, false
}

func (s *Server) getVnicAtt(tenancy, id string) (resource, bool) {
	e, ok := s.vnicOfAttachment(tenancy, id)
	if !ok {
		return nil, false
	}
	return s.attachmentOut(e), true
}

// attachmentOut is a VNIC's attachment, in its instance's compartment.
func (s *Server) attachmentOut(e model.NetworkInterface) *vnicAttachment {
	out := &vnicAttachment{shared: shared{ID: e.Attachment.ID, CompartmentID: e.Scope, DisplayName: e.Attrs[attrAttName],
		TimeCreated: e.Attrs[attrCreated], FreeformTags: map[string]string{}, DefinedTags: map[string]map[string]any{}},
		AvailabilityDomain: e.Attrs[attrAD], InstanceID: e.InstanceID, VnicID: e.ID, SubnetID: e.SubnetID, NicIndex: e.Attachment.DeviceIndex}
	if i, err := s.cloud.Instance(e.Account, e.InstanceID); err == nil {
		out.CompartmentID = i.Scope
	}
	return out
}

// attachVnicTo makes a secondary VNIC and attaches it to a running or
// stopped instance, in the instance's availability domain.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVNICs.htm — a secondary VNIC is in a subnet of a VCN in the instance's availability domain; the VNIC is created with the attachment
func (s *Server) attachVnic(q *request) (string, *apiError) {
	var d attachVnic
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	if d.InstanceID == "" || d.CreateVnicDetails == nil {
		return "", fail(http.StatusBadRequest, codeMissingParameter, "instanceId and createVnicDetails are required")
	}
	i, err := s.cloud.Instance(q.tenancy, d.InstanceID)
	if err != nil || i.State == model.InstanceTerminated {
		return "", notFound("Instance", d.InstanceID)
	}
	p, aerr := s.planVnic(q, *d.CreateVnicDetails, i.Attrs[attrAD])
	if aerr != nil {
		return "", aerr
	}
	index := len(mustInterfaces(s.cloud, q.tenancy, i.ID))
	if d.NicIndex != nil {
		index = *d.NicIndex
	}
	// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/AttachVnicDetails — nicIndex: the physical network interface card, 0 or 1 on shapes with two
	if index < 1 {
		return "", invalid("nicIndex %d: index 0 is the primary VNIC's", index)
	}
	e, err := s.cloud.CreateNetworkInterfaceAt(q.tenancy, model.Place{Scope: i.Scope}, p.spec(i.Scope))
	if err != nil {
		return "", fromModel(err)
	}
	att, err := s.cloud.AttachNetworkInterface(q.tenancy, e.ID, i.ID, index)
	if err != nil {
		_ = s.cloud.DeleteNetworkInterface(q.tenancy, e.ID)
		return "", fromModel(err)
	}
	if err := s.finishVnic(q, e.ID, i.Scope, i.Attrs[attrAD], *d.CreateVnicDetails, p); err != nil {
		_ = s.cloud.DetachNetworkInterface(q.tenancy, att, true)
		_ = s.cloud.DeleteNetworkInterface(q.tenancy, e.ID)
		return "", err
	}
	if d.DisplayName != nil {
		_ = s.cloud.SetAttrs(q.tenancy, e.ID, map[string]string{attrAttName: *d.DisplayName})
	}
	s.state.created(e.ID)
	return att, nil
}

// mustInterfaces is an instance's VNICs (none when it is gone).
func mustInterfaces(c *model.Cloud, tenancy, id string) []model.NetworkInterface {
	out, _ := c.InstanceInterfaces(tenancy, id)
	return out
}

// detachVnic detaches and deletes a secondary VNIC; the primary one goes
// only with its instance.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVNICs.htm — you cannot detach the primary VNIC; detaching a secondary VNIC deletes it
func (s *Server) detachVnic(q *request, id string) *apiError {
	e, ok := s.vnicOfAttachment(q.tenancy, id)
	if !ok {
		return notFound("VnicAttachment", id)
	}
	if e.Attachment.DeviceIndex == 0 {
		return invalid("The VNIC attachment %s is of the instance's primary VNIC, which cannot be detached", id)
	}
	s.releaseVnicEphemeral(q.tenancy, e)
	if err := s.cloud.DetachNetworkInterface(q.tenancy, id, true); err != nil {
		return fromModel(err)
	}
	s.state.bury(q.tenancy, s.vnicOut(q.tenancy, e))
	return modelErr(s.cloud.DeleteNetworkInterface(q.tenancy, e.ID))
}
