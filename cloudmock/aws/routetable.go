package aws

import (
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateRouteTable", createRouteTable)
	register("DescribeRouteTables", describeRouteTables)
	register("DeleteRouteTable", deleteRouteTable)
	register("AssociateRouteTable", associateRouteTable)
	register("DisassociateRouteTable", disassociateRouteTable)
	register("ReplaceRouteTableAssociation", replaceRouteTableAssociation)
	register("EnableVgwRoutePropagation", routePropagation(true))
	register("DisableVgwRoutePropagation", routePropagation(false))
}

type xmlPropagatingVgw struct {
	GatewayID string `xml:"gatewayId"`
}

// routePropagation turns VPN gateway route propagation into a table on or off.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableVgwRoutePropagation.html — GatewayId, RouteTableId
func routePropagation(on bool) action {
	return func(h *Handler, c *call) (response, error) {
		rt, err := c.form.required("RouteTableId")
		if err != nil {
			return nil, err
		}
		gw, err := c.form.required("GatewayId")
		if err != nil {
			return nil, err
		}
		if err := h.cloud.SetRoutePropagation(c.account, rt, gw, on); err != nil {
			return nil, err
		}
		return ok()
	}
}

type xmlAssocState struct {
	State string `xml:"state"`
}

type xmlRTAssoc struct {
	ID           string        `xml:"routeTableAssociationId"`
	RouteTableID string        `xml:"routeTableId"`
	SubnetID     string        `xml:"subnetId,omitempty"`
	GatewayID    string        `xml:"gatewayId,omitempty"`
	Main         bool          `xml:"main"`
	State        xmlAssocState `xml:"associationState"`
}

type xmlRoute struct {
	Destination      string `xml:"destinationCidrBlock,omitempty"`
	DestinationPL    string `xml:"destinationPrefixListId,omitempty"`
	DestinationIPv6  string `xml:"destinationIpv6CidrBlock,omitempty"`
	GatewayID        string `xml:"gatewayId,omitempty"`
	EgressOnlyIGWID  string `xml:"egressOnlyInternetGatewayId,omitempty"`
	InstanceID       string `xml:"instanceId,omitempty"`
	InstanceOwnerID  string `xml:"instanceOwnerId,omitempty"`
	NatGatewayID     string `xml:"natGatewayId,omitempty"`
	NetworkInterface string `xml:"networkInterfaceId,omitempty"`
	PeeringID        string `xml:"vpcPeeringConnectionId,omitempty"`
	TransitGatewayID string `xml:"transitGatewayId,omitempty"`
	State            string `xml:"state"`
	Origin           string `xml:"origin"`
}

type xmlRouteTable struct {
	RouteTableID string              `xml:"routeTableId"`
	VpcID        string              `xml:"vpcId"`
	OwnerID      string              `xml:"ownerId"`
	Routes       []xmlRoute          `xml:"routeSet>item"`
	Associations []xmlRTAssoc        `xml:"associationSet>item"`
	Propagating  []xmlPropagatingVgw `xml:"propagatingVgwSet>item"`
	Tags         []xmlTag            `xml:"tagSet>item"`
}

// toXMLRoute writes a model route the way EC2 shows it.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html — gatewayId "local" and origin CreateRouteTable for the local route
func toXMLRoute(r model.Route, owner string) xmlRoute {
	x := xmlRoute{State: string(r.State), Origin: "CreateRoute"}
	switch {
	case r.PrefixListID != "":
		x.DestinationPL = r.PrefixListID
	case r.Destination.Addr().Is6():
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html — an IPv6 route has destinationIpv6CidrBlock instead of destinationCidrBlock
		x.DestinationIPv6 = r.Destination.String()
	default:
		x.Destination = r.Destination.String()
	}
	switch r.Origin {
	case model.OriginTable:
		x.Origin = "CreateRouteTable"
	case model.OriginPropagated:
		x.Origin = "EnableVgwRoutePropagation"
	}
	switch r.Target.Kind {
	case model.TargetLocal:
		x.GatewayID = "local"
	case model.TargetInternetGateway, model.TargetVPNGateway:
		x.GatewayID = r.Target.ID
	case model.TargetVPCEndpoint:
		// AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html#gateway-endpoint-routing — the endpoint's route has the service's prefix list as destination and the endpoint as target
		x.GatewayID = r.Target.ID
	case model.TargetNATGateway:
		x.NatGatewayID = r.Target.ID
	case model.TargetEgressOnlyGateway:
		x.EgressOnlyIGWID = r.Target.ID
	case model.TargetInstance:
		x.InstanceID, x.InstanceOwnerID = r.Target.ID, owner
	case model.TargetNetworkInterface:
		x.NetworkInterface = r.Target.ID
	case model.TargetPeering:
		x.PeeringID = r.Target.ID
	case model.TargetTransitGateway:
		x.TransitGatewayID = r.Target.ID
	}
	return x
}

