package cloud

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Endpoint is where one provider's API answers for an account and how to
// call it: what an account with credentials "lab" uses (the lab keeps one
// per provider in its state directory), and what a deployment against an
// endpoint of its own gives.
type Endpoint struct {
	// URL is the API's base URL, for every service and region of the
	// provider (the lab's cloud answers them all at one URL).
	URL string `json:"url"`
	// Region is the account's home region; Regions lists every region
	// its objects are in, the home region first (empty: Region only).
	Region  string   `json:"region"`
	Regions []string `json:"regions,omitempty"`
	// AccountID names the account in the provider's terms (AWS: the
	// 12-digit account ID).
	AccountID string `json:"account_id"`
	// Tenant is the directory that issues the account's tokens, where a
	// provider has one (Azure: the Microsoft Entra tenant ID).
	Tenant      string      `json:"tenant,omitempty"`
	Credentials Credentials `json:"credentials"`
	// CAFile and CAPEM give the certificate authority that an HTTPS URL's
	// certificate chains to (the lab's CA): a PEM file, or the PEM
	// itself. Both empty: the system's roots.
	CAFile string `json:"ca_file,omitempty"`
	CAPEM  string `json:"ca_pem,omitempty"`
}

// Credentials are an account's static key: on AWS the access key ID and
// secret access key, on Azure a service principal's client ID and
// secret.
type Credentials struct {
	KeyID  string `json:"key_id"`
	Secret string `json:"secret"`
}

// AllRegions returns the home region and the other regions of Regions,
// the home region first, each once.
func (e Endpoint) AllRegions() []string {
	out := []string{}
	if e.Region != "" {
		out = append(out, e.Region)
	}
	for _, r := range e.Regions {
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// CAPool is the pool of e's CA (CAPEM, else CAFile), or nil when e
// names none: then the system's roots are trusted.
func (e Endpoint) CAPool() (*x509.CertPool, error) {
	pem := []byte(e.CAPEM)
	if len(pem) == 0 && e.CAFile != "" {
		var err error
		if pem, err = os.ReadFile(e.CAFile); err != nil {
			return nil, fmt.Errorf("CA of %s: %w", e.URL, err)
		}
	}
	if len(pem) == 0 {
		return nil, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA of %s: no PEM certificate", e.URL)
	}
	return pool, nil
}

// Config is what a provider is made from (Factory).
type Config struct {
	// Owner tags what the provider creates.
	Owner string
	// Region is the account's home region.
	Region string
	// Credentials say where the key comes from: "lab" (or "") for
	// Endpoint, "env" for the SDK's default chain, "profile:NAME" for a
	// named profile of the provider's own configuration.
	Credentials string
	// Compartment is an OCI account's compartment
	// (topologies.Account.Compartment): a name under the tenancy's root
	// compartment, made when missing, or an OCID; "" for the root (or
	// OCI_COMPARTMENT_ID with credentials env). Other providers ignore it.
	Compartment string
	// Endpoint is the lab's record of the provider, needed for
	// credentials "lab"; nil otherwise.
	Endpoint *Endpoint
	// Known is the desired state as far as it is known up front (the
	// regions of its VPCs are observed before any Apply); may be zero.
	Known Desired
}

// Factory makes a provider of one cloud. It may make no calls: errors are
// those of the configuration.
type Factory func(ctx context.Context, c Config) (Provider, error)

var (
	factoriesMu sync.Mutex // guards factories
	factories   = map[string]Factory{}
)

// Register makes a provider known by name (as topologies name it:
// "aws"); a provider package calls it from its init. Registering a name
// twice panics, as database/sql's Register does.
func Register(name string, f Factory) {
	factoriesMu.Lock()
	defer factoriesMu.Unlock()
	if _, dup := factories[name]; dup || f == nil {
		panic("cloud: Register of provider " + name + " twice or with a nil factory")
	}
	factories[name] = f
}

// Registered returns the names of the providers registered, in order.
func Registered() []string {
	factoriesMu.Lock()
	defer factoriesMu.Unlock()
	out := make([]string, 0, len(factories))
	for n := range factories {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// New makes a provider of the cloud called name with the factory that
// registered it.
func New(ctx context.Context, name string, c Config) (Provider, error) {
	factoriesMu.Lock()
	f := factories[name]
	factoriesMu.Unlock()
	if f == nil {
		return nil, fmt.Errorf("provider %s is not supported (%s is)", name, strings.Join(Registered(), ", "))
	}
	return f(ctx, c)
}
