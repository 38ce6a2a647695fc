package vpnauth

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"

	"github.com/mcnlab/mcnlab/dataplane/uservpn"
)

// SAML attribute names the IdP's assertions carry (eduPerson and the
// LDAP uid, in their URI forms).
const (
	attrUID    = "urn:oid:0.9.2342.19200300.100.1.1"
	attrGroups = "urn:oid:1.3.6.1.4.1.5923.1.1.1.1"
)

// Endpoint is where a user's client connects: a VPN gateway's public
// address and port, and its certificate's name.
type Endpoint struct {
	Name    string
	Address netip.Addr
	Port    uint16
}

// SPOptions configure the service provider.
type SPOptions struct {
	// Base is the URL the SP is served at: /metadata, /login and /acs
	// below it.
	Base url.URL
	CA   CA
	// Profile resolves a signed-in user and its IdP groups to the name
	// of its profile, or an error saying why it has none.
	Profile func(user string, groups []string) (string, error)
	// Gateway is the gateway a user connects to (name "" for the
	// default), or an error.
	Gateway func(name string) (Endpoint, error)
	// MaxLifetime is the longest credential issued, and the default.
	MaxLifetime time.Duration
	// Issued, if set, is told of each credential issued.
	Issued func(Credential)
}

// Credential is what a sign-in earns: a client configuration whose
// certificate is bound to the user's profile and expires at NotAfter.
type Credential struct {
	User     string    `json:"user"`
	Groups   []string  `json:"groups,omitempty"`
	Profile  string    `json:"profile"`
	Gateway  string    `json:"gateway"`
	NotAfter time.Time `json:"not_after"`
	Serial   string    `json:"serial"`
	// Config is the OpenVPN client configuration, certificate and key
	// inline.
	Config string `json:"config"`
}

// SP is the controller's SAML service provider.
type SP struct {
	opts SPOptions
	sp   saml.ServiceProvider

	mu      sync.Mutex // guards pending
	pending map[string]pendingLogin
}

// pendingLogin is an AuthnRequest sent and not answered yet.
type pendingLogin struct {
	gateway  string
	lifetime time.Duration
	expires  time.Time
}

// pendingFor is how long an AuthnRequest may wait for its answer.
const pendingFor = 5 * time.Minute

// MinLifetime is the shortest credential one may ask for.
const MinLifetime = 5 * time.Second

// NewSP returns the service provider; SetIdP must be called before the
// first sign-in.
func NewSP(opts SPOptions) (*SP, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("service provider key: %w", err)
	}
	cert, err := selfSigned(key, "mcnlab controller SP")
	if err != nil {
		return nil, fmt.Errorf("service provider certificate: %w", err)
	}
	meta, acs := opts.Base, opts.Base
	meta.Path = strings.TrimSuffix(meta.Path, "/") + "/metadata"
	acs.Path = strings.TrimSuffix(acs.Path, "/") + "/acs"
	return &SP{opts: opts, pending: map[string]pendingLogin{},
		sp: saml.ServiceProvider{EntityID: meta.String(), Key: key, Certificate: cert, MetadataURL: meta, AcsURL: acs}}, nil
}

// Metadata is the SP's metadata, for the IdP.
func (s *SP) Metadata() *saml.EntityDescriptor { return s.sp.Metadata() }

// SetIdP trusts the IdP of this metadata (its signing certificate).
func (s *SP) SetIdP(md *saml.EntityDescriptor) { s.sp.IDPMetadata = md }

// LoginHandler starts a sign-in (GET ?gateway=NAME&lifetime=DURATION):
// it answers with a redirect to the IdP carrying a new AuthnRequest.
func (s *SP) LoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		life := s.opts.MaxLifetime
		if l := q.Get("lifetime"); l != "" {
			d, err := time.ParseDuration(l)
			if err != nil || d < MinLifetime || d > s.opts.MaxLifetime {
				http.Error(w, fmt.Sprintf("lifetime %q: want a duration from %v to %v", l, MinLifetime, s.opts.MaxLifetime), http.StatusBadRequest)
				return
			}
			life = d
		}
		gw := q.Get("gateway")
		if _, err := s.opts.Gateway(gw); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		req, err := s.sp.MakeAuthenticationRequest(s.sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		u, err := req.Redirect("", &s.sp)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		now := time.Now()
		s.mu.Lock()
		for id, p := range s.pending {
			if now.After(p.expires) {
				delete(s.pending, id)
			}
		}
		s.pending[req.ID] = pendingLogin{gateway: gw, lifetime: life, expires: now.Add(pendingFor)}
		s.mu.Unlock()
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
	})
}

