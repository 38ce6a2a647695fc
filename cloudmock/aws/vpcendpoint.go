package aws

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateVpcEndpoint", createVpcEndpoint)
	register("DescribeVpcEndpoints", describeVpcEndpoints)
	register("ModifyVpcEndpoint", modifyVpcEndpoint)
	register("DeleteVpcEndpoints", deleteVpcEndpoints)
	register("DescribeVpcEndpointServices", describeVpcEndpointServices)
}

type xmlEndpointGroup struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type xmlDNSEntry struct {
	DNSName      string `xml:"dnsName"`
	HostedZoneID string `xml:"hostedZoneId"`
}

type xmlDNSOptions struct {
	RecordIPType string `xml:"dnsRecordIpType"`
}

// xmlVpcEndpoint is EC2's VpcEndpoint.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html — the endpoint's fields
type xmlVpcEndpoint struct {
	ID                  string             `xml:"vpcEndpointId"`
	Type                string             `xml:"vpcEndpointType"`
	VpcID               string             `xml:"vpcId"`
	ServiceName         string             `xml:"serviceName"`
	State               string             `xml:"state"`
	Policy              string             `xml:"policyDocument"`
	RouteTableIDs       []string           `xml:"routeTableIdSet>item"`
	SubnetIDs           []string           `xml:"subnetIdSet>item"`
	Groups              []xmlEndpointGroup `xml:"groupSet>item"`
	IPAddressType       string             `xml:"ipAddressType"`
	DNSOptions          *xmlDNSOptions     `xml:"dnsOptions,omitempty"`
	PrivateDNSEnabled   bool               `xml:"privateDnsEnabled"`
	RequesterManaged    bool               `xml:"requesterManaged"`
	NetworkInterfaceIDs []string           `xml:"networkInterfaceIdSet>item"`
	DNSEntries          []xmlDNSEntry      `xml:"dnsEntrySet>item"`
	Created             string             `xml:"creationTimestamp"`
	Tags                []xmlTag           `xml:"tagSet>item"`
	OwnerID             string             `xml:"ownerId"`
}

// endpointZoneID is the hosted zone the lab gives every endpoint's DNS
// names (AWS has one per region).
const endpointZoneID = "Z7HUB22UULQXV"

// endpointDNSEntries are an interface endpoint's names: the regional one,
// one per zone of its subnets, and the service's own name when private
// DNS is on.
// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-dns-hostnames — endpoint-specific regional and zonal DNS names, and the service's default DNS name with private DNS
func (h *Handler) endpointDNSEntries(e model.VPCEndpoint) []xmlDNSEntry {
	svc, ok := model.ServiceByName(e.Region, e.ServiceName)
	if e.Type != model.EndpointInterface || !ok {
		return []xmlDNSEntry{}
	}
	region := h.regionOf(e.Region)
	base := e.ID + "-" + e.Handle
	out := []xmlDNSEntry{{DNSName: base + "." + svc.Short + "." + region + ".vpce.amazonaws.com", HostedZoneID: endpointZoneID}}
	for _, sid := range e.SubnetIDs {
		if s, err := h.cloud.Subnet(e.Account, sid); err == nil {
			out = append(out, xmlDNSEntry{DNSName: base + "-" + s.Zone + "." + svc.Short + "." + region + ".vpce.amazonaws.com", HostedZoneID: endpointZoneID})
		}
	}
	if e.PrivateDNS {
		out = append(out, xmlDNSEntry{DNSName: svc.DNSName, HostedZoneID: endpointZoneID})
	}
	return out
}

