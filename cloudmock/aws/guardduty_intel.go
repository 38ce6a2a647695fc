package aws

import (
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// checkLength refuses a string outside GuardDuty's length bounds.
func checkLength(name, v string, lo, hi int) error {
	if len(v) < lo || len(v) > hi {
		return gdInvalidInput(name)
	}
	return nil
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateThreatIntelSet.html — name, format, location and activate required; name and location 1 to 300 characters; answers threatIntelSetId
func gdCreateThreatIntelSet(h *Handler, c *gdCall) (any, error) {
	var in struct {
		Name     string            `json:"name"`
		Format   string            `json:"format"`
		Location string            `json:"location"`
		Activate *bool             `json:"activate"`
		Tags     map[string]string `json:"tags"`
	}
	if err := decodeGD(c.body, &in); err != nil {
		return nil, err
	}
	if err := checkLength("name", in.Name, 1, 300); err != nil {
		return nil, err
	}
	if err := checkLength("location", in.Location, 1, 300); err != nil {
		return nil, err
	}
	if !slices.Contains(threatIntelFormats, in.Format) {
		return nil, gdInvalidInput("format")
	}
	if in.Activate == nil {
		return nil, gdBadRequest("The request is rejected because the input activate is missing.")
	}
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	addrs, err := readThreatList(in.Location, in.Format)
	if err != nil {
		return nil, err
	}
	return h.gdIdempotent(c, "CreateThreatIntelSet", func() (any, error) {
		s, err := h.cloud.CreateThreatIntelSet(c.account, c.detectorID, model.ThreatIntelSetSpec{Name: in.Name, Format: in.Format,
			Location: in.Location, Activate: *in.Activate, Addresses: addrs, Tags: in.Tags})
		if err != nil {
			return nil, err
		}
		return struct {
			ThreatIntelSetID string `json:"threatIntelSetId"`
		}{s.ID}, nil
	})
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListThreatIntelSets.html — threatIntelSetIds, maxResults 1 to 50, nextToken
func gdListThreatIntelSets(h *Handler, c *gdCall) (any, error) {
	max, err := queryMaxResults(c)
	if err != nil {
		return nil, err
	}
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	sets, err := h.cloud.ThreatIntelSets(c.account, c.detectorID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(sets))
	for _, s := range sets {
		ids = append(ids, s.ID)
	}
	page, next, err := gdPage(ids, max, c.query.Get("nextToken"), 50)
	if err != nil {
		return nil, err
	}
	return struct {
		ThreatIntelSetIDs []string `json:"threatIntelSetIds"`
		NextToken         string   `json:"nextToken,omitempty"`
	}{page, next}, nil
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetThreatIntelSet.html — name, format, location, status, tags
func gdGetThreatIntelSet(h *Handler, c *gdCall) (any, error) {
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	s, err := h.cloud.ThreatIntelSet(c.account, c.detectorID, c.subID)
	if err != nil {
		return nil, err
	}
	return struct {
		Name     string            `json:"name"`
		Format   string            `json:"format"`
		Location string            `json:"location"`
		Status   string            `json:"status"`
		Tags     map[string]string `json:"tags"`
	}{s.Name, s.Format, s.Location, s.Status(), s.Tags}, nil
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateThreatIntelSet.html — name, location, activate; empty answer
func gdUpdateThreatIntelSet(h *Handler, c *gdCall) (any, error) {
	var in struct {
		Name     string `json:"name"`
		Location string `json:"location"`
		Activate *bool  `json:"activate"`
	}
	if err := decodeGD(c.body, &in); err != nil {
		return nil, err
	}
	if in.Name != "" {
		if err := checkLength("name", in.Name, 1, 300); err != nil {
			return nil, err
		}
	}
	if err := checkLength("location", in.Location, 0, 300); err != nil {
		return nil, err
	}
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	s, err := h.cloud.ThreatIntelSet(c.account, c.detectorID, c.subID)
	if err != nil {
		return nil, err
	}
	u := model.ThreatIntelSetUpdate{Name: in.Name, Location: in.Location, Activate: in.Activate}
	// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_upload-lists.html — to use an updated list, update the set (reactivate it): GuardDuty reads the file again
	if u.Location != "" || (in.Activate != nil && *in.Activate) {
		loc := u.Location
		if loc == "" {
			loc = s.Location
		}
		if u.Addresses, err = readThreatList(loc, s.Format); err != nil {
			return nil, err
		}
	}
	_, err = h.cloud.UpdateThreatIntelSet(c.account, c.detectorID, c.subID, u)
	return nil, err
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DeleteThreatIntelSet.html — empty answer
func gdDeleteThreatIntelSet(h *Handler, c *gdCall) (any, error) {
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	return nil, h.cloud.DeleteThreatIntelSet(c.account, c.detectorID, c.subID)
}
