package aws

import (
	"net/http"
	"regexp"
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
