package aws

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
)

// Credential ties an access key to the account it acts for.
type Credential struct {
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken, when set, makes the credential a temporary one that
	// the account issued: requests must carry exactly this token in
	// X-Amz-Security-Token. A credential without one accepts no token.
	// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_use-resources.html — temporary credentials are the access key, the secret and the session token together
	SessionToken string
	// identity is whom temporary keys were issued to (sts_session.go);
	// nil for an account's own keys, its root user.
	identity *stsIdentity
}

// authReason is why a request's signature was refused; each front-end
// maps it to its protocol's error.
type authReason int

// The reasons authenticate refuses a request.
const (
	authMissing      authReason = iota // no Authorization header, or one that does not parse
	authUnknownKey                     // the access key ID names no credential
	authBadSignature                   // the signature (or its date) does not match the request
	authExpired                        // signed more than 15 minutes away from now
	authBadToken                       // X-Amz-Security-Token is not the one issued with the access key
)

// authError is a refused signature.
type authError struct {
	reason  authReason
	service string // the service the credential scope names, when it parsed
}

func (e *authError) Error() string {
	switch e.reason {
	case authMissing:
		return "request is not signed with Signature Version 4"
	case authUnknownKey:
		return "unknown access key ID"
	case authExpired:
		return "request has expired"
	case authBadToken:
		return "the security token included in the request is invalid"
	}
	return "signature does not match"
}

// ec2AuthError is EC2's answer to a refused signature. EC2 answers every
// credential it cannot validate (unknown key, wrong secret, a session token
// it did not issue) with AuthFailure, where JSON services such as Direct
// Connect say InvalidClientTokenId.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — AuthFailure: the provided credentials could not be validated; RequestExpired
func ec2AuthError(err error) *apiError {
	var ae *authError
	if errors.As(err, &ae) && ae.reason == authExpired {
		return &apiError{Code: "RequestExpired", Message: "Request has expired.", Status: http.StatusBadRequest}
	}
	return &apiError{Code: "AuthFailure", Message: "AWS was not able to validate the provided access credentials", Status: http.StatusUnauthorized}
}

// sigV4Header is the parsed Authorization header.
type sigV4Header struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

func parseAuthorization(h string) (sigV4Header, bool) {
	var s sigV4Header
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return s, false
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 || f[4] != "aws4_request" {
				return s, false
			}
			s.accessKey, s.date, s.region, s.service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			s.signedHeaders = strings.Split(v, ";")
		case "Signature":
			s.signature = v
		}
	}
	return s, s.accessKey != "" && s.signature != "" && len(s.signedHeaders) > 0
}

// authenticate verifies the request's Signature Version 4 by recomputing it
// from the secret of the access key it names, and returns that credential
// and the service its credential scope names. Its errors are *authError.
// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html — SigV4 canonical request and signature
func (h *Handler) authenticate(r *http.Request, body []byte) (Credential, string, error) {
	ah, ok := parseAuthorization(r.Header.Get("Authorization"))
	if !ok {
		return Credential{}, "", &authError{reason: authMissing}
	}
	fail := func(reason authReason) (Credential, string, error) {
		return Credential{}, ah.service, &authError{reason: reason, service: ah.service}
	}
	cred, ok := h.credential(ah.accessKey)
	if !ok {
		return fail(authUnknownKey)
	}
	// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_use-resources.html — a session token is valid only with the temporary access key it was issued with
	if tok := r.Header.Get("X-Amz-Security-Token"); subtle.ConstantTimeCompare([]byte(tok), []byte(cred.SessionToken)) != 1 {
		return fail(authBadToken)
	}
	signedAt, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil || !strings.HasPrefix(r.Header.Get("X-Amz-Date"), ah.date) {
		return fail(authBadSignature)
	}
	// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/signing-elements.html — a signature is valid for 15 minutes (clock skew)
	if d := h.now().Sub(signedAt); d > 15*time.Minute || d < -15*time.Minute {
		return fail(authExpired)
	}
	req := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: http.Header{},
	}
	for _, name := range ah.signedHeaders {
		switch name {
		case "host":
		case "content-length":
			req.ContentLength = int64(len(body))
		default:
			req.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	sum := sha256.Sum256(body)
	creds := sdkaws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey,
		SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := h.signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), ah.service, ah.region, signedAt); err != nil {
		return fail(authBadSignature)
	}
	want, ok := parseAuthorization(req.Header.Get("Authorization"))
	if !ok || subtle.ConstantTimeCompare([]byte(want.signature), []byte(ah.signature)) != 1 {
		return fail(authBadSignature)
	}
	return cred, ah.service, nil
}

// ec2Service is the service an EC2 request's credential scope names.
const ec2Service = "ec2"

// ec2ScopeError is EC2's answer to a signature scoped to another service.
// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html — credential scope errors: "Credential should be scoped to correct service: 'service'." (SignatureDoesNotMatch, HTTP 403)
func ec2ScopeError() *apiError {
	return &apiError{Code: "SignatureDoesNotMatch", Message: "Credential should be scoped to correct service: '" + ec2Service + "'.", Status: http.StatusForbidden}
}
