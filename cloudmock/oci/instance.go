package oci

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// instance is an Instance on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Instance/ — Instance: availabilityDomain, region, shape, imageId, sourceDetails, metadata, lifecycleState
type instance struct {
	shared
	AvailabilityDomain string            `json:"availabilityDomain"`
	Region             string            `json:"region"`
	Shape              string            `json:"shape"`
	ImageID            string            `json:"imageId,omitempty"`
	FaultDomain        string            `json:"faultDomain,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	SourceDetails      *sourceDetails    `json:"sourceDetails,omitempty"`
	stopped            bool              // what the lifecycle state is read from
}

// sourceDetails is InstanceSourceViaImageDetails, the only source served.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/InstanceSourceViaImageDetails — sourceType image, imageId
type sourceDetails struct {
	SourceType string `json:"sourceType"`
	ImageID    string `json:"imageId,omitempty"`
}

// launchDetails is LaunchInstanceDetails, as far as the lab takes it.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/LaunchInstanceDetails — availabilityDomain, compartmentId, shape, createVnicDetails, sourceDetails (or the deprecated imageId and subnetId), metadata
type launchDetails struct {
	AvailabilityDomain string            `json:"availabilityDomain"`
	CompartmentID      string            `json:"compartmentId"`
	DisplayName        *string           `json:"displayName"`
	Shape              string            `json:"shape"`
	SubnetID           string            `json:"subnetId"`
	ImageID            string            `json:"imageId"`
	HostnameLabel      string            `json:"hostnameLabel"`
	FaultDomain        string            `json:"faultDomain"`
	CreateVnicDetails  *vnicDetails      `json:"createVnicDetails"`
	SourceDetails      *sourceDetails    `json:"sourceDetails"`
	Metadata           map[string]string `json:"metadata"`
	FreeformTags       map[string]string `json:"freeformTags"`
}

// updateInstance is UpdateInstanceDetails: its name, tags and metadata.
type updateInstance struct {
	updateDetails
	Metadata map[string]string `json:"metadata"`
}

// Attribute keys of instances and VNICs.
const (
	attrAD       = "availabilityDomain"
	attrShape    = "shape"
	attrMetadata = "metadata"
	attrFault    = "faultDomain"
	attrHostname = "hostnameLabel"
	attrAttName  = "attachmentName"
	attrLifetime = "lifetime"
)

// hostnameRE is a valid hostname label of a VNIC.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateVnicDetails — hostnameLabel: RFC 952 and 1123, at most 63 characters
var hostnameRE = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)

func (s *Server) instances() *kind {
	return &kind{noun: "Instance", get: s.getInstance, create: s.launchInstance, update: s.updateInstance, remove: s.terminateInstance,
		createOp: "LaunchInstance", deleteOp: "TerminateInstance",
		// OCI: https://docs.oracle.com/en-us/iaas/Content/Compute/Tasks/launchinginstance.htm — PROVISIONING, then RUNNING
		states: map[string]string{stateAvailable: "RUNNING"},
		live: func(r resource) string {
			if r.(*instance).stopped {
				return "STOPPED"
			}
			return ""
		},
		more: map[string]func(q *request, id string) *apiError{"POST ": s.instanceAction},
		list: func(tenancy string) []resource {
			var out []resource
			for _, i := range s.cloud.Instances(tenancy) {
				if i.State != model.InstanceTerminated {
					out = append(out, s.instanceOut(i))
				}
			}
			return out
		},
		match: func(q *request, r resource) bool {
			qv := q.URL.Query()
			return !qv.Has("availabilityDomain") || r.(*instance).AvailabilityDomain == qv.Get("availabilityDomain")
		}}
}

func (s *Server) getInstance(tenancy, id string) (resource, bool) {
	i, err := s.cloud.Instance(tenancy, id)
	if err != nil || i.State == model.InstanceTerminated {
		return nil, false
	}
	return s.instanceOut(i), true
}

func (s *Server) instanceOut(i model.Instance) *instance {
	out := &instance{shared: s.commonOf(i.ID, i.Meta, i.Tags), AvailabilityDomain: i.Attrs[attrAD], Region: i.Region,
		Shape: i.Type, ImageID: i.ImageID, FaultDomain: i.Attrs[attrFault], SourceDetails: &sourceDetails{SourceType: "image", ImageID: i.ImageID},
		stopped: i.State == model.InstanceStopped}
	if m := i.Attrs[attrMetadata]; m != "" {
		_ = json.Unmarshal([]byte(m), &out.Metadata)
	}
	return out
}

// launchInstance checks LaunchInstanceDetails as Compute does and
// launches the instance with its primary VNIC.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Instance/LaunchInstance — answers the instance PROVISIONING and an opc-work-request-id
func (s *Server) launchInstance(q *request) (string, *apiError) {
	var d launchDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	if err := s.checkCompartment(q, d.CompartmentID); err != nil {
		return "", err
	}
	switch {
	case d.AvailabilityDomain == "":
		return "", fail(http.StatusBadRequest, codeMissingParameter, "availabilityDomain is required")
	case d.Shape == "":
		return "", fail(http.StatusBadRequest, codeMissingParameter, "shape is required")
	}
	image := d.ImageID
	if d.SourceDetails != nil {
		// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/InstanceSourceDetails — sourceType image or bootVolume
		if d.SourceDetails.SourceType != "image" {
			return "", invalid("sourceDetails.sourceType '%s' is not served: the lab launches from images only", clip(d.SourceDetails.SourceType))
		}
		image = d.SourceDetails.ImageID
	}
	// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/identifiers.htm — an image is named by its OCID, ocid1.image.oc1...
	if !strings.HasPrefix(image, "ocid1.image.") {
		return "", invalid("sourceDetails.imageId '%s' is not an image OCID", clip(image))
	}
	vd := vnicDetails{SubnetID: d.SubnetID, HostnameLabel: d.HostnameLabel}
	if d.CreateVnicDetails != nil {
		vd = *d.CreateVnicDetails
		if vd.SubnetID == "" {
			vd.SubnetID = d.SubnetID
		}
	}
	p, aerr := s.planVnic(q, vd, d.AvailabilityDomain)
	if aerr != nil {
		return "", aerr
	}
	spec := model.LaunchSpec{Count: 1, Type: d.Shape, ImageID: image, Tags: d.FreeformTags, UserData: d.Metadata["user_data"],
		Place:      model.Place{Region: p.subnet.Region, Scope: d.CompartmentID},
		Interfaces: []model.InterfaceLaunch{{Spec: p.spec(d.CompartmentID)}}, PublicIP: ptr(false)}
	insts, err := s.cloud.RunInstances(q.tenancy, spec)
	if err != nil {
		return "", fromModel(err)
	}
	i := insts[0]
	undo := func(e *apiError) (string, *apiError) {
		s.releaseEphemeral(q.tenancy, i.ID)
		_, _ = s.cloud.TerminateInstances(q.tenancy, []string{i.ID})
		return "", e
	}
	if err := s.finishVnic(q, i.NetworkInterfaceID, d.CompartmentID, d.AvailabilityDomain, vd, p); err != nil {
		return undo(err)
	}
	meta, _ := json.Marshal(d.Metadata)
	s.setAttrs(q, i.ID, map[string]string{attrName: s.nameOr(d.DisplayName, "instance"), attrAD: d.AvailabilityDomain,
		attrFault: d.FaultDomain, attrMetadata: string(meta)})
	return i.ID, nil
}

// updateInstance changes an instance's name, tags and metadata.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Instance/UpdateInstance — displayName, freeformTags, metadata
func (s *Server) updateInstance(q *request, id string) *apiError {
	var d updateInstance
	if err := decode(q.body, &d); err != nil {
		return err
	}
	if d.Metadata != nil {
		meta, _ := json.Marshal(d.Metadata)
		if err := s.cloud.SetAttrs(q.tenancy, id, map[string]string{attrMetadata: string(meta)}); err != nil {
			return fromModel(err)
		}
	}
	return s.applyUpdate(q, id, d.updateDetails)
}

// terminateInstance terminates an instance: its ephemeral public IPs are
// deleted, its reserved ones unassigned, and its VNICs and their
// attachments go with it.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingpublicIPs.htm — an ephemeral public IP is deleted with its private IP's VNIC; a reserved one is unassigned
func (s *Server) terminateInstance(q *request, id string) *apiError {
	vnics, err := s.cloud.InstanceInterfaces(q.tenancy, id)
	if err != nil {
		return fromModel(err)
	}
	s.releaseEphemeral(q.tenancy, id)
	if _, err := s.cloud.TerminateInstances(q.tenancy, []string{id}); err != nil {
		return fromModel(err)
	}
	for _, e := range vnics {
		s.state.bury(q.tenancy, s.attachmentOut(e))
		s.state.bury(q.tenancy, s.vnicOut(q.tenancy, e))
	}
	return nil
}

// releaseEphemeral deletes the ephemeral public IPs of an instance's
// VNICs, or of one VNIC's addresses (only, when given).
func (s *Server) releaseEphemeral(tenancy, instanceID string, only ...netip.Addr) {
	vnics, _ := s.cloud.InstanceInterfaces(tenancy, instanceID)
	for _, e := range vnics {
		s.releaseVnicEphemeral(tenancy, e, only...)
	}
}

func (s *Server) releaseVnicEphemeral(tenancy string, e model.NetworkInterface, only ...netip.Addr) {
	for _, p := range s.cloud.ElasticIPs(tenancy) {
		if p.Associate != e.ID || p.Attrs[attrLifetime] != lifetimeEphemeral {
			continue
		}
		if len(only) > 0 && !slices.Contains(only, eipPrivate(e, p)) {
			continue
		}
		_ = s.cloud.DisassociateAddress(tenancy, p.ID)
		_ = s.cloud.ReleaseAddress(tenancy, p.ID)
	}
}

// instanceAction powers an instance off or on.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Instance/InstanceAction — action STOP, START, SOFTSTOP, RESET, SOFTRESET; the answer shows STOPPING or STARTING
func (s *Server) instanceAction(q *request, id string) *apiError {
	var err error
	shown := ""
	switch a := q.URL.Query().Get("action"); a {
	case "STOP", "SOFTSTOP":
		_, err = s.cloud.StopInstances(q.tenancy, []string{id}, a == "STOP")
		shown = "STOPPING"
	case "START":
		_, err = s.cloud.StartInstances(q.tenancy, []string{id})
		shown = "STARTING"
	case "RESET", "SOFTRESET":
		err = s.cloud.RebootInstances(q.tenancy, []string{id})
		shown = "STOPPING"
	case "":
		return fail(http.StatusBadRequest, codeMissingParameter, "action is required")
	default:
		return invalid("action '%s' must be one of STOP, START, SOFTSTOP, RESET, SOFTRESET", clip(a))
	}
	if err != nil {
		return fromModel(err)
	}
	r, _ := s.getInstance(q.tenancy, id)
	r.base().LifecycleState = shown
	writeResource(q.w, http.StatusOK, r)
	return nil
}
