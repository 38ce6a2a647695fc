package aws

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"

	"github.com/mcnlab/mcnlab/topologies"
)

// STS on the lab's one endpoint: the calls that tools make first to learn
// whose keys they hold (`aws sts get-caller-identity`, SDK credential
// checks), answered for the account of the signing key.

// stsService is the service an STS request's credential scope names.
const stsService = "sts"

// stsVersion is the STS API version its clients send.
const stsVersion = "2011-06-15"

const stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

type stsMetadata struct {
	RequestID string `xml:"RequestId"`
}

type callerIdentityResp struct {
	XMLName xml.Name `xml:"GetCallerIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	Metadata stsMetadata `xml:"ResponseMetadata"`
}

type stsErrorResp struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// serveSTS answers an STS query request of an authenticated key.
// AWS: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html — Account, Arn and UserId of the caller; for the account's own (root) keys the ARN is arn:PARTITION:iam::ACCOUNT:root and the user ID the account ID
func (h *Handler) serveSTS(w http.ResponseWriter, r *http.Request, reqID string, cred Credential, body []byte) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		writeSTSError(w, reqID, http.StatusBadRequest, "MalformedInput", "malformed form body")
		return
	}
	for k, v := range r.URL.Query() {
		values[k] = append(values[k], v...)
	}
	action := values.Get("Action")
	session, isSession := stsSessionActions[action]
	if action != "GetCallerIdentity" && !isSession {
		writeSTSError(w, reqID, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", clip(action), clip(values.Get("Version"))))
		return
	}
	if v := values.Get("Version"); v != stsVersion {
		writeSTSError(w, reqID, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", action, clip(v)))
		return
	}
	partition := topologies.AWSPartition(h.requestRegion(r))
	if isSession {
		out, status, code, msg := session(h, cred, values, partition)
		if code != "" {
			writeSTSError(w, reqID, status, code, msg)
			return
		}
		out.setRequestID(reqID)
		b, err := xml.Marshal(out)
		if err != nil {
			writeSTSError(w, reqID, http.StatusInternalServerError, "InternalFailure", err.Error())
			return
		}
		writeXML(w, b)
		return
	}
	// The lab's keys are the account's own: they act as its root user;
	// temporary keys as whom they were issued to.
	resp := callerIdentityResp{Xmlns: stsNamespace, Metadata: stsMetadata{RequestID: reqID}}
	resp.Result.Account = cred.AccountID
	resp.Result.UserID = cred.AccountID
	resp.Result.Arn = "arn:" + partition + ":iam::" + cred.AccountID + ":root"
	if cred.identity != nil {
		resp.Result.UserID, resp.Result.Arn = cred.identity.userID, cred.identity.arn
	}
	b, err := xml.Marshal(resp)
	if err != nil {
		writeSTSError(w, reqID, http.StatusInternalServerError, "InternalFailure", err.Error())
		return
	}
	writeXML(w, b)
}

// writeSTSError answers an STS error in the query protocol's shape.
// AWS: https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html — common errors
func writeSTSError(w http.ResponseWriter, reqID string, status int, code, msg string) {
	e := stsErrorResp{Xmlns: stsNamespace, RequestID: reqID}
	e.Error.Type, e.Error.Code, e.Error.Message = "Sender", code, msg
	if status >= 500 {
		e.Error.Type = "Receiver"
	}
	b, _ := xml.Marshal(e)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}
