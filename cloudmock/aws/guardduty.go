package aws

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/held"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The GuardDuty API is REST-JSON: the operation is the method and the
// path (/detector/{detectorId}/...), the body JSON with camelCase
// members, and SigV4 for the service guardduty; this endpoint tells it
// from EC2 by the credential scope's service (or, unsigned, by the path).
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/Welcome.html — the GuardDuty API (2017-11-28)
// AWS: https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html — restJson1: HTTP bindings, JSON bodies, errors by X-Amzn-Errortype and __type
const (
	gdService     = "guardduty"
	gdPathPrefix  = "/detector"
	gdContentType = "application/json"
)

// gdCall is one authenticated GuardDuty request: the account and region
// it acts in, the path's IDs, the query and the JSON body.
type gdCall struct {
	account, region string
	detectorID      string // the path's {detectorId}, if any
	subID           string // the path's {threatIntelSetId}, if any
	query           url.Values
	body            []byte
}

// gdAction runs one GuardDuty operation and returns the value to encode
// as its response (nil: an empty object).
type gdAction func(h *Handler, c *gdCall) (any, error)

// gdRoute is one operation's method and path shape: segments after
// /detector, "{}" standing for an ID.
type gdRoute struct {
	method, shape string
	name          string
	act           gdAction
}

// gdRoutes are the GuardDuty operations the handler implements.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Operations.html — each operation's method and request URI
var gdRoutes = []gdRoute{
	{"POST", "", "CreateDetector", gdCreateDetector},
	{"GET", "", "ListDetectors", gdListDetectors},
	{"GET", "{}", "GetDetector", gdGetDetector},
	{"POST", "{}", "UpdateDetector", gdUpdateDetector},
	{"DELETE", "{}", "DeleteDetector", gdDeleteDetector},
	{"POST", "{}/threatintelset", "CreateThreatIntelSet", gdCreateThreatIntelSet},
	{"GET", "{}/threatintelset", "ListThreatIntelSets", gdListThreatIntelSets},
	{"GET", "{}/threatintelset/{}", "GetThreatIntelSet", gdGetThreatIntelSet},
	{"POST", "{}/threatintelset/{}", "UpdateThreatIntelSet", gdUpdateThreatIntelSet},
	{"DELETE", "{}/threatintelset/{}", "DeleteThreatIntelSet", gdDeleteThreatIntelSet},
	{"POST", "{}/findings", "ListFindings", gdListFindings},
	{"POST", "{}/findings/get", "GetFindings", gdGetFindings},
	{"POST", "{}/findings/archive", "ArchiveFindings", gdArchiveFindings},
	{"POST", "{}/findings/unarchive", "UnarchiveFindings", gdUnarchiveFindings},
	{"POST", "{}/findings/create", "CreateSampleFindings", gdCreateSampleFindings},
	{"POST", "{}/findings/statistics", "GetFindingsStatistics", gdGetFindingsStatistics},
}

// GuardDutyActions lists the GuardDuty operations the handler implements,
// sorted.
func GuardDutyActions() []string {
	names := map[string]bool{}
	for _, r := range gdRoutes {
		names[r.name] = true
	}
	return slices.Sorted(maps.Keys(names))
}

// isGuardDuty reports whether a request is for GuardDuty: signed for it,
// or (unsigned) on its paths.
func isGuardDuty(r *http.Request) bool {
	if ah, ok := parseAuthorization(r.Header.Get("Authorization")); ok {
		return ah.service == gdService
	}
	return r.URL.Path == gdPathPrefix || strings.HasPrefix(r.URL.Path, gdPathPrefix+"/")
}

// gdError is an error as GuardDuty reports it: its exception, a message,
// and the HTTP status.
type gdError struct {
	Type    string
	Message string
	Status  int
}

func (e *gdError) Error() string { return e.Type + ": " + e.Message }

// gdBadRequest is GuardDuty's answer to a request it refuses.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/CommonErrors.html — BadRequestException, HTTP 400
func gdBadRequest(format string, args ...any) *gdError {
	return &gdError{Type: "BadRequestException", Message: sprintfClipped(format, args...), Status: http.StatusBadRequest}
}

// gdInvalidInput is GuardDuty's wording of a parameter it refuses.
func gdInvalidInput(name string) *gdError {
	return gdBadRequest("The request is rejected because an invalid or out-of-range value is specified as an input parameter: %s.", name)
}

// errDetectorNotOwned is GuardDuty's answer to a detector ID the account
// does not have in the region.
func errDetectorNotOwned() *gdError {
	return gdBadRequest("The request is rejected because the input detectorId is not owned by the current account.")
}

// toGDError maps an error to GuardDuty's: model errors are bad requests
// in GuardDuty's words for their kind, anything else a server error.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetDetector.html — BadRequestException 400, InternalServerErrorException 500
func toGDError(err error) *gdError {
	var ge *gdError
	if errors.As(err, &ge) {
		return ge
	}
	var me *model.Error
	if errors.As(err, &me) {
		switch {
		case me.Code == model.CodeNotFound && me.Kind == model.KindDetector:
			return errDetectorNotOwned()
		case me.Code == model.CodeNotFound && me.Kind == model.KindThreatIntelSet:
			return gdBadRequest("The request is rejected because the input threatIntelSetId is not owned by the current account.")
		case me.Code == model.CodeNotFound && me.Kind == model.KindFinding:
			return gdBadRequest("The request is rejected because the input findingIds are not owned by the current account.")
		}
		return gdBadRequest("%s", me.Msg)
	}
	return &gdError{Type: "InternalServerErrorException", Message: "The request is rejected due to an internal server error.", Status: http.StatusInternalServerError}
}

