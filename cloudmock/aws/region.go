package aws

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// regionName is the shape of a region name, such as us-east-1 or
// us-gov-west-1.
var regionName = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)

// requestRegion is the region a request is for: the one its Signature V4
// credential scope names. AWS serves each region at its own endpoint and
// a client signs for the region it calls; this one endpoint serves every
// region (a lab's VPCs may be in any), so the scope says which one a
// call is in. A request without a usable scope is in the handler's
// region.
// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html — the credential scope is date/region/service/aws4_request
// AWS: https://docs.aws.amazon.com/general/latest/gr/ec2-service.html — one EC2 endpoint per region
func (h *Handler) requestRegion(r *http.Request) string {
	if ah, ok := parseAuthorization(r.Header.Get("Authorization")); ok && regionName.MatchString(ah.region) {
		return ah.region
	}
	return h.region
}

// zone returns the availability zone of a call, defaulting to its
// region's first ("a"); a zone of another region is refused as AWS
// refuses it.
func (h *Handler) zone(c *call) (string, error) {
	region := c.region
	if region == "" {
		region = h.region
	}
	z := c.form.str("AvailabilityZone")
	if z == "" {
		return region + "a", nil
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html — zone names are the region plus a letter
	if !strings.HasPrefix(z, region) || len(z) != len(region)+1 || z[len(z)-1] < 'a' || z[len(z)-1] > 'f' {
		return "", errInvalid("Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %sa, %sb, %sc.", z, region, region, region)
	}
	return z, nil
}

// regionOf is the region an object of the model is in: its own, or the
// handler's default region for an object made without one (region.go of
// cloudmock/model).
func (h *Handler) regionOf(r string) string {
	if r == "" {
		return h.region
	}
	return r
}

// seenIn reports whether the call's region sees the object with the given
// ID; an ID the account does not have is seen (the action answers it).
func (h *Handler) seenIn(c *call, id string) bool {
	regions, ok := h.cloud.ObjectRegions(c.account, id)
	if !ok {
		return true
	}
	for _, r := range regions {
		if h.regionOf(r) == c.region {
			return true
		}
	}
	return false
}

// regional keeps the objects of all that the call's region sees: each
// region's endpoint lists only its own.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html — resources are tied to a Region; the console and API show one Region's
func regional[T any](h *Handler, c *call, all []T, id func(T) string) []T {
	out := all[:0:0]
	for _, o := range all {
		if h.seenIn(c, id(o)) {
			out = append(out, o)
		}
	}
	return out
}

// crossRegionParams are the ID parameters that may name an object of
// another region, by action: the accepter VPC of an inter-Region peering
// (createVpcPeeringConnection checks it against PeerRegion).
var crossRegionParams = map[string]string{"CreateVpcPeeringConnection": "PeerVpcId"}

// checkRegionIDs answers an ID parameter (a name ending in Id or Ids, such
// as VpcId, SubnetId.1 or ResourceId.2) that names an object of the
// account in another region as that kind's NotFound: a regional endpoint
// does not know another region's objects.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resources.html — a Regional resource can be used only in its Region
func (h *Handler) checkRegionIDs(c *call) *apiError {
	for _, key := range slices.Sorted(maps.Keys(c.form)) {
		name := paramName(key)
		if !strings.HasSuffix(name, "Id") && !strings.HasSuffix(name, "Ids") {
			continue
		}
		if crossRegionParams[c.action] == name {
			continue
		}
		for _, v := range c.form[key] {
			if v != "" && !h.seenIn(c, v) {
				return notFoundError(v)
			}
		}
	}
	return nil
}

// notFoundError is EC2's NotFound error for an ID, by its prefix.
func notFoundError(id string) *apiError {
	return &apiError{Code: notFoundCode(id), Message: "The ID '" + clip(id) + "' does not exist", Status: http.StatusBadRequest}
}
