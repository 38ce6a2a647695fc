package azure

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The identity endpoint. azidentity (tenant-shaped authority, instance
// discovery disabled) reads /<tenant>/v2.0/.well-known/openid-configuration
// and posts to /<tenant>/oauth2/v2.0/token; az (an ADFS-shaped authority,
// which MSAL does not send to instance discovery) reads
// /adfs/.well-known/openid-configuration and posts to /adfs/oauth2/token.
// Both ask for client credentials (cloud-clients.md §1.1.3, §1.2).
// Azure: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow — the client credentials grant and its token response
// Azure: https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc#find-your-apps-openid-configuration-document-uri — the OpenID configuration document

// tokenLifetime is how long a token is valid.
const tokenLifetime = time.Hour

// serveIdentity answers an identity request and reports whether it was one.
func (s *Server) serveIdentity(q *request) bool {
	w := q.words
	if len(w) < 2 || lower(w[0]) == "subscriptions" {
		return false
	}
	tenant := w[0]
	rest := lower(strings.Join(w[1:], "/"))
	switch rest {
	case ".well-known/openid-configuration", "v2.0/.well-known/openid-configuration":
		s.openIDConfiguration(q, tenant, strings.HasPrefix(rest, "v2.0"))
	case "oauth2/token", "oauth2/v2.0/token":
		s.token(q, tenant)
	default:
		return false
	}
	return true
}

// openIDConfiguration is the discovery document MSAL needs: the
// authorization and token endpoints and the issuer.
func (s *Server) openIDConfiguration(q *request, tenant string, v2 bool) {
	root := q.base + "/" + tenant
	tokenPath, issuer := "/oauth2/token", root
	if v2 {
		tokenPath, issuer = "/oauth2/v2.0/token", root+"/v2.0"
	}
	writeJSON(q.w, http.StatusOK, map[string]any{
		"issuer":                                issuer,
		"authorization_endpoint":                root + strings.TrimSuffix(tokenPath, "/token") + "/authorize",
		"token_endpoint":                        root + tokenPath,
		"jwks_uri":                              root + "/discovery/keys",
		"response_types_supported":              []string{"code", "id_token", "code id_token", "token id_token", "token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"tenant_region_scope":                   "NA",
	})
}

// oauthError writes the identity platform's error shape.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc, "error_codes": []int{}})
}

// token answers a client-credentials request with a signed token.
// Azure: https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes — AADSTS700016 unknown application, AADSTS7000215 invalid client secret
func (s *Server) token(q *request, tenant string) {
	if q.Method != http.MethodPost {
		oauthError(q.w, http.StatusMethodNotAllowed, "invalid_request", "AADSTS900561: The endpoint only accepts POST requests.")
		return
	}
	if err := q.ParseForm(); err != nil {
		oauthError(q.w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body could not be parsed.")
		return
	}
	if !strings.EqualFold(tenant, s.tenant) && lower(tenant) != "adfs" {
		oauthError(q.w, http.StatusBadRequest, "invalid_request", "AADSTS90002: Tenant '"+clip(tenant)+"' not found.")
		return
	}
	if gt := q.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthError(q.w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type '"+clip(gt)+"'.")
		return
	}
	id, secret := q.PostForm.Get("client_id"), q.PostForm.Get("client_secret")
	if u, pw, ok := q.BasicAuth(); ok && id == "" {
		id, secret = u, pw
	}
	p, ok := s.principal(id)
	if !ok {
		oauthError(q.w, http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier '"+clip(id)+"' was not found in the directory.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(p.Secret)) != 1 {
		oauthError(q.w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	}
	exp := time.Now().Add(tokenLifetime)
	writeJSON(q.w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": int(tokenLifetime.Seconds()) - 1, "ext_expires_in": int(tokenLifetime.Seconds()) - 1,
		"access_token": s.sign(p.ClientID, exp),
	})
}

// sign makes an opaque token: the client ID and expiry, and an HMAC of
// them under the server's key (az and the SDK never decode it).
func (s *Server) sign(clientID string, exp time.Time) string {
	body := base64.RawURLEncoding.EncodeToString([]byte(clientID + "\n" + strconv.FormatInt(exp.Unix(), 10)))
	return "mcn." + body + "." + s.mac(body)
}

func (s *Server) mac(body string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// authenticate checks a request's bearer token and returns its principal.
// Azure: https://learn.microsoft.com/en-us/rest/api/azure/#create-the-request — every ARM request carries Authorization: Bearer
func (s *Server) authenticate(r *http.Request) (Principal, error) {
	unauth := func(code, msg string) (Principal, error) {
		return Principal{}, fail(http.StatusUnauthorized, code, "%s", msg)
	}
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return unauth("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] != "mcn" || !hmac.Equal([]byte(parts[2]), []byte(s.mac(parts[1]))) {
		return unauth("InvalidAuthenticationToken", "The access token is invalid.")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return unauth("InvalidAuthenticationToken", "The access token is invalid.")
	}
	id, expS, _ := strings.Cut(string(raw), "\n")
	exp, err := strconv.ParseInt(expS, 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return unauth("ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time.")
	}
	p, ok := s.principal(id)
	if !ok {
		return unauth("InvalidAuthenticationToken", "The access token is from an unknown application.")
	}
	return p, nil
}

// metadataEndpoints is what az cloud register reads when given only the
// ARM endpoint (cloud-clients.md §1.1.1).
func (s *Server) metadataEndpoints(q *request) {
	if err := checkVersion(q.Request, "metadata/endpoints", metadataVersions); err != nil {
		writeError(q.w, err)
		return
	}
	writeJSON(q.w, http.StatusOK, map[string]any{
		"galleryEndpoint": q.base + "/", "graphEndpoint": "https://graph.windows.net/", "portalEndpoint": q.base + "/",
		"authentication": map[string]any{"loginEndpoint": q.base + "/adfs", "audiences": []string{"https://management.core.windows.net/"}},
	})
}

// subscriptionBody is a subscription as ARM returns it.
// Azure: https://learn.microsoft.com/en-us/rest/api/resources/subscriptions/get — id, subscriptionId, tenantId, displayName, state
func (s *Server) subscriptionBody(id string) map[string]any {
	return map[string]any{
		"id": "/subscriptions/" + id, "subscriptionId": id, "tenantId": s.tenant, "displayName": id, "state": "Enabled",
		"subscriptionPolicies": map[string]any{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
		"authorizationSource":  "RoleBased",
	}
}

// listSubscriptions lists the one subscription the principal may use, if
// the model has it.
func (s *Server) listSubscriptions(q *request, p Principal) {
	if err := checkVersion(q.Request, "subscriptions", resourcesVersions); err != nil {
		writeError(q.w, err)
		return
	}
	value := []any{}
	if a, err := s.cloud.Account(p.Subscription); err == nil && a.Provider == model.ProviderAzure {
		value = append(value, s.subscriptionBody(a.ID))
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"value": value})
}

// getSubscription answers GET /subscriptions/S.
func (s *Server) getSubscription(q *request) {
	if err := checkVersion(q.Request, "subscriptions", resourcesVersions); err != nil {
		writeError(q.w, err)
		return
	}
	if _, err := s.account(q); err != nil {
		writeError(q.w, err)
		return
	}
	writeJSON(q.w, http.StatusOK, s.subscriptionBody(q.sub))
}

// account checks that the request's subscription is an azure account.
func (s *Server) account(q *request) (string, error) {
	a, err := s.cloud.Account(q.sub)
	if err != nil || a.Provider != model.ProviderAzure {
		return "", fail(http.StatusNotFound, "SubscriptionNotFound", "The subscription '%s' could not be found.", q.sub)
	}
	return a.ID, nil
}