func (h *Handler) toXMLVpcEndpoint(e model.VPCEndpoint) xmlVpcEndpoint {
	x := xmlVpcEndpoint{ID: e.ID, Type: string(e.Type), VpcID: e.NetworkID, ServiceName: e.ServiceName, State: e.State, Policy: e.Policy,
		RouteTableIDs: nonNil(e.RouteTableIDs), SubnetIDs: nonNil(e.SubnetIDs), Groups: []xmlEndpointGroup{}, IPAddressType: "ipv4",
		PrivateDNSEnabled: e.PrivateDNS, NetworkInterfaceIDs: nonNil(e.NetworkInterfaceIDs), DNSEntries: h.endpointDNSEntries(e),
		Created: e.Created.Format(time.RFC3339), Tags: tagSet(e.Tags), OwnerID: e.Account}
	if e.Type == model.EndpointInterface {
		x.DNSOptions = &xmlDNSOptions{RecordIPType: "ipv4"}
	}
	for _, g := range e.SecurityGroupIDs {
		name := ""
		if sg, err := h.cloud.RuleSet(e.Account, model.FlavorSecurityGroup, g); err == nil {
			name = sg.Name
		}
		x.Groups = append(x.Groups, xmlEndpointGroup{GroupID: g, GroupName: name})
	}
	return x
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type createVpcEndpointResp struct {
	meta
	Endpoint    xmlVpcEndpoint `xml:"vpcEndpoint"`
	ClientToken string         `xml:"clientToken,omitempty"`
}

// checkPolicyDocument refuses a policy that is not JSON.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidPolicyDocument
func checkPolicyDocument(p string) error {
	if !json.Valid([]byte(p)) {
		return &apiError{Code: "InvalidPolicyDocument", Message: "The policy document is not a valid JSON policy document.", Status: http.StatusBadRequest}
	}
	return nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html — VpcEndpointType (Gateway by default), VpcId, ServiceName, PolicyDocument, RouteTableId.N, SubnetId.N, SecurityGroupId.N, PrivateDnsEnabled, TagSpecification.N, ClientToken
func createVpcEndpoint(h *Handler, c *call) (response, error) {
	vpc, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	svc, err := c.form.required("ServiceName")
	if err != nil {
		return nil, err
	}
	typ := model.EndpointType(c.form.str("VpcEndpointType"))
	switch typ {
	case "":
		typ = model.EndpointGateway
	case model.EndpointGateway, model.EndpointInterface:
	default:
		return nil, &apiError{Code: "InvalidVpcEndpointType", Message: sprintfClipped("The VPC endpoint type '%s' is not valid.", string(typ)), Status: http.StatusBadRequest}
	}
	spec := model.EndpointSpec{NetworkID: vpc, Type: typ, ServiceName: svc, RouteTableIDs: c.form.list("RouteTableId"),
		SubnetIDs: c.form.list("SubnetId"), SecurityGroupIDs: c.form.list("SecurityGroupId"), Policy: c.form.str("PolicyDocument")}
	if spec.Policy != "" {
		if err := checkPolicyDocument(spec.Policy); err != nil {
			return nil, err
		}
	}
	if typ == model.EndpointGateway && (len(spec.SubnetIDs) > 0 || len(spec.SecurityGroupIDs) > 0) {
		return nil, errInvalid("Subnets and security groups cannot be specified for a gateway endpoint.")
	}
	if typ == model.EndpointInterface && len(spec.RouteTableIDs) > 0 {
		return nil, errInvalid("Route tables cannot be specified for an interface endpoint.")
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html — PrivateDnsEnabled defaults to true for an interface endpoint to an AWS service
	dns, err := c.form.boolp("PrivateDnsEnabled")
	if err != nil {
		return nil, err
	}
	spec.PrivateDNS = typ == model.EndpointInterface && (dns == nil || *dns)
	if spec.Tags, err = c.form.tagSpecs("vpc-endpoint"); err != nil {
		return nil, err
	}
	e, err := h.cloud.CreateVPCEndpoint(c.account, spec)
	if err != nil {
		return nil, err
	}
	return &createVpcEndpointResp{Endpoint: h.toXMLVpcEndpoint(e), ClientToken: c.form.str("ClientToken")}, nil
}

type describeVpcEndpointsResp struct {
	meta
	Endpoints []xmlVpcEndpoint `xml:"vpcEndpointSet>item"`
	NextToken string           `xml:"nextToken,omitempty"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpoints.html — filters ip-address-type, service-name, service-region, state, tag:<key>, tag-key, vpc-endpoint-id, vpc-endpoint-state, vpc-endpoint-type, vpc-id
func describeVpcEndpoints(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "VpcEndpointId", regional(h, c, h.cloud.VPCEndpoints(c.account), func(e model.VPCEndpoint) string { return e.ID }),
		func(e model.VPCEndpoint) string { return e.ID },
		func(e model.VPCEndpoint) fields {
			return withTags(e.Tags, func(name string) ([]string, bool) {
				switch name {
				case "ip-address-type":
					return one("ipv4"), true
				case "service-name":
					return one(e.ServiceName), true
				case "service-region":
					return one(h.regionOf(e.Region)), true
				case "state", "vpc-endpoint-state":
					return one(e.State), true
				case "vpc-endpoint-id":
					return one(e.ID), true
				case "vpc-endpoint-type":
					return one(string(e.Type)), true
				case "vpc-id":
					return one(e.NetworkID), true
				}
				return nil, false
			})
		})
	if err != nil {
		return nil, err
	}
	return &describeVpcEndpointsResp{Endpoints: convertAll(page, h.toXMLVpcEndpoint), NextToken: next}, nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html — VpcEndpointId, AddRouteTableId.N, RemoveRouteTableId.N, AddSubnetId.N, RemoveSubnetId.N, AddSecurityGroupId.N, RemoveSecurityGroupId.N, PolicyDocument, ResetPolicy, PrivateDnsEnabled
func modifyVpcEndpoint(h *Handler, c *call) (response, error) {
	id, err := c.form.required("VpcEndpointId")
	if err != nil {
		return nil, err
	}
	ch := model.EndpointChange{AddRouteTables: c.form.list("AddRouteTableId"), RemoveRouteTables: c.form.list("RemoveRouteTableId"),
		AddSubnets: c.form.list("AddSubnetId"), RemoveSubnets: c.form.list("RemoveSubnetId"),
		AddGroups: c.form.list("AddSecurityGroupId"), RemoveGroups: c.form.list("RemoveSecurityGroupId")}
	if c.form.has("PolicyDocument") {
		p := c.form.str("PolicyDocument")
		if err := checkPolicyDocument(p); err != nil {
			return nil, err
		}
		ch.Policy = &p
	}
	reset, err := c.form.boolp("ResetPolicy")
	if err != nil {
		return nil, err
	}
	ch.ResetPolicy = reset != nil && *reset
	if ch.PrivateDNS, err = c.form.boolp("PrivateDnsEnabled"); err != nil {
		return nil, err
	}
	if _, err := h.cloud.ModifyVPCEndpoint(c.account, id, ch); err != nil {
		return nil, err
	}
	return ok()
}

type xmlUnsuccessful struct {
	Error      xmlErrorItem `xml:"error"`
	ResourceID string       `xml:"resourceId"`
}

type xmlErrorItem struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type deleteVpcEndpointsResp struct {
	meta
	Unsuccessful []xmlUnsuccessful `xml:"unsuccessful>item"`
}

// deleteVpcEndpoints deletes each endpoint it can and lists the others
// with their errors, instead of failing the call.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcEndpoints.html — VpcEndpointId.N; unsuccessful lists the endpoints not deleted
func deleteVpcEndpoints(h *Handler, c *call) (response, error) {
	ids := c.form.list("VpcEndpointId")
	if len(ids) == 0 {
		return nil, errMissing("VpcEndpointId")
	}
	r := &deleteVpcEndpointsResp{Unsuccessful: []xmlUnsuccessful{}}
	for _, id := range ids {
		err := error(nil)
		if !h.seenIn(c, id) {
			err = notFoundError(id)
		} else {
			err = h.cloud.DeleteVPCEndpoint(c.account, id)
		}
		if err != nil {
			ae := toAPIError(err)
			r.Unsuccessful = append(r.Unsuccessful, xmlUnsuccessful{Error: xmlErrorItem{Code: ae.Code, Message: ae.Message}, ResourceID: id})
		}
	}
	return r, nil
}

type xmlServiceType struct {
	Type string `xml:"serviceType"`
}

// xmlServiceDetail is EC2's ServiceDetail for an AWS service.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ServiceDetail.html — the fields of a service
type xmlServiceDetail struct {
	ServiceName          string           `xml:"serviceName"`
	ServiceID            string           `xml:"serviceId"`
	ServiceType          []xmlServiceType `xml:"serviceType>item"`
	ServiceRegion        string           `xml:"serviceRegion"`
	Zones                []string         `xml:"availabilityZoneSet>item"`
	Owner                string           `xml:"owner"`
	BaseEndpointDNSNames []string         `xml:"baseEndpointDnsNameSet>item"`
	PrivateDNSName       string           `xml:"privateDnsName,omitempty"`
	PolicySupported      bool             `xml:"vpcEndpointPolicySupported"`
	AcceptanceRequired   bool             `xml:"acceptanceRequired"`
	ManagesEndpoints     bool             `xml:"managesVpcEndpoints"`
	IPAddressTypes       []string         `xml:"supportedIpAddressTypeSet>item"`
	Tags                 []xmlTag         `xml:"tagSet>item"`
}

type describeServicesResp struct {
	meta
	ServiceNames []string           `xml:"serviceNameSet>item"`
	Details      []xmlServiceDetail `xml:"serviceDetailSet>item"`
	NextToken    string             `xml:"nextToken,omitempty"`
}

// serviceDetail is one service of one endpoint type.
func serviceDetail(s model.Service, typ model.EndpointType) xmlServiceDetail {
	d := xmlServiceDetail{ServiceName: s.Name, ServiceID: serviceID(s.Name, typ),
		ServiceType: []xmlServiceType{{Type: string(typ)}}, ServiceRegion: s.Region, Owner: "amazon",
		BaseEndpointDNSNames: []string{s.Short + "." + s.Region + ".vpce.amazonaws.com"}, PolicySupported: true,
		IPAddressTypes: []string{"ipv4"}, Tags: []xmlTag{}}
	for _, z := range []string{"a", "b", "c"} {
		d.Zones = append(d.Zones, s.Region+z)
	}
	if typ == model.EndpointGateway {
		d.BaseEndpointDNSNames = []string{s.DNSName}
	} else {
		d.PrivateDNSName = s.DNSName
	}
	return d
}

// describeVpcEndpointServices lists the AWS services the lab's endpoints
// reach: S3 and DynamoDB as gateway and interface services, the others as
// interface services.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpointServices.html — ServiceName.N; filters owner, service-name, service-region, service-type, supported-ip-address-types, tag:<key>, tag-key
func describeVpcEndpointServices(h *Handler, c *call) (response, error) {
	var all []xmlServiceDetail
	for _, s := range model.Services(c.region) {
		if s.Gateway {
			all = append(all, serviceDetail(s, model.EndpointGateway))
		}
		if s.Interface {
			all = append(all, serviceDetail(s, model.EndpointInterface))
		}
	}
	if names := c.form.list("ServiceName"); len(names) > 0 {
		for _, n := range names {
			if !slices.ContainsFunc(all, func(d xmlServiceDetail) bool { return d.ServiceName == n }) {
				return nil, &apiError{Code: "InvalidServiceName", Message: sprintfClipped("The Vpc Endpoint Service '%s' does not exist", n), Status: http.StatusBadRequest}
			}
		}
		all = slices.DeleteFunc(all, func(d xmlServiceDetail) bool { return !slices.Contains(names, d.ServiceName) })
	}
	out, err := filtered(c.form, all, func(d xmlServiceDetail) fields {
		return withTags(nil, func(name string) ([]string, bool) {
			switch name {
			case "owner":
				return one(d.Owner), true
			case "service-name":
				return one(d.ServiceName), true
			case "service-region":
				return one(d.ServiceRegion), true
			case "service-type":
				return one(d.ServiceType[0].Type), true
			case "supported-ip-address-types":
				return d.IPAddressTypes, true
			}
			return nil, false
		})
	})
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(c.form, out)
	if err != nil {
		return nil, err
	}
	r := &describeServicesResp{ServiceNames: []string{}, Details: []xmlServiceDetail{}, NextToken: next}
	for _, d := range page {
		if !slices.Contains(r.ServiceNames, d.ServiceName) {
			r.ServiceNames = append(r.ServiceNames, d.ServiceName)
		}
		r.Details = append(r.Details, d)
	}
	return r, nil
}

// serviceID is the lab's ID of a service of one endpoint type: vpce-svc-
// and 17 hex digits derived from the two, as AWS's IDs are shaped.
func serviceID(name string, typ model.EndpointType) string {
	h := sha256.Sum256([]byte(name + "/" + string(typ)))
	return "vpce-svc-" + hex.EncodeToString(h[:9])[:17]
}