// ErrRefused is an assertion the SP does not accept.
var ErrRefused = errors.New("assertion refused")

// ACSHandler receives the IdP's response (HTTP-POST binding), checks it
// (crewjam/saml: the IdP's signature, destination, audience, validity
// window, and that it answers a request of ours still pending, once),
// and answers with the Credential as JSON; a response it refuses gets 403
// with the reason.
func (s *SP) ACSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.acs(r)
		if err != nil {
			code := http.StatusForbidden
			if !errors.Is(err, ErrRefused) {
				code = http.StatusInternalServerError
			}
			http.Error(w, err.Error(), code)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = jsonEncode(w, c)
	})
}

func (s *SP) acs(r *http.Request) (Credential, error) {
	if r.Method != http.MethodPost {
		return Credential{}, fmt.Errorf("%w: the response must be posted", ErrRefused)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return Credential{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	// The artifact binding would make the SP call out to resolve it.
	if r.Form.Has("SAMLart") {
		return Credential{}, fmt.Errorf("%w: the artifact binding is not accepted", ErrRefused)
	}
	s.mu.Lock()
	ids := make([]string, 0, len(s.pending))
	now := time.Now()
	for id, p := range s.pending {
		if now.Before(p.expires) {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	a, err := s.sp.ParseResponse(r, ids)
	if err != nil {
		var ire *saml.InvalidResponseError
		if errors.As(err, &ire) && ire.PrivateErr != nil {
			err = ire.PrivateErr
		}
		if strings.Contains(err.Error(), "InResponseTo") {
			// The library's message lists the pending request IDs.
			err = errors.New("it answers no pending request of this service provider (replayed, expired or unsolicited)")
		}
		return Credential{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	id := inResponseTo(a)
	s.mu.Lock()
	p, ok := s.pending[id]
	delete(s.pending, id) // a response is good once
	s.mu.Unlock()
	if !ok {
		return Credential{}, fmt.Errorf("%w: it answers no pending request", ErrRefused)
	}
	user, groups := attributes(a)
	if !uservpn.ValidName(user) {
		return Credential{}, fmt.Errorf("%w: user %q is not a valid user name", ErrRefused, user)
	}
	return s.issue(user, groups, p)
}

// issue makes the credential of a user the IdP vouched for.
func (s *SP) issue(user string, groups []string, p pendingLogin) (Credential, error) {
	profile, err := s.opts.Profile(user, groups)
	if err != nil {
		return Credential{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	gw, err := s.opts.Gateway(p.gateway)
	if err != nil {
		return Credential{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	iss, err := s.opts.CA.IssueClient(user, profile, p.lifetime)
	if err != nil {
		return Credential{}, err
	}
	conf, err := uservpn.ClientConf(uservpn.ClientParams{Server: gw.Address, Port: gw.Port, ServerName: gw.Name,
		CA: s.opts.CA.PEM(), Cert: iss.Cert, Key: iss.Key})
	if err != nil {
		return Credential{}, err
	}
	c := Credential{User: user, Groups: groups, Profile: profile, Gateway: gw.Name, NotAfter: iss.NotAfter, Serial: iss.Serial, Config: conf}
	if s.opts.Issued != nil {
		s.opts.Issued(c)
	}
	return c, nil
}

// inResponseTo is the request ID the assertion's subject confirmation
// names.
func inResponseTo(a *saml.Assertion) string {
	if a.Subject == nil {
		return ""
	}
	for _, sc := range a.Subject.SubjectConfirmations {
		if sc.SubjectConfirmationData != nil && sc.SubjectConfirmationData.InResponseTo != "" {
			return sc.SubjectConfirmationData.InResponseTo
		}
	}
	return ""
}

// attributes reads the user (uid, exactly one value) and the groups.
func attributes(a *saml.Assertion) (string, []string) {
	var uids, groups []string
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				switch at.Name {
				case attrUID:
					uids = append(uids, v.Value)
				case attrGroups:
					groups = append(groups, v.Value)
				}
			}
		}
	}
	if len(uids) != 1 {
		return "", groups
	}
	return uids[0], groups
}
