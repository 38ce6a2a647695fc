package vpnauth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log"
	"math/big"
	"net/http"
	"net/url"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlidp"
	"golang.org/x/crypto/bcrypt"
)

// User is one account of the IdP.
type User struct {
	Name     string
	Password string
	Groups   []string
}

// IdP is the lab's SAML identity provider: samlidp with the users given
// (their passwords kept as bcrypt hashes only), its own signing key, and
// its administrative endpoints closed (403): the topology is the only
// source of users.
type IdP struct {
	srv *samlidp.Server
}

// NewIdP returns the IdP served at base (its /sso, /login and /metadata
// below it), knowing the service providers sps.
func NewIdP(base url.URL, users []User, sps []*saml.EntityDescriptor, logger *log.Logger) (*IdP, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("identity provider key: %w", err)
	}
	cert, err := selfSigned(key, "mcnlab lab IdP")
	if err != nil {
		return nil, fmt.Errorf("identity provider certificate: %w", err)
	}
	store := &samlidp.MemoryStore{}
	for _, u := range users {
		h, err := bcrypt.GenerateFromPassword([]byte(u.Password), bcrypt.MinCost)
		if err != nil {
			return nil, fmt.Errorf("identity provider user %s: %w", u.Name, err)
		}
		if err := store.Put("/users/"+u.Name, samlidp.User{Name: u.Name, HashedPassword: h, Groups: u.Groups}); err != nil {
			return nil, fmt.Errorf("identity provider user %s: %w", u.Name, err)
		}
	}
	for i, sp := range sps {
		if err := store.Put(fmt.Sprintf("/services/sp%d", i), samlidp.Service{Name: sp.EntityID, Metadata: *sp}); err != nil {
			return nil, fmt.Errorf("identity provider service %s: %w", sp.EntityID, err)
		}
	}
	opts := samlidp.Options{URL: base, Key: key, Signer: key, Certificate: cert, Store: store,
		AdminMiddleware: func(http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "the lab's users come from its topology", http.StatusForbidden)
			})
		}}
	if logger != nil {
		opts.Logger = logger
	}
	srv, err := samlidp.New(opts)
	if err != nil {
		return nil, fmt.Errorf("identity provider: %w", err)
	}
	return &IdP{srv: srv}, nil
}

// Handler serves the IdP.
func (p *IdP) Handler() http.Handler { return p.srv }

// Metadata is the IdP's metadata, for service providers.
func (p *IdP) Metadata() *saml.EntityDescriptor { return p.srv.IDP.Metadata() }

// selfSigned is a signing certificate for key: a SAML IdP's certificate is
// trusted through its metadata, not a chain.
func selfSigned(key *rsa.PrivateKey, cn string) (*x509.Certificate, error) {
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}
