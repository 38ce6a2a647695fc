package aws

import (
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateRoute", setRoute((*model.Cloud).CreateRoute))
	register("ReplaceRoute", setRoute((*model.Cloud).ReplaceRoute))
	register("DeleteRoute", deleteRoute)
}

// routeTarget reads the one target parameter of CreateRoute/ReplaceRoute.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html — exactly one target
func routeTarget(f form) (model.Target, error) {
	var found []model.Target
	if g := f.str("GatewayId"); g != "" {
		kind := model.TargetInternetGateway
		switch {
		case strings.HasPrefix(g, "vgw-"):
			kind = model.TargetVPNGateway
		case strings.HasPrefix(g, "vpce-"):
			kind = model.TargetVPCEndpoint // refused: an endpoint's routes are its own
		}
		found = append(found, model.Target{Kind: kind, ID: g})
	}
	for param, kind := range map[string]model.TargetKind{
		"NatGatewayId":           model.TargetNATGateway,
		"InstanceId":             model.TargetInstance,
		"NetworkInterfaceId":     model.TargetNetworkInterface,
		"VpcPeeringConnectionId": model.TargetPeering,
		"TransitGatewayId":       model.TargetTransitGateway,
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html — EgressOnlyInternetGatewayId: IPv6 traffic only
		"EgressOnlyInternetGatewayId": model.TargetEgressOnlyGateway,
	} {
		if v := f.str(param); v != "" {
			found = append(found, model.Target{Kind: kind, ID: v})
		}
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReplaceRoute.html — LocalTarget: reset the local route of a gateway route table to its default target
	if f.str("LocalTarget") == "true" {
		found = append(found, model.Target{Kind: model.TargetLocal})
	}
	switch len(found) {
	case 0:
		return model.Target{}, &apiError{Code: "MissingParameter", Message: "The request must contain exactly one of gatewayId, natGatewayId, instanceId, networkInterfaceId, vpcPeeringConnectionId, transitGatewayId", Status: 400}
	case 1:
		return found[0], nil
	}
	return model.Target{}, errInvalid("The parameter combination is invalid: specify only one route target.")
}

// routeArgs reads the ID parameter named idParam (a route table, a transit
// gateway route table, a VPN connection) and DestinationCidrBlock.
func routeArgs(f form, idParam string) (string, netip.Prefix, error) {
	id, err := f.required(idParam)
	if err != nil {
		return "", netip.Prefix{}, err
	}
	dst, err := routeDestination(f)
	return id, dst, err
}

// routeAction builds an action that reads routeArgs, calls a model route
// change with them and answers <return>true</return>: DeleteRoute,
// CreateVpnConnectionRoute, DeleteVpnConnectionRoute.
func routeAction(idParam string, change func(c *model.Cloud, account, id string, dst netip.Prefix) error) action {
	return func(h *Handler, c *call) (response, error) {
		id, dst, err := routeArgs(c.form, idParam)
		if err != nil {
			return nil, err
		}
		if err := change(h.cloud, c.account, id, dst); err != nil {
			return nil, err
		}
		return ok()
	}
}

// setRoute serves CreateRoute and ReplaceRoute, which take the same
// parameters and differ in the model call; a route to a prefix list
// (DestinationPrefixListId) goes to the model's prefix-list routes.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html — DestinationCidrBlock or DestinationPrefixListId
func setRoute(set func(c *model.Cloud, account, table string, dst netip.Prefix, t model.Target) error) action {
	return func(h *Handler, c *call) (response, error) {
		if pl := c.form.str("DestinationPrefixListId"); pl != "" {
			return setPrefixListRoute(h, c, pl)
		}
		rt, dst, err := routeArgs(c.form, "RouteTableId")
		if err != nil {
			return nil, err
		}
		if c.action == "CreateRoute" {
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRoute.html — DestinationCidrBlock: modified to its canonical form (ReplaceRoute's must match an existing route)
			dst = dst.Masked()
		}
		t, err := routeTarget(c.form)
		if err != nil {
			return nil, err
		}
		if err := set(h.cloud, c.account, rt, dst, t); err != nil {
			return nil, err
		}
		return ok()
	}
}

// setPrefixListRoute serves CreateRoute and ReplaceRoute with
// DestinationPrefixListId.
func setPrefixListRoute(h *Handler, c *call, pl string) (response, error) {
	rt, err := c.form.required("RouteTableId")
	if err != nil {
		return nil, err
	}
	if c.form.str("DestinationCidrBlock") != "" {
		return nil, errInvalid("The parameter combination is invalid: specify only one of destinationCidrBlock and destinationPrefixListId.")
	}
	t, err := routeTarget(c.form)
	if err != nil {
		return nil, err
	}
	set := h.cloud.CreatePrefixListRoute
	if c.action == "ReplaceRoute" {
		set = h.cloud.ReplacePrefixListRoute
	}
	if err := set(c.account, rt, pl, t); err != nil {
		return nil, err
	}
	return ok()
}

// deleteRoute deletes the route to DestinationCidrBlock or to
// DestinationPrefixListId.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteRoute.html — DestinationCidrBlock, DestinationPrefixListId
func deleteRoute(h *Handler, c *call) (response, error) {
	pl := c.form.str("DestinationPrefixListId")
	if pl == "" {
		return routeAction("RouteTableId", (*model.Cloud).DeleteRoute)(h, c)
	}
	rt, err := c.form.required("RouteTableId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeletePrefixListRoute(c.account, rt, pl); err != nil {
		return nil, err
	}
	return ok()
}
