package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	cmazure "github.com/mcnlab/mcnlab/cloudmock/azure"
	"github.com/mcnlab/mcnlab/cloudmock/azure/azuretest"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The Azure benchmark's subscription and service principal.
const (
	benchSub      = "6d636e6c-6162-4265-6e63-680000000001"
	benchClientID = "6d636e6c-6162-4265-6e63-680000000002"
	benchAzSecret = "mcnlab-bench-secret"
	benchAzTenant = cmazure.LabTenant
	benchAzRegion = "eastus"
)

// APIAzure drives cloudmock's ARM front-end with the Azure SDK for Go
// (armnetwork/v9, azidentity's ClientSecretCredential against its
// identity endpoint) over loopback TLS, from workers goroutines for d per
// repeat. A round is 7 SDK operations and 13 ARM requests: create a VNet
// with a subnet and an NSG with a rule (each a PUT answered as a
// long-running operation, its status and the resource fetched), get the
// VNet and the subnet, list the group's VNets, delete both (DELETE and
// the status). CallsPerSec counts ARM requests, as the server sees them.
func APIAzure(ctx context.Context, workers int, d time.Duration, repeats int) (*APIResult, error) {
	c := model.New()
	c.AddAccount(model.Account{ID: benchSub, Provider: model.ProviderAzure})
	var requests atomic.Int64
	srv := cmazure.New(c, benchAzTenant, cmazure.Principal{ClientID: benchClientID, Secret: benchAzSecret, Subscription: benchSub})
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		srv.ServeHTTP(w, r)
	}))
	ts.StartTLS()
	defer ts.Close()
	f, err := azureClients(ts, workers)
	if err != nil {
		return nil, fmt.Errorf("bench api azure: %w", err)
	}
	if _, err := f.groups.CreateOrUpdate(ctx, "bench", armresources.ResourceGroup{Location: to.Ptr(benchAzRegion)}, nil); err != nil {
		return nil, fmt.Errorf("bench api azure: create resource group: %w", err)
	}
	res := &APIResult{Workers: workers, Seconds: d.Seconds()}
	var rates []float64
	var lat []time.Duration
	var seq atomic.Int64
	for range repeats {
		before := requests.Load()
		t0 := time.Now()
		l, err := azureRepeat(ctx, f, workers, d, &seq)
		if err != nil {
			return nil, fmt.Errorf("bench api azure: %w", err)
		}
		calls := requests.Load() - before
		res.Calls += calls
		rates = append(rates, float64(calls)/time.Since(t0).Seconds())
		lat = append(lat, l...)
	}
	res.summarize(rates, lat)
	return res, nil
}

// azClients are the SDK clients of the benchmark.
type azClients struct {
	groups  *armresources.ResourceGroupsClient
	vnets   *armnetwork.VirtualNetworksClient
	subnets *armnetwork.SubnetsClient
	nsgs    *armnetwork.SecurityGroupsClient
}

// azureClients makes SDK clients that reach ts over TLS, trusting its
// certificate, with keep-alive connections for workers.
func azureClients(ts *httptest.Server, workers int) (azClients, error) {
	cred, opts, err := azuretest.Client(ts, benchAzTenant, benchClientID, benchAzSecret, workers)
	if err != nil {
		return azClients{}, err
	}
	g, err := armresources.NewResourceGroupsClient(benchSub, cred, opts)
	if err != nil {
		return azClients{}, err
	}
	nf, err := armnetwork.NewClientFactory(benchSub, cred, opts)
	if err != nil {
		return azClients{}, err
	}
	return azClients{groups: g, vnets: nf.NewVirtualNetworksClient(), subnets: nf.NewSubnetsClient(), nsgs: nf.NewSecurityGroupsClient()}, nil
}

// azureRepeat runs workers goroutines of rounds for d and returns each
// SDK operation's latency.
func azureRepeat(ctx context.Context, f azClients, workers int, d time.Duration, seq *atomic.Int64) ([]time.Duration, error) {
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for rctx.Err() == nil {
				if err := azureRound(rctx, f, seq.Add(1), &mine); err != nil {
					if rctx.Err() == nil {
						errc <- err
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return nil, err
	default:
	}
	return lat, nil
}

// done waits for a long-running operation; the server's Retry-After: 0
// makes the SDK poll at once, so its polls need no deadline of their own.
func done[T any](p *runtime.Poller[T], err error) error {
	if err != nil {
		return err
	}
	_, err = p.PollUntilDone(context.Background(), &runtime.PollUntilDoneOptions{Frequency: time.Second})
	return err
}

// azureRound makes one round's 7 operations (13 ARM requests), appending
// each operation's latency to lat.
func azureRound(ctx context.Context, f azClients, n int64, lat *[]time.Duration) error {
	vnet, nsg := fmt.Sprintf("v%d", n), fmt.Sprintf("n%d", n)
	steps := []func() error{
		func() error {
			return done(f.vnets.BeginCreateOrUpdate(ctx, "bench", vnet, armnetwork.VirtualNetwork{Location: to.Ptr(benchAzRegion),
				Properties: &armnetwork.VirtualNetworkPropertiesFormat{AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr("10.0.0.0/16")}},
					Subnets: []*armnetwork.Subnet{{Name: to.Ptr("s1"), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("10.0.1.0/24")}}}}}, nil))
		},
		func() error {
			return done(f.nsgs.BeginCreateOrUpdate(ctx, "bench", nsg, armnetwork.SecurityGroup{Location: to.Ptr(benchAzRegion),
				Properties: &armnetwork.SecurityGroupPropertiesFormat{SecurityRules: []*armnetwork.SecurityRule{{Name: to.Ptr("ssh"),
					Properties: &armnetwork.SecurityRulePropertiesFormat{Priority: to.Ptr[int32](100), Direction: to.Ptr(armnetwork.SecurityRuleDirectionInbound),
						Access: to.Ptr(armnetwork.SecurityRuleAccessAllow), Protocol: to.Ptr(armnetwork.SecurityRuleProtocolTCP), SourceAddressPrefix: to.Ptr("*"),
						SourcePortRange: to.Ptr("*"), DestinationAddressPrefix: to.Ptr("*"), DestinationPortRange: to.Ptr("22")}}}}}, nil))
		},
		func() error { _, err := f.vnets.Get(ctx, "bench", vnet, nil); return err },
		func() error { _, err := f.subnets.Get(ctx, "bench", vnet, "s1", nil); return err },
		func() error {
			_, err := f.vnets.NewListPager("bench", nil).NextPage(ctx)
			return err
		},
		func() error { return done(f.nsgs.BeginDelete(ctx, "bench", nsg, nil)) },
		func() error { return done(f.vnets.BeginDelete(ctx, "bench", vnet, nil)) },
	}
	for _, s := range steps {
		t0 := time.Now()
		err := s()
		*lat = append(*lat, time.Since(t0))
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return ctx.Err()
			}
			return err
		}
	}
	return nil
}
