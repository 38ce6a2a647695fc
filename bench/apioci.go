package bench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	cmoci "github.com/mcnlab/mcnlab/cloudmock/oci"
)

// The OCI benchmark's tenancy and user.
const benchTenancy, benchUser = "ocid1.tenancy.oc1..aaaabench", "ocid1.user.oc1..aaaabench"

// APIOCI drives cloudmock's OCI Core Services with the official Go SDK
// (oci-go-sdk/v65) over loopback HTTP, every request signed with an RSA
// key and verified by the server, from workers goroutines for d per
// repeat, with rounds of 9 calls: create a VCN, get it, create a subnet,
// list the VCN's subnets, create and get a security list, then delete all
// three.
func APIOCI(ctx context.Context, workers int, d time.Duration, repeats int) (*APIResult, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("bench api oci: %w", err)
	}
	cloud := model.New()
	prof, _ := model.LookupProfile(model.ProviderOCI)
	l := prof.Limits
	l.NetworksPerRegion = max(2*workers, l.NetworksPerRegion)
	cloud.AddAccount(model.Account{ID: benchTenancy, Provider: model.ProviderOCI, Limits: l})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench api oci: %w", err)
	}
	srv := &http.Server{Handler: cmoci.New(cloud, cmoci.Config{Users: []cmoci.User{{Tenancy: benchTenancy, User: benchUser, Key: &key.PublicKey}}})}
	go srv.Serve(ln)
	defer srv.Close()
	priv := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	c, err := core.NewVirtualNetworkClientWithConfigurationProvider(parsedKey{common.NewRawConfigurationProvider(benchTenancy, benchUser, "us-ashburn-1",
		cmoci.Fingerprint(&key.PublicKey), priv, nil), key})
	if err != nil {
		return nil, fmt.Errorf("bench api oci: %w", err)
	}
	c.Host = "http://" + ln.Addr().String()
	tr := &http.Transport{MaxIdleConnsPerHost: 4 * workers}
	defer tr.CloseIdleConnections()
	c.HTTPClient = &http.Client{Transport: tr}
	var seq atomic.Int64
	cpu0 := cpuSeconds(nil)
	res, err := measured(workers, d, repeats, func() (int64, time.Duration, []time.Duration, error) {
		return runRounds(ctx, workers, d, &seq, func(ctx context.Context, n int64, timed func(func() error) error) error {
			// The OCI SDK's Retry runs each call on a goroutine that still
			// writes the answer after a cancelled context has made Retry
			// return (a data race in the SDK): a round's calls run to their
			// end, and runRounds stops starting rounds at the repeat's end.
			return ociRound(context.WithoutCancel(ctx), c, n, timed)
		})
	}, func() { sweepOCI(cloud) })
	if err != nil {
		return nil, fmt.Errorf("bench api oci: %w", err)
	}
	if res.Calls > 0 {
		res.CPUPerCall = (cpuSeconds(nil) - cpu0) * 1000 / float64(res.Calls)
	}
	return res, nil
}

// parsedKey is a configuration provider that hands the SDK's signer the
// key parsed once: the raw and file providers parse the PEM key again for
// every request (7% of the benchmark's CPU before), which a long-lived
// client need not pay; the signing itself (RSA-SHA256 with the private
// key) and the server's verification are unchanged.
type parsedKey struct {
	common.ConfigurationProvider
	key *rsa.PrivateKey
}

// PrivateRSAKey is the key parsed once.
func (p parsedKey) PrivateRSAKey() (*rsa.PrivateKey, error) { return p.key, nil }

// summarize sets the result's calls/s from the repeats' rates and its
// latency percentiles from all calls' latencies.
func (res *APIResult) summarize(rates []float64, lat []time.Duration) {
	res.CallsPerSec = NewSpread(rates)
	slices.Sort(lat)
	if len(lat) > 0 {
		res.LatencyP50 = float64(lat[len(lat)/2].Microseconds()) / 1000
		res.LatencyP99 = float64(lat[len(lat)*99/100].Microseconds()) / 1000
	}
}