// writeGDError writes a restJson1 error: the X-Amzn-Errortype header and
// {"__type", "message"} in the body.
// AWS: https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html — operation error serialization
func writeGDError(w http.ResponseWriter, reqID string, e *gdError) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Type, e.Message})
	w.Header().Set("Content-Type", gdContentType)
	w.Header().Set("X-Amzn-Requestid", reqID)
	w.Header().Set("X-Amzn-Errortype", e.Type)
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// gdRouteOf finds the operation of a method and path, with the path's
// IDs.
func gdRouteOf(method, path string) (gdRoute, []string, bool) {
	rest, ok := strings.CutPrefix(path, gdPathPrefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return gdRoute{}, nil, false
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	if rest == "" || rest == "/" {
		segs = nil
	}
	for _, r := range gdRoutes {
		var shape []string
		if r.shape != "" {
			shape = strings.Split(r.shape, "/")
		}
		if r.method != method || len(shape) != len(segs) {
			continue
		}
		var ids []string
		match := true
		for i, s := range shape {
			if s == "{}" {
				id, err := url.PathUnescape(segs[i])
				if err != nil || id == "" {
					match = false
					break
				}
				ids = append(ids, id)
			} else if s != segs[i] {
				match = false
				break
			}
		}
		if match {
			return r, ids, true
		}
	}
	return gdRoute{}, nil, false
}

// serveGuardDuty authenticates and runs one GuardDuty request; readErr is
// the error of reading its body.
func (h *Handler) serveGuardDuty(w http.ResponseWriter, r *http.Request, reqID string, body []byte, readErr error) {
	if readErr != nil {
		writeGDError(w, reqID, gdFromDX(dxBodyError(w, readErr)))
		return
	}
	cred, service, err := h.authenticate(r, body)
	if err != nil {
		writeGDError(w, reqID, gdFromDX(dxAuthError(err)))
		return
	}
	// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html — the credential scope names the service the request is for
	if service != gdService {
		writeGDError(w, reqID, &gdError{Type: "IncompleteSignature",
			Message: fmt.Sprintf("Credential should be scoped to correct service: '%s'.", gdService), Status: http.StatusBadRequest})
		return
	}
	route, ids, ok := gdRouteOf(r.Method, r.URL.Path)
	if !ok {
		// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/CommonErrors.html — UnknownOperationException: the action or operation requested is invalid
		writeGDError(w, reqID, &gdError{Type: "UnknownOperationException", Message: fmt.Sprintf("%s %s is not an operation of this web service.", clip(r.Method), clip(r.URL.Path)), Status: http.StatusNotFound})
		return
	}
	// Get* and List* (a POST for findings) change nothing.
	if strings.HasPrefix(route.name, "Get") || strings.HasPrefix(route.name, "List") {
		held.MarkRead(w)
	}
	c := &gdCall{account: cred.AccountID, region: h.requestRegion(r), query: r.URL.Query(), body: body}
	if len(c.body) == 0 {
		c.body = []byte("{}")
	}
	if len(ids) > 0 {
		c.detectorID = ids[0]
	}
	if len(ids) > 1 {
		c.subID = ids[1]
	}
	out, err := route.act(h, c)
	if err != nil {
		writeGDError(w, reqID, toGDError(err))
		return
	}
	if out == nil {
		out = struct{}{}
	}
	enc, err := json.Marshal(out)
	if err != nil {
		writeGDError(w, reqID, toGDError(fmt.Errorf("encode %s response: %w", route.name, err)))
		return
	}
	w.Header().Set("Content-Type", gdContentType)
	w.Header().Set("X-Amzn-Requestid", reqID)
	_, _ = w.Write(enc)
}

// gdFromDX turns an AWS JSON error (a refused signature or body) into
// GuardDuty's, keeping its type, message and status.
func gdFromDX(e *dxError) *gdError {
	return &gdError{Type: e.Type, Message: e.Message, Status: e.Status}
}

// decodeGD decodes an operation's JSON body into v.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/CommonErrors.html — a malformed request is refused with HTTP 400
func decodeGD(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return gdBadRequest("The request is rejected because the JSON could not be processed: %v", err)
	}
	return nil
}

// gdDetector returns the account's detector named by the call's path if
// it is in the call's region: each region's endpoint has its own.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_regions.html — GuardDuty is a Regional service: a detector belongs to one Region
func (h *Handler) gdDetector(c *gdCall) (model.Detector, error) {
	d, err := h.cloud.Detector(c.account, c.detectorID)
	if err != nil || h.regionOf(d.Region) != c.region {
		return model.Detector{}, errDetectorNotOwned()
	}
	return d, nil
}
