package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The GCP benchmark's project and token.
const benchProject, benchToken = "mcnlab-bench", "mcnlab-bench-token"

// APIGCP drives cloudmock's Compute Engine API with the official Go
// library (google.golang.org/api/compute/v1) over loopback HTTP, from
// workers goroutines for d per repeat, with rounds of 9 calls: insert a
// network, get it, insert a subnet, list the region's subnets by a
// filter, insert and get a firewall rule, then delete all three (each
// mutation answers its operation).
func APIGCP(ctx context.Context, workers int, d time.Duration, repeats int) (*APIResult, error) {
	cloud := model.New()
	lim, _ := model.LookupProfile(model.ProviderGCP)
	l := lim.Limits
	l.NetworksPerRegion = max(2*workers, l.NetworksPerRegion)
	cloud.AddAccount(model.Account{ID: benchProject, Provider: model.ProviderGCP, Limits: l})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench api gcp: %w", err)
	}
	srv := &http.Server{Handler: cmgcp.New(cloud, cmgcp.Config{Tokens: map[string]string{benchToken: benchProject}})}
	go srv.Serve(ln)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 4 * workers}
	defer tr.CloseIdleConnections()
	svc, err := compute.NewService(ctx, option.WithEndpoint("http://"+ln.Addr().String()+"/compute/v1/"),
		option.WithHTTPClient(&http.Client{Transport: bearerTransport{token: benchToken, next: tr}}))
	if err != nil {
		return nil, fmt.Errorf("bench api gcp: %w", err)
	}
	var seq atomic.Int64
	res, err := measured(workers, d, repeats, func() (int64, time.Duration, []time.Duration, error) {
		return gcpRepeat(ctx, svc, workers, d, &seq)
	}, func() { sweepGCP(cloud) })
	if err != nil {
		return nil, fmt.Errorf("bench api gcp: %w", err)
	}
	return res, nil
}

// sweepGCP removes what rounds cut by a repeat's end left.
func sweepGCP(cloud *model.Cloud) {
	for _, fw := range cloud.RuleSets(benchProject, model.FlavorFirewall) {
		_ = cloud.DeleteRuleSet(benchProject, model.FlavorFirewall, fw.ID)
	}
	for _, sub := range cloud.Subnets(benchProject) {
		_ = cloud.DeleteSubnet(benchProject, sub.ID)
	}
	for _, n := range cloud.Networks(benchProject) {
		_ = cloud.DeleteNetwork(benchProject, n.ID)
	}
}

// bearerTransport adds a static bearer token, as a token source does.
type bearerTransport struct {
	token string
	next  http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// gcpRepeat runs workers goroutines of GCP rounds for d (runRounds).
func gcpRepeat(ctx context.Context, svc *compute.Service, workers int, d time.Duration, seq *atomic.Int64) (int64, time.Duration, []time.Duration, error) {
	return runRounds(ctx, workers, d, seq, func(ctx context.Context, n int64, timed func(func() error) error) error {
		return gcpRound(ctx, svc, n, timed)
	})
}

// gcpRound makes the 9 calls of one round.
func gcpRound(ctx context.Context, svc *compute.Service, n int64, timed func(func() error) error) error {
	nw, sub, fw := fmt.Sprintf("n%d", n), fmt.Sprintf("s%d", n), fmt.Sprintf("f%d", n)
	cidr := fmt.Sprintf("10.%d.%d.0/24", (n/256)%256, n%256)
	op := func(o *compute.Operation, err error) error {
		if err == nil && o.Error != nil {
			err = fmt.Errorf("operation %s failed: %s", o.Name, o.Error.Errors[0].Message)
		}
		return err
	}
	steps := []func() error{
		func() error {
			return op(svc.Networks.Insert(benchProject, &compute.Network{Name: nw, ForceSendFields: []string{"AutoCreateSubnetworks"}}).Context(ctx).Do())
		},
		func() error { _, err := svc.Networks.Get(benchProject, nw).Context(ctx).Do(); return err },
		func() error {
			return op(svc.Subnetworks.Insert(benchProject, "us-central1", &compute.Subnetwork{Name: sub, Network: "global/networks/" + nw, IpCidrRange: cidr}).Context(ctx).Do())
		},
		func() error {
			l, err := svc.Subnetworks.List(benchProject, "us-central1").Filter(fmt.Sprintf("name eq %q", sub)).Context(ctx).Do()
			if err == nil && len(l.Items) != 1 {
				err = fmt.Errorf("list subnet %s: %d items, want 1", sub, len(l.Items))
			}
			return err
		},
		func() error {
			return op(svc.Firewalls.Insert(benchProject, &compute.Firewall{Name: fw, Network: "global/networks/" + nw,
				Allowed: []*compute.FirewallAllowed{{IPProtocol: "tcp", Ports: []string{"22"}}}}).Context(ctx).Do())
		},
		func() error { _, err := svc.Firewalls.Get(benchProject, fw).Context(ctx).Do(); return err },
		func() error { return op(svc.Firewalls.Delete(benchProject, fw).Context(ctx).Do()) },
		func() error { return op(svc.Subnetworks.Delete(benchProject, "us-central1", sub).Context(ctx).Do()) },
		func() error { return op(svc.Networks.Delete(benchProject, nw).Context(ctx).Do()) },
	}
	for _, s := range steps {
		if err := timed(s); err != nil {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return ctx.Err()
			}
			return err
		}
	}
	return nil
}
