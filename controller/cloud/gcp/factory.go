package gcp

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"strings"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// Name is the name the provider registers under, as topologies name it.
const Name = "gcp"

func init() { cloud.Register(Name, NewFromConfig) }

// ProjectEnv is the environment variable that names the project of an
// account with credentials env.
const ProjectEnv = "GOOGLE_CLOUD_PROJECT"

// NewFromConfig is the provider's cloud.Factory: against the lab's
// endpoint c.Endpoint for credentials "lab" (its Compute Engine URL, its
// project and bearer token, its CA for HTTPS), and against real GCP with
// the application default credentials for "env" (the project from
// GOOGLE_CLOUD_PROJECT). c.Region is the home region.
func NewFromConfig(ctx context.Context, c cloud.Config) (cloud.Provider, error) {
	switch c.Credentials {
	case "", "lab":
		svc, err := LabService(ctx, c.Endpoint)
		if err != nil {
			return nil, err
		}
		return New(c.Endpoint.AccountID, c.Region, c.Owner, svc), nil
	case "env":
		project := os.Getenv(ProjectEnv)
		if project == "" {
			return nil, fmt.Errorf("credentials env: set %s to the project's ID", ProjectEnv)
		}
		// GCP: https://cloud.google.com/docs/authentication/application-default-credentials — the library's default credentials
		svc, err := compute.NewService(ctx)
		if err != nil {
			return nil, fmt.Errorf("load GCP credentials (env): %w", err)
		}
		return New(project, c.Region, c.Owner, svc), nil
	}
	return nil, fmt.Errorf("credentials %q: want lab or env", c.Credentials)
}

// LabService is a Compute Engine client of the lab's emulated API e: its
// URL as the endpoint (…/compute/v1/), its token as a static bearer token
// and, over HTTPS, e's CA alone. It reads nothing from the environment,
// so that a user's GCP settings cannot point the lab's controller
// elsewhere (cloud-clients.md: the Go library takes the endpoint with
// option.WithEndpoint).
func LabService(ctx context.Context, e *cloud.Endpoint) (*compute.Service, error) {
	if e == nil || e.URL == "" || e.AccountID == "" {
		return nil, fmt.Errorf("credentials lab need the lab's emulated GCP")
	}
	if !strings.HasSuffix(e.URL, "/compute/v1/") {
		return nil, fmt.Errorf("the lab's GCP at %s: want the Compute Engine endpoint, ending in /compute/v1/", e.URL)
	}
	tr := &http.Transport{Proxy: nil}
	if strings.HasPrefix(e.URL, "https://") {
		pool, err := e.CAPool()
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	}
	client := &http.Client{Transport: bearer{token: e.Credentials.Secret, next: tr}}
	svc, err := compute.NewService(ctx, option.WithEndpoint(e.URL), option.WithHTTPClient(client))
	if err != nil {
		return nil, fmt.Errorf("client of the lab's GCP: %w", err)
	}
	return svc, nil
}

// bearer adds a static bearer token to every request, as an OAuth2 token
// source of a fixed token does.
type bearer struct {
	token string
	next  http.RoundTripper
}

// RoundTrip sends r with the token.
func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}