func toXMLRTAssoc(rtID string, a model.RouteTableAssociation) xmlRTAssoc {
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RouteTableAssociation.html — gatewayId: the internet or virtual private gateway of an edge association
	return xmlRTAssoc{ID: a.ID, RouteTableID: rtID, SubnetID: a.SubnetID, GatewayID: a.GatewayID, Main: a.Main, State: xmlAssocState{State: "associated"}}
}

func toXMLRouteTable(rt model.RouteTable) xmlRouteTable {
	x := xmlRouteTable{RouteTableID: rt.ID, VpcID: rt.NetworkID, OwnerID: rt.Account, Tags: tagSet(rt.Tags)}
	for _, r := range rt.Routes {
		x.Routes = append(x.Routes, toXMLRoute(r, rt.Account))
	}
	for _, a := range rt.Associations {
		x.Associations = append(x.Associations, toXMLRTAssoc(rt.ID, a))
	}
	for _, g := range rt.PropagatingVPNGateways {
		x.Propagating = append(x.Propagating, xmlPropagatingVgw{GatewayID: g})
	}
	return x
}

func routeTableFields(rt model.RouteTable) fields {
	routes := make([]xmlRoute, 0, len(rt.Routes))
	for _, r := range rt.Routes {
		routes = append(routes, toXMLRoute(r, rt.Account))
	}
	collect := func(get func(xmlRoute) string) []string {
		var out []string
		for _, r := range routes {
			if v := get(r); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	return withTags(rt.Tags, func(name string) ([]string, bool) {
		switch name {
		case "route-table-id":
			return one(rt.ID), true
		case "vpc-id":
			return one(rt.NetworkID), true
		case "owner-id":
			return one(rt.Account), true
		case "association.main":
			return one(strconv.FormatBool(rt.Main())), true
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html — association.gateway-id: the internet or virtual private gateway of the association
		case "association.subnet-id", "association.gateway-id", "association.route-table-association-id", "association.route-table-id":
			var out []string
			for _, a := range rt.Associations {
				switch name {
				case "association.subnet-id":
					if a.SubnetID != "" {
						out = append(out, a.SubnetID)
					}
				case "association.gateway-id":
					if a.GatewayID != "" {
						out = append(out, a.GatewayID)
					}
				case "association.route-table-association-id":
					out = append(out, a.ID)
				default:
					out = append(out, rt.ID)
				}
			}
			return out, true
		case "route.destination-cidr-block":
			return collect(func(r xmlRoute) string { return r.Destination }), true
		case "route.destination-prefix-list-id":
			return collect(func(r xmlRoute) string { return r.DestinationPL }), true
		case "route.destination-ipv6-cidr-block":
			return collect(func(r xmlRoute) string { return r.DestinationIPv6 }), true
		case "route.egress-only-internet-gateway-id":
			return collect(func(r xmlRoute) string { return r.EgressOnlyIGWID }), true
		case "route.gateway-id":
			return collect(func(r xmlRoute) string { return r.GatewayID }), true
		case "route.nat-gateway-id":
			return collect(func(r xmlRoute) string { return r.NatGatewayID }), true
		case "route.instance-id":
			return collect(func(r xmlRoute) string { return r.InstanceID }), true
		case "route.vpc-peering-connection-id":
			return collect(func(r xmlRoute) string { return r.PeeringID }), true
		case "route.transit-gateway-id":
			return collect(func(r xmlRoute) string { return r.TransitGatewayID }), true
		case "route.state":
			return collect(func(r xmlRoute) string { return r.State }), true
		case "route.origin":
			return collect(func(r xmlRoute) string { return r.Origin }), true
		}
		return nil, false
	})
}

type createRouteTableResp struct {
	meta
	RouteTable  xmlRouteTable `xml:"routeTable"`
	ClientToken string        `xml:"clientToken,omitempty"`
}

func createRouteTable(h *Handler, c *call) (response, error) {
	vpc, err := c.form.required("VpcId")
	if err != nil {
		return nil, err
	}
	tags, err := c.form.tagSpecs("route-table")
	if err != nil {
		return nil, err
	}
	rt, err := h.cloud.CreateRouteTable(c.account, vpc, tags)
	if err != nil {
		return nil, err
	}
	return &createRouteTableResp{RouteTable: toXMLRouteTable(rt), ClientToken: c.form.str("ClientToken")}, nil
}

type describeRouteTablesResp struct {
	meta
	RouteTables []xmlRouteTable `xml:"routeTableSet>item"`
	NextToken   string          `xml:"nextToken,omitempty"`
}

func describeRouteTables(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "RouteTableId", regional(h, c, h.cloud.RouteTables(c.account), func(o model.RouteTable) string { return o.ID }),
		func(rt model.RouteTable) string { return rt.ID }, routeTableFields)
	if err != nil {
		return nil, err
	}
	return &describeRouteTablesResp{RouteTables: convertAll(page, toXMLRouteTable), NextToken: next}, nil
}

func deleteRouteTable(h *Handler, c *call) (response, error) {
	id, err := c.form.required("RouteTableId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeleteRouteTable(c.account, id); err != nil {
		return nil, err
	}
	return ok()
}

type associateRouteTableResp struct {
	meta
	AssociationID string        `xml:"associationId"`
	State         xmlAssocState `xml:"associationState"`
}

func associateRouteTable(h *Handler, c *call) (response, error) {
	id, err := c.form.required("RouteTableId")
	if err != nil {
		return nil, err
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateRouteTable.html — SubnetId or GatewayId (an edge association)
	subnet, gw := c.form.str("SubnetId"), c.form.str("GatewayId")
	var a model.RouteTableAssociation
	switch {
	case subnet != "" && gw != "":
		return nil, &apiError{Code: "InvalidParameterCombination", Message: "The parameter gatewayId cannot be used with the parameter subnetId", Status: 400}
	case gw != "":
		a, err = h.cloud.AssociateRouteTableGateway(c.account, id, gw)
	case subnet != "":
		a, err = h.cloud.AssociateRouteTable(c.account, id, subnet)
	default:
		return nil, errMissing("subnetId or gatewayId")
	}
	if err != nil {
		return nil, err
	}
	return &associateRouteTableResp{AssociationID: a.ID, State: xmlAssocState{State: "associated"}}, nil
}

func disassociateRouteTable(h *Handler, c *call) (response, error) {
	id, err := c.form.required("AssociationId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DisassociateRouteTable(c.account, id); err != nil {
		return nil, err
	}
	return ok()
}

type replaceRTAssocResp struct {
	meta
	NewAssociationID string        `xml:"newAssociationId"`
	State            xmlAssocState `xml:"associationState"`
}

func replaceRouteTableAssociation(h *Handler, c *call) (response, error) {
	id, err := c.form.required("AssociationId")
	if err != nil {
		return nil, err
	}
	rt, err := c.form.required("RouteTableId")
	if err != nil {
		return nil, err
	}
	a, err := h.cloud.ReplaceRouteTableAssociation(c.account, id, rt)
	if err != nil {
		return nil, err
	}
	return &replaceRTAssocResp{NewAssociationID: a.ID, State: xmlAssocState{State: "associated"}}, nil
}
