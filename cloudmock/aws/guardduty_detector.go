package aws

import (
	"errors"
	"io"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// gdTime is how GuardDuty writes its string timestamps (createdAt,
// updatedAt, eventFirstSeen, ...): ISO 8601 in UTC with milliseconds.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html — createdAt: the time and date when the finding was created (string)
const gdTime = "2006-01-02T15:04:05.000Z"

func gdTimeString(t time.Time) string { return t.UTC().Format(gdTime) }

// gdPage returns one page of ids: at most maxResults (1 to max, default
// max) from the offset nextToken names, and the token of the next page.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListDetectors.html — maxResults 1 to 50, default 50; nextToken from the previous response
func gdPage(ids []string, maxResults *int, nextToken string, max int) ([]string, string, error) {
	n := max
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > max {
			return nil, "", gdInvalidInput("maxResults")
		}
		n = *maxResults
	}
	start := 0
	if nextToken != "" {
		v, err := strconv.Atoi(nextToken)
		if err != nil || v < 0 || v > len(ids) {
			return nil, "", gdInvalidInput("nextToken")
		}
		start = v
	}
	end := min(start+n, len(ids))
	next := ""
	if end < len(ids) {
		next = strconv.Itoa(end)
	}
	return ids[start:end], next, nil
}

// queryMaxResults reads the maxResults of a GET operation's query.
func queryMaxResults(c *gdCall) (*int, error) {
	s := c.query.Get("maxResults")
	if s == "" {
		return nil, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return nil, gdInvalidInput("maxResults")
	}
	return &v, nil
}

// gdServiceRole is the service-linked role every detector reports.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/using-service-linked-roles.html — AWSServiceRoleForAmazonGuardDuty
func gdServiceRole(account string) string {
	return "arn:aws:iam::" + account + ":role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty"
}

