package oci

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// User is an API signing key of a user of a tenancy: what a request's
// keyId names (TENANCY/USER/FINGERPRINT) and the public key its signature
// is verified with.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/apisigningkey.htm — a user uploads the public key of a signing pair; its fingerprint identifies it
type User struct {
	Tenancy string // the tenancy's OCID: the model account the user sees
	User    string // the user's OCID
	Key     *rsa.PublicKey
}

// KeyID is the keyId a request signed with the user's key names.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/signingrequests.htm — keyId="<TENANCY OCID>/<USER OCID>/<KEY FINGERPRINT>"
func (u User) KeyID() string { return u.Tenancy + "/" + u.User + "/" + Fingerprint(u.Key) }

// Fingerprint is an API key's fingerprint: the MD5 of its DER
// SubjectPublicKeyInfo in colon-separated hex.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/apisigningkey.htm#four — openssl rsa -pubout -outform DER | openssl md5 -c
func Fingerprint(k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return ""
	}
	sum := md5.Sum(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":")
}

// signature is a parsed Authorization header of draft-cavage HTTP
// signatures.
type signature struct {
	KeyID     string
	Algorithm string
	Headers   []string // lower-cased, in the order signed
	Sig       []byte
}

// maxSkew is how far a request's date may be from the server's clock.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/signingrequests.htm — the date must be within 5 minutes of the server's clock
const maxSkew = 5 * time.Minute

// parseSignature reads `Signature k="v",...`; a malformed header is an
// error (401 to the client).
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/signingrequests.htm — version="1",keyId,algorithm="rsa-sha256",headers,signature
func parseSignature(h string) (signature, error) {
	rest, ok := strings.CutPrefix(h, "Signature ")
	if !ok {
		return signature{}, fmt.Errorf("the Authorization header is not a Signature")
	}
	fields := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; {
		name, after, ok := strings.Cut(rest, "=")
		if !ok || !strings.HasPrefix(after, `"`) {
			return signature{}, fmt.Errorf("malformed signature parameter near %q", clip(rest))
		}
		end := strings.IndexByte(after[1:], '"')
		if end < 0 {
			return signature{}, fmt.Errorf("unterminated signature parameter %q", clip(name))
		}
		fields[strings.TrimSpace(name)] = after[1 : end+1]
		rest = strings.TrimLeft(after[end+2:], ", ")
	}
	s := signature{KeyID: fields["keyId"], Algorithm: fields["algorithm"]}
	if s.KeyID == "" || fields["signature"] == "" {
		return signature{}, fmt.Errorf("the signature has no keyId or no signature")
	}
	if s.Algorithm != "rsa-sha256" {
		return signature{}, fmt.Errorf("unsupported signature algorithm %q", clip(s.Algorithm))
	}
	if v, ok := fields["version"]; ok && v != "1" {
		return signature{}, fmt.Errorf("unsupported signature version %q", clip(v))
	}
	sig, err := base64.StdEncoding.DecodeString(fields["signature"])
	if err != nil {
		return signature{}, fmt.Errorf("the signature is not base64")
	}
	s.Sig = sig
	hdrs := fields["headers"]
	if hdrs == "" {
		hdrs = "date" // draft-cavage: the default list is the Date header
	}
	for _, name := range strings.Fields(hdrs) {
		s.Headers = append(s.Headers, strings.ToLower(name))
	}
	return s, nil
}

// required are the headers a request must sign, besides date or x-date.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/signingrequests.htm#Required — GET/DELETE: date or x-date, (request-target), host; PUT/POST/PATCH also content-length, content-type, x-content-sha256
func required(method string) []string {
	base := []string{"(request-target)", "host"}
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return append(base, "content-length", "content-type", "x-content-sha256")
	}
	return base
}

// authenticate verifies a request's signature over its body and returns
// the user whose key signed it.
func (s *Server) authenticate(r *http.Request, body []byte) (User, *apiError) {
	deny := func(format string, args ...any) (User, *apiError) {
		return User{}, fail(http.StatusUnauthorized, codeNotAuthenticated, format, args...)
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return deny("The required information to complete authentication was not provided.")
	}
	sig, err := parseSignature(h)
	if err != nil {
		return deny("%v", err)
	}
	u, ok := s.users[sig.KeyID]
	if !ok {
		return deny("The required information to complete authentication was not provided or was incorrect.")
	}
	signed := map[string]bool{}
	for _, name := range sig.Headers {
		signed[name] = true
	}
	for _, need := range required(r.Method) {
		if !signed[need] {
			return deny("The header '%s' must be signed for %s requests", need, r.Method)
		}
	}
	dateHdr := "date"
	if signed["x-date"] {
		dateHdr = "x-date"
	} else if !signed["date"] {
		return deny("The header 'date' or 'x-date' must be signed")
	}
	when, err := http.ParseTime(r.Header.Get(dateHdr))
	if err != nil {
		return deny("The %s header is not an HTTP date", dateHdr)
	}
	if d := s.now().Sub(when); d > maxSkew || d < -maxSkew {
		return deny("The %s header is more than 5 minutes from the server's clock", dateHdr)
	}
	if signed["x-content-sha256"] {
		sum := sha256.Sum256(body)
		if r.Header.Get("x-content-sha256") != base64.StdEncoding.EncodeToString(sum[:]) {
			return deny("The x-content-sha256 header does not match the body")
		}
	}
	if signed["content-length"] && r.Header.Get("content-length") != strconv.Itoa(len(body)) {
		return deny("The content-length header does not match the body")
	}
	if err := rsa.VerifyPKCS1v15(u.Key, crypto.SHA256, digest(signingString(r, sig.Headers)), sig.Sig); err != nil {
		return deny("The required information to complete authentication was not provided or was incorrect.")
	}
	return u, nil
}

// signingString is what the client signed: "name: value" lines in the
// signed order; (request-target) is the lower-case method and the URI as
// sent, host is the Host header with its port.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/signingrequests.htm — the signing string
func signingString(r *http.Request, headers []string) []byte {
	var b bytes.Buffer
	for i, name := range headers {
		if i > 0 {
			b.WriteByte('\n')
		}
		var v string
		switch name {
		case "(request-target)":
			v = strings.ToLower(r.Method) + " " + r.RequestURI
		case "host":
			v = r.Host
		case "content-length":
			v = r.Header.Get("Content-Length")
		default:
			v = r.Header.Get(name)
		}
		b.WriteString(name + ": " + v)
	}
	return b.Bytes()
}

func digest(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}
