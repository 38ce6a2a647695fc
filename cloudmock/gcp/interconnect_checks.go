package gcp

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// checkDedicated checks a DEDICATED attachment's interconnect (one of the
// lab's lines of the project) and VLAN tag (2 to 4093, free on that
// interconnect; the lowest free one when 0), and enables it unless told.
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/dedicated/creating-vlan-attachments — interconnect, VLAN ID 2-4093 unique on the connection, Cloud Router
func (s *Server) checkDedicated(q *request, in *attachment) *apiError {
	if in.EdgeAvailabilityDomain != "" {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.edgeAvailabilityDomain': '%s'. Only PARTNER attachments take an edge availability domain.", clip(in.EdgeAvailabilityDomain))
	}
	if in.Interconnect == "" {
		return fail(http.StatusBadRequest, "required", "Required field 'resource.interconnect' not specified")
	}
	ip, aerr := q.resolveRef(in.Interconnect, model.GCPGlobal, "interconnects")
	if aerr != nil {
		return aerr
	}
	if _, ok := s.interconnects(q.project)[model.GCPName(ip)]; !ok {
		return notFound(ip)
	}
	used := map[int]bool{}
	for _, a := range s.attachmentsOf(q.project, "") {
		if a.Interconnect == ip {
			used[a.VLANTag] = true
		}
	}
	switch {
	case in.VLANTag == 0:
		for in.VLANTag = 2; used[in.VLANTag]; in.VLANTag++ {
		}
	case in.VLANTag < 2 || in.VLANTag > 4093:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.vlanTag8021q': '%d'. Must be from 2 to 4093.", in.VLANTag)
	case used[in.VLANTag]:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.vlanTag8021q': '%d'. The VLAN ID is already in use on interconnect '%s'.", in.VLANTag, ip)
	}
	in.Interconnect = ip
	if in.AdminEnabled == nil {
		on := true
		in.AdminEnabled = &on
	}
	if in.Bandwidth == "" {
		in.Bandwidth = "BPS_10G"
	}
	if !slices.Contains(bandwidths, in.Bandwidth) {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.bandwidth': '%s'.", clip(in.Bandwidth))
	}
	return nil
}

// bandwidths are an attachment's capacities.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnectAttachments — bandwidth BPS_50M to BPS_100G
var bandwidths = []string{"BPS_50M", "BPS_100M", "BPS_200M", "BPS_300M", "BPS_400M", "BPS_500M", "BPS_1G", "BPS_2G", "BPS_5G", "BPS_10G", "BPS_20G", "BPS_50G", "BPS_100G"}

