package aws

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("DescribeNetworkInterfaces", describeNetworkInterfaces)
}

// xmlENIAttachment is a NetworkInterfaceAttachment (and, on an instance,
// an InstanceNetworkInterfaceAttachment, which has no instance fields).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterfaceAttachment.html
type xmlENIAttachment struct {
	AttachTime          string `xml:"attachTime,omitempty"`
	AttachmentID        string `xml:"attachmentId"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
	DeviceIndex         int    `xml:"deviceIndex"`
	NetworkCardIndex    int    `xml:"networkCardIndex"`
	InstanceID          string `xml:"instanceId,omitempty"`
	InstanceOwnerID     string `xml:"instanceOwnerId,omitempty"`
	Status              string `xml:"status"`
}

// xmlENIAssociation is a NetworkInterfaceAssociation: the elastic IP
// mapped to an address.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterfaceAssociation.html
type xmlENIAssociation struct {
	AllocationID  string `xml:"allocationId"`
	AssociationID string `xml:"associationId"`
	IPOwnerID     string `xml:"ipOwnerId"`
	PublicDNSName string `xml:"publicDnsName"`
	PublicIP      string `xml:"publicIp"`
}

// xmlPrivateIP is a NetworkInterfacePrivateIpAddress.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterfacePrivateIpAddress.html
type xmlPrivateIP struct {
	Association    *xmlENIAssociation `xml:"association,omitempty"`
	Primary        bool               `xml:"primary"`
	PrivateDNSName string             `xml:"privateDnsName"`
	PrivateIP      string             `xml:"privateIpAddress,omitempty"`
}

// xmlENI is a NetworkInterface.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html
type xmlENI struct {
	Association      *xmlENIAssociation   `xml:"association,omitempty"`
	Attachment       *xmlENIAttachment    `xml:"attachment,omitempty"`
	AvailabilityZone string               `xml:"availabilityZone"`
	Description      string               `xml:"description"`
	Groups           []xmlGroupIdentifier `xml:"groupSet>item"`
	InterfaceType    string               `xml:"interfaceType"`
	MACAddress       string               `xml:"macAddress"`
	ID               string               `xml:"networkInterfaceId"`
	OwnerID          string               `xml:"ownerId"`
	PrivateDNSName   string               `xml:"privateDnsName"`
	PrivateIP        string               `xml:"privateIpAddress,omitempty"`
	PrivateIPs       []xmlPrivateIP       `xml:"privateIpAddressesSet>item"`
	RequesterManaged bool                 `xml:"requesterManaged"`
	SourceDestCheck  bool                 `xml:"sourceDestCheck"`
	Status           string               `xml:"status"`
	SubnetID         string               `xml:"subnetId"`
	Tags             []xmlTag             `xml:"tagSet>item"`
	IPv6             []xmlIPv6Addr        `xml:"ipv6AddressesSet>item"`
	VpcID            string               `xml:"vpcId"`
}

// eniView is what an interface's answers show beyond the model's object:
// its zone, group names and elastic IPs.
type eniView struct {
	zone   string
	groups []xmlGroupIdentifier
	eips   []model.ElasticIP // associated with it
}

// eniIndex resolves what interfaces' answers show, read once per call.
type eniIndex struct {
	h       *Handler
	account string
	eips    map[string][]model.ElasticIP // by interface ID
	zones   map[string]string            // by subnet ID
	groups  map[string]string            // group ID -> name
	// byInstance are the attached interfaces, by instance ID and device
	// index.
	byInstance map[string][]model.NetworkInterface
}

// interfacesOf returns an instance's interfaces by device index.
func (ix *eniIndex) interfacesOf(instanceID string) []model.NetworkInterface {
	if ix.byInstance == nil {
		ix.byInstance = map[string][]model.NetworkInterface{}
		for _, e := range ix.h.cloud.NetworkInterfaces(ix.account) {
			if e.InstanceID != "" {
				ix.byInstance[e.InstanceID] = append(ix.byInstance[e.InstanceID], e)
			}
		}
		for _, es := range ix.byInstance {
			slices.SortStableFunc(es, func(a, b model.NetworkInterface) int { return a.Attachment.DeviceIndex - b.Attachment.DeviceIndex })
		}
	}
	return ix.byInstance[instanceID]
}

func newENIIndex(h *Handler, account string) *eniIndex {
	ix := &eniIndex{h: h, account: account, eips: map[string][]model.ElasticIP{}, zones: map[string]string{}, groups: map[string]string{}}
	for _, e := range h.cloud.ElasticIPs(account) {
		if e.Associate != "" {
			ix.eips[e.Associate] = append(ix.eips[e.Associate], e)
		}
	}
	for _, s := range h.cloud.Subnets(account) {
		ix.zones[s.ID] = s.Zone
	}
	for _, g := range h.cloud.RuleSets(account, model.FlavorSecurityGroup) {
		ix.groups[g.ID] = g.Name
	}
	return ix
}

func (ix *eniIndex) view(e model.NetworkInterface) eniView {
	v := eniView{zone: ix.zones[e.SubnetID], eips: ix.eips[e.ID]}
	if v.zone == "" {
		v.zone = ix.h.regionOf(e.Region) + "a"
	}
	for _, g := range e.SecurityGroupIDs {
		v.groups = append(v.groups, xmlGroupIdentifier{GroupID: g, GroupName: ix.groups[g]})
	}
	return v
}

// eipFor returns the elastic IP mapped to one of an interface's addresses.
func (v eniView) eipFor(e model.NetworkInterface, a netip.Addr) (model.ElasticIP, bool) {
	for _, x := range v.eips {
		if x.PrivateIP == a || (!x.PrivateIP.IsValid() && a == e.PrivateIP) {
			return x, true
		}
	}
	return model.ElasticIP{}, false
}

func eniAssociation(account string, x model.ElasticIP) *xmlENIAssociation {
	return &xmlENIAssociation{AllocationID: x.ID, AssociationID: associationID(x.ID), IPOwnerID: account, PublicIP: x.PublicIP.String()}
}

// association is the association of one of an interface's addresses: its
// elastic IP's, or for the primary address the public address it got at
// launch (owned by amazon), or none.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterfaceAssociation.html — ipOwnerId: the ID of the Elastic IP address owner, or amazon
func (v eniView) association(e model.NetworkInterface, a netip.Addr) *xmlENIAssociation {
	if eip, ok := v.eipFor(e, a); ok {
		return eniAssociation(e.Account, eip)
	}
	if a == e.PrivateIP && e.PublicIP.IsValid() {
		return &xmlENIAssociation{IPOwnerID: "amazon", PublicIP: e.PublicIP.String()}
	}
	return nil
}

// privateIPs is an interface's privateIpAddressesSet, the primary first.
func (h *Handler) privateIPs(e model.NetworkInterface, v eniView) []xmlPrivateIP {
	var out []xmlPrivateIP
	for n, a := range e.Addrs() {
		x := xmlPrivateIP{Primary: n == 0, PrivateDNSName: privateDNSName(h.regionOf(e.Region), a.String()), PrivateIP: a.String()}
		x.Association = v.association(e, a)
		out = append(out, x)
	}
	return out
}

// interfaceType is EC2's name for an interface's type.
func interfaceType(e model.NetworkInterface) string {
	if e.Type == "" {
		return "interface"
	}
	return e.Type
}

func attachmentTime(e model.NetworkInterface) string {
	if e.Attachment.Time.IsZero() {
		return ""
	}
	return e.Attachment.Time.Format("2006-01-02T15:04:05.000Z")
}

// attachmentID is an attached interface's attachment ID; an interface
// from a snapshot older than attachments has one named after it.
func attachmentID(e model.NetworkInterface) string {
	if e.Attachment.ID != "" {
		return e.Attachment.ID
	}
	return "eni-attach-" + strings.TrimPrefix(e.ID, "eni-")
}

func (h *Handler) toXMLENI(e model.NetworkInterface, v eniView) xmlENI {
	x := xmlENI{ID: e.ID, SubnetID: e.SubnetID, VpcID: e.NetworkID, OwnerID: e.Account, Status: "available", InterfaceType: interfaceType(e),
		Description: e.Description, MACAddress: model.MACAddress(e.ID).String(), PrivateDNSName: privateDNSName(h.regionOf(e.Region), ipString(e.PrivateIP)),
		PrivateIP: ipString(e.PrivateIP), PrivateIPs: h.privateIPs(e, v), SourceDestCheck: e.SourceDestCheck, Tags: tagSet(e.Tags),
		AvailabilityZone: v.zone, Groups: v.groups, IPv6: toXMLIPv6Addrs(e.IPv6Addrs, e.PrimaryIPv6)}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html — an interface endpoint's interfaces are requester-managed
	x.RequesterManaged = e.RequesterManaged()
	if x.RequesterManaged {
		x.Status = "in-use" // in use by its endpoint
	}
	x.Association = v.association(e, e.PrivateIP)
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html — status available or in-use
	if e.InstanceID != "" {
		x.Status = "in-use"
		x.Attachment = &xmlENIAttachment{AttachTime: attachmentTime(e), AttachmentID: attachmentID(e), DeleteOnTermination: e.Attachment.DeleteOnTermination,
			DeviceIndex: e.Attachment.DeviceIndex, InstanceID: e.InstanceID, InstanceOwnerID: e.Account, Status: "attached"}
	}
	return x
}

type describeENIsResp struct {
	meta
	Interfaces []xmlENI `xml:"networkInterfaceSet>item"`
	NextToken  string   `xml:"nextToken,omitempty"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html — NetworkInterfaceId.N, Filter.N, MaxResults, NextToken
func describeNetworkInterfaces(h *Handler, c *call) (response, error) {
	ix := newENIIndex(h, c.account)
	all := regional(h, c, h.cloud.NetworkInterfaces(c.account), func(o model.NetworkInterface) string { return o.ID })
	for _, id := range c.form.list("NetworkInterfaceId") {
		if !slices.ContainsFunc(all, func(e model.NetworkInterface) bool { return e.ID == id }) {
			return nil, interfaceError(&model.Error{Code: model.CodeNotFound, Kind: model.KindNetworkInterface, ID: clip(id)})
		}
	}
	page, next, err := selectObjects(c.form, "NetworkInterfaceId", all,
		func(e model.NetworkInterface) string { return e.ID }, func(e model.NetworkInterface) fields { return h.eniFields(e, ix.view(e)) })
	if err != nil {
		return nil, err
	}
	r := &describeENIsResp{NextToken: next}
	for _, e := range page {
		r.Interfaces = append(r.Interfaces, h.toXMLENI(e, ix.view(e)))
	}
	return r, nil
}

// eniFields are DescribeNetworkInterfaces' filters: every one the API
// reference lists.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html — Filter.N
func (h *Handler) eniFields(e model.NetworkInterface, v eniView) fields {
	return withTags(e.Tags, func(name string) ([]string, bool) {
		if vals, ok := eniAddressFields(h, e, v, name); ok {
			return vals, true
		}
		if vals, ok := eniAttachmentFields(e, name); ok {
			return vals, true
		}
		switch name {
		case "availability-zone":
			return one(v.zone), true
		case "availability-zone-id":
			return one(zoneID(v.zone)), true
		case "operator.managed":
			return one("false"), true // no service manages an interface here
		case "operator.principal":
			return nil, true
		case "description":
			return one(e.Description), true
		case "group-id":
			return e.SecurityGroupIDs, true
		case "group-name":
			var names []string
			for _, g := range v.groups {
				names = append(names, g.GroupName)
			}
			return names, true
		case "interface-type":
			return one(interfaceType(e)), true
		case "mac-address":
			return one(model.MACAddress(e.ID).String()), true
		case "network-interface-id":
			return one(e.ID), true
		case "owner-id":
			return one(e.Account), true
		case "requester-id":
			return nil, true // the lab names no requester of its endpoints' interfaces
		case "requester-managed":
			return one(strconv.FormatBool(e.RequesterManaged())), true
		case "source-dest-check":
			return one(strconv.FormatBool(e.SourceDestCheck)), true
		case "status":
			if e.InstanceID != "" || e.RequesterManaged() {
				return one("in-use"), true
			}
			return one("available"), true
		case "subnet-id":
			return one(e.SubnetID), true
		case "vpc-id":
			return one(e.NetworkID), true
		case "ipv6-addresses.ipv6-address":
			return addrStrings(e.IPv6Addrs), true
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html — ipv6-addresses.is-primary-ipv6
		case "ipv6-addresses.is-primary-ipv6":
			return isPrimaryIPv6(e), true
		}
		return nil, false
	})
}

// eniAddressFields are the filters on an interface's addresses and
// elastic IPs.
func eniAddressFields(h *Handler, e model.NetworkInterface, v eniView, name string) ([]string, bool) {
	var out []string
	switch name {
	case "private-ip-address", "addresses.private-ip-address":
		for _, a := range e.Addrs() {
			out = append(out, a.String())
		}
	case "private-dns-name":
		for _, a := range e.Addrs() {
			out = append(out, privateDNSName(h.regionOf(e.Region), a.String()))
		}
	case "addresses.primary":
		out = []string{"true"}
		if len(e.SecondaryIPs) > 0 {
			out = append(out, "false")
		}
	case "addresses.association.public-ip", "association.public-ip", "addresses.association.owner-id", "association.ip-owner-id":
		addrs := e.Addrs()
		if strings.HasPrefix(name, "association.") {
			addrs = addrs[:min(1, len(addrs))]
		}
		for _, a := range addrs {
			if x := v.association(e, a); x != nil && strings.HasSuffix(name, "public-ip") {
				out = append(out, x.PublicIP)
			} else if x != nil {
				out = append(out, x.IPOwnerID)
			}
		}
	case "association.allocation-id", "association.association-id":
		for _, x := range v.eips {
			switch {
			case x.PrivateIP.IsValid():
			case name == "association.allocation-id":
				out = append(out, x.ID)
			default:
				out = append(out, associationID(x.ID))
			}
		}
	case "addresses.association.allocation-id", "addresses.association.association-id": // DescribeInstances' network-interface.addresses.*
		for _, x := range v.eips {
			if name == "addresses.association.allocation-id" {
				out = append(out, x.ID)
			} else {
				out = append(out, associationID(x.ID))
			}
		}
	case "association.public-dns-name":
	default:
		return nil, false
	}
	return out, true
}

// eniAttachmentFields are the filters on an interface's attachment.
func eniAttachmentFields(e model.NetworkInterface, name string) ([]string, bool) {
	if !strings.HasPrefix(name, "attachment.") {
		return nil, false
	}
	attached := e.InstanceID != ""
	val := func(s string) ([]string, bool) {
		if !attached {
			return nil, true
		}
		return one(s), true
	}
	switch name {
	case "attachment.attachment-id":
		return val(attachmentID(e))
	case "attachment.attach-time", "attachment.attach.time":
		return val(attachmentTime(e))
	case "attachment.delete-on-termination":
		return val(strconv.FormatBool(e.Attachment.DeleteOnTermination))
	case "attachment.device-index":
		return val(strconv.Itoa(e.Attachment.DeviceIndex))
	case "attachment.instance-id":
		return val(e.InstanceID)
	case "attachment.instance-owner-id":
		return val(e.Account)
	case "attachment.status":
		return val("attached")
	case "attachment.nat-gateway-id":
		return nil, true // NAT gateways here have no interface objects
	}
	return nil, false
}