// findingPublishingFrequencies are the frequencies a detector may have.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html — findingPublishingFrequency FIFTEEN_MINUTES | ONE_HOUR | SIX_HOURS
var findingPublishingFrequencies = []string{"FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html — enable (required), findingPublishingFrequency, tags; answers detectorId
func gdCreateDetector(h *Handler, c *gdCall) (any, error) {
	var in struct {
		Enable                     *bool             `json:"enable"`
		FindingPublishingFrequency string            `json:"findingPublishingFrequency"`
		Tags                       map[string]string `json:"tags"`
	}
	if err := decodeGD(c.body, &in); err != nil {
		return nil, err
	}
	if in.Enable == nil {
		return nil, gdBadRequest("The request is rejected because the input enable is missing.")
	}
	if f := in.FindingPublishingFrequency; f != "" && !slices.Contains(findingPublishingFrequencies, f) {
		return nil, gdInvalidInput("findingPublishingFrequency")
	}
	return h.gdIdempotent(c, "CreateDetector", func() (any, error) {
		for _, d := range h.cloud.Detectors(c.account) {
			if h.regionOf(d.Region) == c.region {
				return nil, gdBadRequest("The request is rejected because a detector already exists for the current account.")
			}
		}
		d, err := h.cloud.CreateDetector(c.account, c.region, model.DetectorSpec{Enable: *in.Enable,
			FindingPublishingFrequency: in.FindingPublishingFrequency, Tags: in.Tags})
		if err != nil {
			if model.CodeOf(err) == model.CodeAlreadyExists {
				return nil, gdBadRequest("The request is rejected because a detector already exists for the current account.")
			}
			return nil, err
		}
		return struct {
			DetectorID string `json:"detectorId"`
		}{d.ID}, nil
	})
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListDetectors.html — detectorIds of the Region's detectors
func gdListDetectors(h *Handler, c *gdCall) (any, error) {
	max, err := queryMaxResults(c)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, d := range h.cloud.Detectors(c.account) {
		if h.regionOf(d.Region) == c.region {
			ids = append(ids, d.ID)
		}
	}
	page, next, err := gdPage(ids, max, c.query.Get("nextToken"), 50)
	if err != nil {
		return nil, err
	}
	return struct {
		DetectorIDs []string `json:"detectorIds"`
		NextToken   string   `json:"nextToken,omitempty"`
	}{append([]string{}, page...), next}, nil
}

type gdStatus struct {
	Status string `json:"status"`
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetDetector.html — createdAt, findingPublishingFrequency, serviceRole, status, updatedAt, dataSources, tags
func gdGetDetector(h *Handler, c *gdCall) (any, error) {
	d, err := h.gdDetector(c)
	if err != nil {
		return nil, err
	}
	// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_data-sources.html — foundational data sources: CloudTrail events, VPC flow logs, DNS logs
	type sources struct {
		CloudTrail gdStatus `json:"cloudTrail"`
		DNSLogs    gdStatus `json:"dnsLogs"`
		FlowLogs   gdStatus `json:"flowLogs"`
	}
	on := gdStatus{"ENABLED"}
	return struct {
		CreatedAt                  string            `json:"createdAt"`
		FindingPublishingFrequency string            `json:"findingPublishingFrequency"`
		ServiceRole                string            `json:"serviceRole"`
		Status                     string            `json:"status"`
		UpdatedAt                  string            `json:"updatedAt"`
		DataSources                sources           `json:"dataSources"`
		Tags                       map[string]string `json:"tags"`
	}{gdTimeString(d.CreatedAt), d.FindingPublishingFrequency, gdServiceRole(d.Account), d.Status, gdTimeString(d.UpdatedAt),
		sources{on, on, on}, d.Tags}, nil
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateDetector.html — enable, findingPublishingFrequency; empty answer
func gdUpdateDetector(h *Handler, c *gdCall) (any, error) {
	var in struct {
		Enable                     *bool  `json:"enable"`
		FindingPublishingFrequency string `json:"findingPublishingFrequency"`
	}
	if err := decodeGD(c.body, &in); err != nil {
		return nil, err
	}
	if f := in.FindingPublishingFrequency; f != "" && !slices.Contains(findingPublishingFrequencies, f) {
		return nil, gdInvalidInput("findingPublishingFrequency")
	}
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	_, err := h.cloud.UpdateDetector(c.account, c.detectorID, model.DetectorUpdate{Enable: in.Enable, FindingPublishingFrequency: in.FindingPublishingFrequency})
	return nil, err
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DeleteDetector.html — deletes the detector; empty answer
func gdDeleteDetector(h *Handler, c *gdCall) (any, error) {
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	return nil, h.cloud.DeleteDetector(c.account, c.detectorID)
}

// threatIntelFormats are the formats a threat intel set may have; the lab
// reads the content of TXT lists only.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateThreatIntelSet.html — format TXT | STIX | OTX_CSV | ALIEN_VAULT | PROOF_POINT | FIRE_EYE
var threatIntelFormats = []string{"TXT", "STIX", "OTX_CSV", "ALIEN_VAULT", "PROOF_POINT", "FIRE_EYE"}

// maxThreatListBytes is the largest list file the front-end reads.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_limits.html — maximum size of a ThreatIntelSet file: 35 MB
const maxThreatListBytes = 35 << 20

// readThreatList reads the list at a file:// location, which the lab uses
// where GuardDuty reads S3. For any other location (whose content is what
// the lab put there, model.PutThreatList), or a format other than TXT, it
// reads nothing and returns nil.
func readThreatList(location, format string) ([]netip.Prefix, error) {
	u, err := url.Parse(location)
	if err != nil || u.Scheme != "file" || format != model.ThreatListTXT {
		return nil, nil
	}
	f, err := os.Open(u.Path)
	if err != nil {
		return nil, gdBadRequest("The request is rejected because the threat list at %s cannot be read: %v", location, errors.Unwrap(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxThreatListBytes+1))
	if err != nil || len(b) > maxThreatListBytes {
		return nil, gdBadRequest("The request is rejected because the threat list at %s cannot be read or is over 35 MB.", location)
	}
	addrs, err := model.ParseThreatList(string(b))
	if err != nil {
		return nil, gdBadRequest("The request is rejected because the threat list at %s is not a valid TXT list.", location)
	}
	if addrs == nil {
		addrs = []netip.Prefix{} // read, and empty
	}
	return addrs, nil
}
