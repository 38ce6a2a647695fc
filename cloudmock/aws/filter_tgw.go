package aws

import (
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// tgwOptionField answers the options.* filters of DescribeTransitGateways
// from the options the gateway is shown with.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTransitGateways.html — options.amazon-side-asn, .association-default-route-table-id, .auto-accept-shared-attachments, .default-route-table-association, .default-route-table-propagation, .dns-support, .propagation-default-route-table-id, .vpn-ecmp-support
func (h *Handler) tgwOptionField(g model.TransitGateway, name string) ([]string, bool) {
	o := h.toXMLTGW(g).Options
	opt := func(v string) ([]string, bool) {
		if v == "" {
			return nil, true
		}
		return one(v), true
	}
	switch name {
	case "options.amazon-side-asn":
		return one(strconv.FormatInt(o.AmazonSideAsn, 10)), true
	case "options.association-default-route-table-id":
		return opt(o.AssociationDefaultRTID)
	case "options.propagation-default-route-table-id":
		return opt(o.PropagationDefaultRTID)
	case "options.auto-accept-shared-attachments":
		return opt(o.AutoAccept)
	case "options.default-route-table-association":
		return opt(o.DefaultAssociation)
	case "options.default-route-table-propagation":
		return opt(o.DefaultPropagation)
	case "options.dns-support":
		return opt(o.DNSSupport)
	case "options.vpn-ecmp-support":
		return opt(o.VpnEcmpSupport)
	}
	return nil, false
}

// tgwLinkField answers the filters of GetTransitGatewayRouteTable-
// Associations and -Propagations.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetTransitGatewayRouteTableAssociations.html — resource-id, resource-type, transit-gateway-attachment-id
func tgwLinkField(l xmlTGWLink, name string) ([]string, bool) {
	switch name {
	case "resource-id":
		return one(l.ResourceID), true
	case "resource-type":
		return one(l.ResourceType), true
	case "transit-gateway-attachment-id":
		return one(l.AttachmentID), true
	}
	return nil, false
}

// routeSearch takes SearchTransitGatewayRoutes' CIDR filters out of fs:
// they compare prefixes, not strings. keep reports whether a route's
// destination passes them all.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SearchTransitGatewayRoutes.html — route-search.longest-prefix-match, .subnet-of-match, .supernet-of-match
func routeSearch(fs []filter, routes []model.TransitGatewayRoute) (rest []filter, keep func(netip.Prefix) bool, err error) {
	var tests []func(netip.Prefix) bool
	for _, f := range fs {
		switch f.name {
		case "route-search.longest-prefix-match", "route-search.subnet-of-match", "route-search.supernet-of-match":
		default:
			rest = append(rest, f)
			continue
		}
		var ps []netip.Prefix
		for _, v := range f.values {
			p, perr := netip.ParsePrefix(v)
			if perr != nil {
				return nil, nil, errInvalid("The filter value '%s' for filter '%s' is not a valid CIDR block.", clip(v), f.name)
			}
			ps = append(ps, p.Masked())
		}
		tests = append(tests, prefixTest(f.name, ps, routes))
	}
	keep = func(d netip.Prefix) bool {
		for _, t := range tests {
			if !t(d) {
				return false
			}
		}
		return true
	}
	return rest, keep, nil
}

// prefixTest is one CIDR filter: a destination passes if it passes for
// any of the filter's values.
func prefixTest(name string, values []netip.Prefix, routes []model.TransitGatewayRoute) func(netip.Prefix) bool {
	longest := map[netip.Prefix]bool{} // per value, the most specific route containing it
	if name == "route-search.longest-prefix-match" {
		for _, v := range values {
			best := netip.Prefix{}
			for _, r := range routes {
				if r.Destination.Bits() <= v.Bits() && r.Destination.Contains(v.Addr()) && (!best.IsValid() || r.Destination.Bits() > best.Bits()) {
					best = r.Destination
				}
			}
			if best.IsValid() {
				longest[best] = true
			}
		}
	}
	return func(d netip.Prefix) bool {
		for _, v := range values {
			switch name {
			case "route-search.longest-prefix-match":
				if longest[d] {
					return true
				}
			case "route-search.subnet-of-match": // routes inside the value
				if d.Bits() >= v.Bits() && v.Contains(d.Addr()) {
					return true
				}
			case "route-search.supernet-of-match": // routes that contain the value
				if d.Bits() <= v.Bits() && d.Contains(v.Addr()) {
					return true
				}
			}
		}
		return false
	}
}
