package gcp

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Cloud Interconnect: the lab's private lines (model Direct Connect
// connections of the project, by name) are the project's Dedicated
// Interconnects, and VLAN attachments on them (DEDICATED) or through a
// partner (PARTNER) bind a Cloud Router. An attachment is kept, as a
// router is, as an attribute of its router's network, so that it goes
// into the state file with it; its state is a function of its type, its
// creation time and adminEnabled, so that nothing runs in the background.
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/concepts/overview — Dedicated and Partner Interconnect, VLAN attachments bound to Cloud Routers

// attachment is a VLAN attachment on the wire.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnectAttachments — InterconnectAttachment: type, router, interconnect, vlanTag8021q, edgeAvailabilityDomain, adminEnabled, pairingKey, state, cloudRouterIpAddress, customerRouterIpAddress
type attachment struct {
	Kind                    string       `json:"kind"`
	ID                      string       `json:"id"`
	CreationTimestamp       string       `json:"creationTimestamp"`
	Name                    string       `json:"name"`
	Description             string       `json:"description,omitempty"`
	Region                  string       `json:"region"`
	Router                  string       `json:"router"`
	Type                    string       `json:"type"`
	Interconnect            string       `json:"interconnect,omitempty"`
	VLANTag                 int          `json:"vlanTag8021q,omitempty"`
	EdgeAvailabilityDomain  string       `json:"edgeAvailabilityDomain,omitempty"`
	AdminEnabled            *bool        `json:"adminEnabled,omitempty"`
	PairingKey              string       `json:"pairingKey,omitempty"`
	PartnerASN              int64        `json:"partnerAsn,omitempty,string"`
	PartnerMetadata         *partnerMeta `json:"partnerMetadata,omitempty"`
	State                   string       `json:"state"`
	OperationalStatus       string       `json:"operationalStatus"`
	CloudRouterIPAddress    string       `json:"cloudRouterIpAddress,omitempty"`
	CustomerRouterIPAddress string       `json:"customerRouterIpAddress,omitempty"`
	CandidateSubnets        []string     `json:"candidateSubnets,omitempty"`
	Bandwidth               string       `json:"bandwidth,omitempty"`
	MTU                     int          `json:"mtu,omitempty"`
	Encryption              string       `json:"encryption,omitempty"`
	StackType               string       `json:"stackType,omitempty"`
	SelfLink                string       `json:"selfLink"`
}

// partnerMeta is what the partner fills in when it provisions.
type partnerMeta struct {
	PartnerName      string `json:"partnerName"`
	InterconnectName string `json:"interconnectName"`
	PortalURL        string `json:"portalUrl"`
}

// attachmentAttr prefixes the network attribute of an attachment: the key
// is attachmentAttr + REGION + "/" + NAME.
const attachmentAttr = "interconnectAttachment:"

// labPartnerASN is the ASN of the lab's partner provider.
const labPartnerASN = 65500

func attachmentPath(project, region, name string) string {
	return "projects/" + project + "/regions/" + region + "/interconnectAttachments/" + name
}

// attachmentsOf returns the project's attachments of a region (every
// region when empty), as stored, by name.
func (s *Server) attachmentsOf(project, region string) []attachment {
	return networkAttrs[attachment](s, project, attachmentAttr, region)
}

func (a attachment) name() string { return a.Name }

func (s *Server) attachmentByName(project, region, name string) (attachment, bool) {
	return named(s.attachmentsOf(project, region), name)
}

// attachmentState works out a project's attachment's state. A DEDICATED
// one is ACTIVE at once, carrying packets when adminEnabled. A PARTNER one
// waits for the partner (PENDING_PARTNER) until the lab's partner has a
// line in its region (interconnect_partner.go) and for Config.PartnerDelay
// after its creation; the partner then provisions it, and it waits for
// the customer's activation (PENDING_CUSTOMER) unless adminEnabled
// pre-activated it; active, it has its BGP addresses and the partner's ASN.
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/partner/creating-vlan-attachments — a new attachment is PENDING_PARTNER with a pairing key
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/partner/activating-connections — after the partner provisions it, PENDING_CUSTOMER until activated (adminEnabled), then ACTIVE; pre-activation skips PENDING_CUSTOMER
func (s *Server) attachmentState(project string, a attachment) attachment {
	on := a.AdminEnabled != nil && *a.AdminEnabled
	if a.Type == "DEDICATED" {
		a.State, a.OperationalStatus = "ACTIVE", "OS_UNPROVISIONED"
		if on {
			a.OperationalStatus = "OS_ACTIVE"
		}
		return a
	}
	created, err := time.Parse("2006-01-02T15:04:05.000-07:00", a.CreationTimestamp)
	if (err == nil && s.now().Sub(created) < s.cfg.PartnerDelay) || s.partnerLine(project, a.Region) == "" {
		a.State, a.OperationalStatus, a.CloudRouterIPAddress, a.CustomerRouterIPAddress = "PENDING_PARTNER", "OS_UNPROVISIONED", "", ""
		return a
	}
	a.PartnerMetadata = &partnerMeta{PartnerName: "mcnlab", InterconnectName: s.partnerLine(project, a.Region), PortalURL: "https://mcnlab.invalid/partner"}
	a.PartnerASN = labPartnerASN
	if !on {
		a.State, a.OperationalStatus = "PENDING_CUSTOMER", "OS_UNPROVISIONED"
		return a
	}
	a.State, a.OperationalStatus = "ACTIVE", "OS_ACTIVE"
	return a
}

