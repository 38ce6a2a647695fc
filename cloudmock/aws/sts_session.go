package aws

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The STS calls that SDK credential chains make to get temporary keys:
// GetSessionToken and AssumeRole. The keys they issue sign requests of
// the account they name (AssumeRole's role's, which may be another lab
// account) until the process ends; their expiry is reported, not
// enforced, and they are not kept in a saved cloud.

// stsIdentity is whom temporary keys were issued to.
type stsIdentity struct {
	userID, arn string
}

// stsSessionActions are the STS actions that issue temporary keys.
var stsSessionActions = map[string]func(h *Handler, cred Credential, v url.Values, partition string) (response, int, string, string){
	"GetSessionToken": getSessionToken,
	"AssumeRole":      assumeRole,
}

// credential returns the credential of an access key ID.
func (h *Handler) credential(keyID string) (Credential, bool) {
	h.credMu.RLock()
	defer h.credMu.RUnlock()
	c, ok := h.creds[keyID]
	return c, ok
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type stsResponseMetadata struct {
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

func (m *stsResponseMetadata) setRequestID(id string) { m.RequestID = id }

type getSessionTokenResp struct {
	XMLName     struct{}       `xml:"GetSessionTokenResponse"`
	Xmlns       string         `xml:"xmlns,attr"`
	Credentials stsCredentials `xml:"GetSessionTokenResult>Credentials"`
	stsResponseMetadata
}

type assumeRoleResp struct {
	XMLName     struct{}       `xml:"AssumeRoleResponse"`
	Xmlns       string         `xml:"xmlns,attr"`
	Credentials stsCredentials `xml:"AssumeRoleResult>Credentials"`
	User        struct {
		Arn    string `xml:"Arn"`
		RoleID string `xml:"AssumedRoleId"`
	} `xml:"AssumeRoleResult>AssumedRoleUser"`
	stsResponseMetadata
}

// issue mints temporary keys for an account and identity, valid for
// seconds, and makes them sign requests.
// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_use-resources.html — temporary credentials: an access key ID (ASIA…), a secret access key and a session token
func (h *Handler) issue(account string, id *stsIdentity, seconds int) stsCredentials {
	c := Credential{AccountID: account, AccessKeyID: "ASIA" + randomUpper(16), SecretAccessKey: randomToken(30), SessionToken: randomToken(96), identity: id}
	h.credMu.Lock()
	h.creds[c.AccessKeyID] = c
	h.credMu.Unlock()
	return stsCredentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Expiration: h.now().UTC().Add(time.Duration(seconds) * time.Second).Format("2006-01-02T15:04:05Z")}
}

// duration reads DurationSeconds within [lo, hi], def when absent.
func duration(v url.Values, def, lo, hi int) (int, string) {
	s := v.Get("DurationSeconds")
	if s == "" {
		return def, ""
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, "1 validation error detected: Value '" + clip(s) + "' at 'durationSeconds' failed to satisfy constraint: Member must have value between " + strconv.Itoa(lo) + " and " + strconv.Itoa(hi)
	}
	return n, ""
}

// getSessionToken issues temporary keys of the caller's account.
// AWS: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html — DurationSeconds 900 to 129600 (36 hours), 43200 by default; not callable with temporary credentials
func getSessionToken(h *Handler, cred Credential, v url.Values, _ string) (response, int, string, string) {
	if cred.SessionToken != "" {
		return nil, http.StatusForbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials"
	}
	secs, bad := duration(v, 43200, 900, 129600)
	if bad != "" {
		return nil, http.StatusBadRequest, "ValidationError", bad
	}
	return &getSessionTokenResp{Xmlns: stsNamespace, Credentials: h.issue(cred.AccountID, cred.identity, secs)}, 0, "", ""
}

// roleARN is the shape of a role's ARN: its partition, account and path
// and name.
var roleARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$`)

// sessionName is the shape of RoleSessionName.
var sessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// assumeRole issues temporary keys of the role's account, as the role's
// session: the lab has no IAM, so every role of an account the lab serves
// may be assumed by any caller.
// AWS: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html — RoleArn and RoleSessionName required; DurationSeconds 900 to 43200, 3600 by default; AssumedRoleUser arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION and AssumedRoleId ROLEID:SESSION
func assumeRole(h *Handler, _ Credential, v url.Values, _ string) (response, int, string, string) {
	arn, sess := v.Get("RoleArn"), v.Get("RoleSessionName")
	for _, p := range []struct{ name, value string }{{"roleArn", arn}, {"roleSessionName", sess}} {
		if p.value == "" {
			return nil, http.StatusBadRequest, "ValidationError", "1 validation error detected: Value null at '" + p.name + "' failed to satisfy constraint: Member must not be null"
		}
	}
	if !sessionName.MatchString(sess) {
		return nil, http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '" + clip(sess) + "' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
	}
	m := roleARN.FindStringSubmatch(arn)
	if m == nil {
		return nil, http.StatusBadRequest, "ValidationError", clip(arn) + " is invalid"
	}
	partition, account, role := m[1], m[2], m[3]
	if !h.servesAccount(account) {
		return nil, http.StatusForbidden, "AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: " + clip(arn)
	}
	secs, bad := duration(v, 3600, 900, 43200)
	if bad != "" {
		return nil, http.StatusBadRequest, "ValidationError", bad
	}
	roleID := "AROA" + strings.ToUpper(randomUpper(17))
	id := &stsIdentity{userID: roleID + ":" + sess, arn: "arn:" + partition + ":sts::" + account + ":assumed-role/" + role + "/" + sess}
	out := &assumeRoleResp{Xmlns: stsNamespace, Credentials: h.issue(account, id, secs)}
	out.User.Arn, out.User.RoleID = id.arn, id.userID
	return out, 0, "", ""
}

// servesAccount reports whether a credential of the handler is the
// account's.
func (h *Handler) servesAccount(account string) bool {
	h.credMu.RLock()
	defer h.credMu.RUnlock()
	for _, c := range h.creds {
		if c.AccountID == account {
			return true
		}
	}
	return false
}

const upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// randomUpper is n random upper-case letters and digits, as access key
// IDs are made of.
func randomUpper(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = upperDigits[int(b[i])%len(upperDigits)]
	}
	return string(b)
}

// randomToken is a random secret of about n characters.
func randomToken(n int) string {
	b := make([]byte, n*3/4)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
