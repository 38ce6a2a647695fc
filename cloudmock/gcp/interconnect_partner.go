package gcp

import (
	"encoding/json"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Partner Interconnect with the lab as the service provider: the lab's
// partner lines are model Direct Connect connections of the project
// tagged PartnerLineTag (cloudmock/realize makes one of each partner
// circuit), in a region; they are the partner's, not the project's
// interconnects. The partner provisions a PARTNER attachment of a region
// where it has a line, and being a Layer 3 partner it runs the BGP
// session with the Cloud Router from its own router (ASN labPartnerASN)
// at the line's far end: Google configures the router's interface and
// BGP peer for it, which the customer sees and cannot change
// (managementType MANAGED_BY_ATTACHMENT).
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/concepts/partner-overview — Layer 3 connections: the service provider establishes the BGP session between the Cloud Router and its edge router; Layer 2: the customer does
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/partner/activating-connections — the service provider provisions the attachment with its pairing key; the customer then activates it
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/routers — interfaces[].managementType and bgpPeers[].managementType MANAGED_BY_ATTACHMENT: made for a PARTNER attachment and not modifiable

// PartnerLineTag tags a model Direct Connect connection that is a line
// of the lab's partner provider (value "true"), not the project's own
// Dedicated Interconnect.
const PartnerLineTag = "mcnlab:partner-line"

// managedByAttachment is the management type of what a PARTNER
// attachment configures on its Cloud Router.
const managedByAttachment = "MANAGED_BY_ATTACHMENT"

// partnerLine returns the name of the lab's partner line of the project
// in region (the first by name); empty when the partner has none there.
func (s *Server) partnerLine(project, region string) string {
	var names []string
	for _, x := range s.cloud.DXConnections(project) {
		if x.Tags[PartnerLineTag] == "true" && x.Region == region {
			names = append(names, x.Name)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// managedNames are the names of the router interface and BGP peer the
// partner's session on attachment name uses.
func managedNames(name string) (iface, peer string) {
	h := hexName(name)[:15]
	return clipName("auto-ia-if-" + name + "-" + h), clipName("auto-ia-bgp-" + name + "-" + h)
}

// clipName keeps a generated name within GCP's 63 characters.
func clipName(n string) string {
	if len(n) > 63 {
		return n[:63]
	}
	return n
}

// withManaged returns the router with the interface and BGP peer of each
// of its ACTIVE PARTNER attachments: the router's address on it is
// cloudRouterIpAddress, the partner router's customerRouterIpAddress,
// its ASN the attachment's partnerAsn.
func (s *Server) withManaged(project string, r router) router {
	self := routerPath(project, r.Region, r.Name)
	r.Interfaces, r.BGPPeers = slices.Clone(r.Interfaces), slices.Clone(r.BGPPeers)
	for _, a := range s.attachmentsOf(project, r.Region) {
		a = s.attachmentState(project, a)
		if a.Type != "PARTNER" || a.State != "ACTIVE" || a.Router != self {
			continue
		}
		customer, err := netip.ParsePrefix(a.CustomerRouterIPAddress)
		if err != nil {
			continue
		}
		iface, peer := managedNames(a.Name)
		r.Interfaces = append(r.Interfaces, routerInterface{Name: iface, LinkedInterconnectAttachment: attachmentPath(project, a.Region, a.Name),
			IPRange: a.CloudRouterIPAddress, ManagementType: managedByAttachment})
		cloud, _ := netip.ParsePrefix(a.CloudRouterIPAddress)
		r.BGPPeers = append(r.BGPPeers, bgpPeer{Name: peer, InterfaceName: iface, IPAddress: cloud.Addr().String(), PeerIPAddress: customer.Addr().String(),
			PeerASN: a.PartnerASN, ManagementType: managedByAttachment})
	}
	return r
}

// withoutManaged drops what PARTNER attachments manage from a router a
// customer writes (gcloud patches back the whole router it read): those
// are the attachments', made again from them.
func withoutManaged(r *router) {
	r.Interfaces = slices.DeleteFunc(r.Interfaces, func(f routerInterface) bool { return f.ManagementType == managedByAttachment })
	r.BGPPeers = slices.DeleteFunc(r.BGPPeers, func(p bgpPeer) bool { return p.ManagementType == managedByAttachment })
}

// attachmentStatusAttr prefixes the network attribute where the dataplane
// records an attachment's BGP session: the key is attachmentStatusAttr +
// REGION + "/" + NAME.
const attachmentStatusAttr = "interconnectAttachmentStatus:"

// sessionStatus is what the dataplane saw of an attachment's BGP session.
type sessionStatus struct {
	Up      bool     `json:"up"`
	Learned []string `json:"learned,omitempty"`
}

// SetAttachmentStatus records what the dataplane's BGP speaker on a
// project's attachment (of region, by name) sees: whether its session is
// Established and the prefixes it learned. getRouterStatus reports them;
// up false with no routes forgets them.
func SetAttachmentStatus(c *model.Cloud, project, region, name string, up bool, learned []netip.Prefix) error {
	s := &Server{cloud: c}
	a, ok := s.attachmentByName(project, region, name)
	if !ok {
		return nil // gone: nothing to record
	}
	r, ok := s.routerByName(project, region, model.GCPName(a.Router))
	if !ok {
		return nil
	}
	v := ""
	if up || len(learned) > 0 {
		st := sessionStatus{Up: up}
		for _, p := range learned {
			st.Learned = append(st.Learned, p.String())
		}
		b, _ := json.Marshal(st)
		v = string(b)
	}
	key := attachmentStatusAttr + region + "/" + name
	if n, err := c.Network(project, r.Network); err == nil && n.Attrs[key] == v {
		return nil
	}
	return c.SetAttrs(project, r.Network, map[string]string{key: v})
}

// attachmentStatus is what the dataplane recorded of the session on an
// attachment of the router's network.
func (s *Server) attachmentStatus(project, network, region, name string) sessionStatus {
	var st sessionStatus
	if n, err := s.cloud.Network(project, network); err == nil {
		_ = json.Unmarshal([]byte(n.Attrs[attachmentStatusAttr+region+"/"+name]), &st)
	}
	return st
}