func (s *Server) attachmentOut(q *request, a attachment) attachment {
	a = s.attachmentState(q.project, a)
	path := attachmentPath(q.project, a.Region, a.Name)
	a.Kind, a.ID, a.SelfLink = "compute#interconnectAttachment", numericID(path), q.selfLink(path)
	a.Router = q.selfLink(a.Router)
	if a.Interconnect != "" {
		a.Interconnect = q.selfLink(a.Interconnect)
	}
	a.Region = q.selfLink("projects/" + q.project + "/regions/" + a.Region)
	return a
}

// serveAttachments answers a region's VLAN attachments.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnectAttachments — insert, get, list, patch, delete, aggregatedList
func (s *Server) serveAttachments(q *request, region string, rest []string) *apiError {
	scope := model.GCPRegionScope(region)
	return serveCollection(q, s, collection[attachment]{listKind: "compute#interconnectAttachmentList", scope: scope,
		path: "projects/" + q.project + "/" + scope + "/interconnectAttachments", items: s.attachmentsOf(q.project, region),
		out:    func(a attachment) attachment { return s.attachmentOut(q, a) },
		insert: func(in attachment) *apiError { return s.insertAttachment(q, region, in) },
		patch:  func(a attachment) *apiError { return s.patchAttachment(q, a) },
		remove: func(a attachment, path string) *apiError {
			// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/dedicated/modifying-vlan-attachments — delete the Cloud Router's interface and BGP session of an attachment first
			if r, ok := s.routerByName(q.project, region, model.GCPName(a.Router)); ok && interfaceOn(r, "", path) != "" {
				return fail(http.StatusBadRequest, "resourceInUseByAnotherResource", "The interconnect_attachment resource '%s' is already being used by '%s'", path, routerPath(q.project, region, r.Name))
			}
			return s.storeAttachment(q, a, true)
		}}, rest)
}

// storeAttachment writes (or, with drop, removes) an attachment on its
// router's network.
func (s *Server) storeAttachment(q *request, a attachment, drop bool) *apiError {
	r, ok := s.routerByName(q.project, a.Region, model.GCPName(a.Router))
	if !ok {
		return notFound(a.Router)
	}
	attrs := map[string]string{attachmentAttr + a.Region + "/" + a.Name: ""}
	if drop {
		attrs[attachmentStatusAttr+a.Region+"/"+a.Name] = "" // and what the dataplane saw of it
	} else {
		b, _ := json.Marshal(a)
		attrs[attachmentAttr+a.Region+"/"+a.Name] = string(b)
	}
	return fromModelErr(s.cloud.SetAttrs(q.project, r.Network, attrs), a.Router)
}

// patchAttachment changes what a customer may: adminEnabled (activating a
// partner attachment) and the description.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnectAttachments/patch
func (s *Server) patchAttachment(q *request, a attachment) *apiError {
	var in struct {
		AdminEnabled *bool   `json:"adminEnabled"`
		Description  *string `json:"description"`
	}
	if err := decode(q.Request, &in); err != nil {
		return err
	}
	if in.AdminEnabled != nil {
		a.AdminEnabled = in.AdminEnabled
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	return s.mutate(q, model.GCPRegionScope(a.Region), "patch", attachmentPath(q.project, a.Region, a.Name), func() *apiError {
		return s.storeAttachment(q, a, false)
	})
}

// insertAttachment checks and makes a VLAN attachment.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnectAttachments/insert
func (s *Server) insertAttachment(q *request, region string, in attachment) *apiError {
	if err := checkName("resource.name", in.Name); err != nil {
		return err
	}
	path := attachmentPath(q.project, region, in.Name)
	if _, ok := s.attachmentByName(q.project, region, in.Name); ok {
		return fail(http.StatusConflict, "alreadyExists", "The resource '%s' already exists", path)
	}
	r, rp, aerr := s.routerRef(q, region, in.Router)
	if aerr != nil {
		return aerr
	}
	in.Router, in.Region = rp, region
	switch in.Type {
	case "", "DEDICATED":
		in.Type = "DEDICATED"
		aerr = s.checkDedicated(q, &in)
	case "PARTNER":
		aerr = checkPartner(r, &in)
	default:
		aerr = fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.type': '%s'. Must be one of [DEDICATED, PARTNER].", clip(in.Type))
	}
	if aerr != nil {
		return aerr
	}
	if aerr := s.attachmentCommon(q, &in); aerr != nil {
		return aerr
	}
	in.CreationTimestamp = s.created()
	return s.mutate(q, model.GCPRegionScope(region), "insert", path, func() *apiError { return s.storeAttachment(q, in, false) })
}