// checkPartner checks a PARTNER attachment: an edge availability domain,
// no interconnect or VLAN (the partner's), a router with ASN 16550; it
// gets its pairing key.
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/partner/creating-vlan-attachments — the Cloud Router's ASN is 16550; edge availability domain 1, 2 or any; the pairing key is UUID/REGION/DOMAIN
func checkPartner(r router, in *attachment) *apiError {
	dom := map[string]string{"AVAILABILITY_DOMAIN_1": "1", "AVAILABILITY_DOMAIN_2": "2", "AVAILABILITY_DOMAIN_ANY": "any"}[in.EdgeAvailabilityDomain]
	switch {
	case in.EdgeAvailabilityDomain == "":
		return fail(http.StatusBadRequest, "required", "Required field 'resource.edgeAvailabilityDomain' not specified")
	case dom == "":
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.edgeAvailabilityDomain': '%s'. Must be one of [AVAILABILITY_DOMAIN_1, AVAILABILITY_DOMAIN_2, AVAILABILITY_DOMAIN_ANY].", clip(in.EdgeAvailabilityDomain))
	case in.Interconnect != "" || in.VLANTag != 0:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.interconnect': a PARTNER attachment's interconnect and VLAN are the partner's.")
	case r.BGP == nil || r.BGP.ASN != 16550:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.router': '%s'. A Partner Interconnect attachment needs a Cloud Router with ASN 16550.", in.Router)
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	in.PairingKey = fmt.Sprintf("%s-%s-%s-%s-%s/%s/%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:], in.Region, dom)
	if in.AdminEnabled == nil {
		off := false
		in.AdminEnabled = &off
	}
	return nil
}

// attachmentCommon checks and fills what both types share: the MTU, the
// candidate subnets and the BGP addresses from them (the router's the
// first host of a link-local /29, the customer's the second).
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/concepts/terminology#mtu — MTU 1440 (default), 1460, 1500 or 8896
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnectAttachments — candidateSubnets: up to 16 /29s in 169.254.0.0/16 the addresses are picked from
func (s *Server) attachmentCommon(q *request, in *attachment) *apiError {
	switch in.MTU {
	case 0:
		in.MTU = 1440
	case 1440, 1460, 1500, 8896:
	default:
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.mtu': '%d'. Must be one of [1440, 1460, 1500, 8896].", in.MTU)
	}
	in.Encryption, in.StackType = "NONE", "IPV4_ONLY"
	taken := map[netip.Prefix]bool{}
	for _, a := range s.attachmentsOf(q.project, "") {
		if p, err := netip.ParsePrefix(a.CloudRouterIPAddress); err == nil {
			taken[p.Masked()] = true
		}
	}
	if len(in.CandidateSubnets) > 16 {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.candidateSubnets': at most 16 subnets.")
	}
	var pick netip.Prefix
	for _, c := range in.CandidateSubnets {
		p, err := netip.ParsePrefix(c)
		if err != nil || p.Bits() != 29 || p != p.Masked() || !linkLocal.Contains(p.Addr()) {
			return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.candidateSubnets': '%s'. Must be a /29 in 169.254.0.0/16.", clip(c))
		}
		if !pick.IsValid() && !taken[p] {
			pick = p
		}
	}
	if len(in.CandidateSubnets) > 0 && !pick.IsValid() {
		return fail(http.StatusBadRequest, "invalid", "Invalid value for field 'resource.candidateSubnets': every candidate subnet is in use.")
	}
	for a := netip.MustParseAddr("169.254.64.0"); !pick.IsValid(); {
		if p := netip.PrefixFrom(a, 29); !taken[p] {
			pick = p
		}
		for range 8 {
			a = a.Next()
		}
	}
	router := pick.Addr().Next()
	in.CloudRouterIPAddress = netip.PrefixFrom(router, 29).String()
	in.CustomerRouterIPAddress = netip.PrefixFrom(router.Next(), 29).String()
	return nil
}

// aggregatedAttachments answers interconnectAttachments.aggregatedList.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnectAttachments/aggregatedList
func (s *Server) aggregatedAttachments(q *request) *apiError {
	var all []scoped[attachment]
	for _, a := range s.attachmentsOf(q.project, "") {
		all = append(all, scoped[attachment]{"regions/" + a.Region, a.Name, s.attachmentOut(q, a)})
	}
	return writeAggregated(q, "compute#interconnectAttachmentAggregatedList", "interconnectAttachments", all)
}

// interconnect is a Dedicated Interconnect on the wire.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnects — Interconnect: interconnectType, linkType, location, state, operationalStatus
type interconnect struct {
	Kind                 string `json:"kind"`
	ID                   string `json:"id"`
	Name                 string `json:"name"`
	InterconnectType     string `json:"interconnectType"`
	LinkType             string `json:"linkType"`
	Location             string `json:"location"`
	RequestedLinkCount   int    `json:"requestedLinkCount"`
	ProvisionedLinkCount int    `json:"provisionedLinkCount"`
	AdminEnabled         bool   `json:"adminEnabled"`
	State                string `json:"state"`
	OperationalStatus    string `json:"operationalStatus"`
	CustomerName         string `json:"customerName"`
	SelfLink             string `json:"selfLink"`
}

// interconnects are the project's lab lines by name, not the partner's.
func (s *Server) interconnects(project string) map[string]model.DXConnection {
	out := map[string]model.DXConnection{}
	for _, x := range s.cloud.DXConnections(project) {
		if nameRE.MatchString(x.Name) && x.Tags[PartnerLineTag] != "true" {
			out[x.Name] = x
		}
	}
	return out
}

func (s *Server) interconnectOut(q *request, x model.DXConnection) interconnect {
	path := "projects/" + q.project + "/global/interconnects/" + x.Name
	return interconnect{Kind: "compute#interconnect", ID: numericID(path), Name: x.Name, InterconnectType: "DEDICATED", LinkType: "LINK_TYPE_ETHERNET_10G_LR",
		Location: q.selfLink("projects/" + q.project + "/global/interconnectLocations/mcnlab-lab"), RequestedLinkCount: 1, ProvisionedLinkCount: 1,
		AdminEnabled: true, State: "ACTIVE", OperationalStatus: "OS_ACTIVE", CustomerName: q.project, SelfLink: q.selfLink(path)}
}

// serveInterconnects answers the project's interconnects: the lab's lines,
// provisioned by the lab (ordering one through the API is not served).
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnects — get, list
func (s *Server) serveInterconnects(q *request, rest []string) *apiError {
	coll := "projects/" + q.project + "/global/interconnects"
	all := s.interconnects(q.project)
	switch {
	case len(rest) == 0 && q.Method == http.MethodGet:
		var items []interconnect
		for _, x := range all {
			items = append(items, s.interconnectOut(q, x))
		}
		slices.SortFunc(items, func(a, b interconnect) int { return compare(a.Name, b.Name) })
		return writeList(q, s, "compute#interconnectList", coll, items)
	case len(rest) == 1 && q.Method == http.MethodGet:
		x, ok := all[rest[0]]
		if !ok {
			return notFound(coll + "/" + rest[0])
		}
		writeJSON(q.w, http.StatusOK, s.interconnectOut(q, x))
		return nil
	}
	return notFound(coll + "/" + joinWords(rest))
}