// measured runs repeats of one (a repeat's calls, time and latencies),
// sweeping after each, and sums them up: calls/s per repeat, latency
// percentiles over all calls.
func measured(workers int, d time.Duration, repeats int, one func() (int64, time.Duration, []time.Duration, error), sweep func()) (*APIResult, error) {
	res := &APIResult{Workers: workers, Seconds: d.Seconds()}
	var rates []float64
	var lat []time.Duration
	for range repeats {
		calls, elapsed, l, err := one()
		if err != nil {
			return nil, err
		}
		lat = append(lat, l...)
		sweep()
		res.Calls += calls
		rates = append(rates, float64(calls)/elapsed.Seconds())
	}
	res.summarize(rates, lat)
	return res, nil
}

// sweepOCI removes what rounds cut by a repeat's end left.
func sweepOCI(cloud *model.Cloud) {
	for _, sub := range cloud.Subnets(benchTenancy) {
		_ = cloud.DeleteSubnet(benchTenancy, sub.ID)
	}
	for _, l := range cloud.RuleSets(benchTenancy, model.FlavorSecurityList) {
		if !l.Default {
			_ = cloud.DeleteRuleSet(benchTenancy, model.FlavorSecurityList, l.ID)
		}
	}
	for _, n := range cloud.Networks(benchTenancy) {
		_ = cloud.DeleteNetwork(benchTenancy, n.ID)
	}
}

// ociRound makes the 9 calls of one round.
func ociRound(ctx context.Context, c core.VirtualNetworkClient, n int64, timed func(func() error) error) error {
	comp := common.String(benchTenancy)
	cidr := fmt.Sprintf("10.%d.%d.0/24", (n/256)%256, n%256)
	var vcn, sub, sl *string
	steps := []func() error{
		func() error {
			r, err := c.CreateVcn(ctx, core.CreateVcnRequest{CreateVcnDetails: core.CreateVcnDetails{CompartmentId: comp, CidrBlock: common.String(cidr)}})
			vcn = r.Id
			return err
		},
		func() error { _, err := c.GetVcn(ctx, core.GetVcnRequest{VcnId: vcn}); return err },
		func() error {
			r, err := c.CreateSubnet(ctx, core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{CompartmentId: comp, VcnId: vcn, CidrBlock: common.String(cidr)}})
			sub = r.Id
			return err
		},
		func() error {
			_, err := c.ListSubnets(ctx, core.ListSubnetsRequest{CompartmentId: comp, VcnId: vcn})
			return err
		},
		func() error {
			r, err := c.CreateSecurityList(ctx, core.CreateSecurityListRequest{CreateSecurityListDetails: core.CreateSecurityListDetails{CompartmentId: comp, VcnId: vcn,
				IngressSecurityRules: []core.IngressSecurityRule{{Protocol: common.String("6"), Source: common.String("0.0.0.0/0")}},
				EgressSecurityRules:  []core.EgressSecurityRule{{Protocol: common.String("all"), Destination: common.String("0.0.0.0/0")}}}})
			sl = r.Id
			return err
		},
		func() error {
			_, err := c.GetSecurityList(ctx, core.GetSecurityListRequest{SecurityListId: sl})
			return err
		},
		func() error { _, err := c.DeleteSubnet(ctx, core.DeleteSubnetRequest{SubnetId: sub}); return err },
		func() error {
			_, err := c.DeleteSecurityList(ctx, core.DeleteSecurityListRequest{SecurityListId: sl})
			return err
		},
		func() error { _, err := c.DeleteVcn(ctx, core.DeleteVcnRequest{VcnId: vcn}); return err },
	}
	for _, s := range steps {
		if err := timed(s); err != nil {
			return err
		}
	}
	return nil
}
