package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/cloudmock/persist"
)

// APIResult is the outcome of `mcnlab bench api`.
type APIResult struct {
	Workers     int     `json:"workers"`
	Seconds     float64 `json:"seconds"`
	Calls       int64   `json:"calls"`
	CallsPerSec Spread  `json:"calls_per_s"` // one sample per repeat
	LatencyP50  float64 `json:"latency_p50_ms"`
	LatencyP99  float64 `json:"latency_p99_ms"`
	// CPUPerCall is the CPU time (user and system, client and server:
	// one process) a call took on average, in milliseconds; a figure the
	// machine's other load does not move as it moves calls/s. Set by
	// APIOCI only.
	CPUPerCall float64 `json:"cpu_ms_per_call,omitempty"`
}

// API drives cloudmock's EC2 API with the AWS SDK for Go v2 over loopback
// HTTP, from workers goroutines for d per repeat, with a mix of creates,
// describes with filters, tags and deletes (the model alone, no dataplane).
func API(ctx context.Context, workers int, d time.Duration, repeats int) (*APIResult, error) {
	return APIState(ctx, workers, d, repeats, "")
}

// APIState is API with the cloud kept in the state file statePath, as
// `cloudmock serve --state` keeps it (each call answered once saved), when
// statePath is not empty. The file must not exist yet.
func APIState(ctx context.Context, workers int, d time.Duration, repeats int, statePath string) (*APIResult, error) {
	cloud := model.New()
	// Each worker holds one VPC at a time, and a round cut by a repeat's
	// end may leave one until the repeat's sweep: the account asks for the
	// VPC quota that needs, as a real one would ask Service Quotas.
	lim := model.DefaultLimits()
	if err := lim.Raise("vpcs-per-region", max(2*workers, model.DefaultLimits().NetworksPerRegion)); err != nil {
		return nil, fmt.Errorf("bench api: %w", err)
	}
	cloud.AddAccount(model.Account{ID: benchAccount, Limits: lim})
	client, stop, err := serveAPI(cloud, statePath)
	if err != nil {
		return nil, fmt.Errorf("bench api: %w", err)
	}
	defer stop()
	res := &APIResult{Workers: workers, Seconds: d.Seconds()}
	var rates []float64 // calls per second, one per repeat
	var lat []time.Duration
	var seq atomic.Int64
	for range repeats {
		calls, elapsed, l, err := apiRepeat(ctx, client, workers, d, &seq)
		if err != nil {
			return nil, fmt.Errorf("bench api: %w", err)
		}
		lat = append(lat, l...)
		// Rounds cut by the repeat's end leave VPCs (some created by a call
		// whose answer came too late); remove them so that the next
		// repeat's workers stay within the VPC quota. A call still under
		// way may add one after this: the quota leaves room for it.
		for _, sub := range cloud.Subnets(benchAccount) {
			_ = cloud.DeleteSubnet(benchAccount, sub.ID)
		}
		for _, n := range cloud.Networks(benchAccount) {
			_ = cloud.DeleteNetwork(benchAccount, n.ID)
		}
		res.Calls += calls
		rates = append(rates, float64(calls)/elapsed.Seconds())
	}
	res.summarize(rates, lat)
	return res, nil
}

// The benchmark's account and its keys.
const benchKey, benchSecret, benchAccount = "AKIDMCNLABBENCH", "mcnlab-bench-secret", "111122223333"

// serveAPI serves cloud's EC2 API on a loopback port, kept in the state
// file statePath unless it is empty, and returns an SDK client of it and
// the function that stops it.
func serveAPI(cloud *model.Cloud, statePath string) (*ec2.Client, func(), error) {
	cfg := cmaws.Config{Region: "us-east-1", Credentials: []cmaws.Credential{{AccountID: benchAccount, AccessKeyID: benchKey, SecretAccessKey: benchSecret}}}
	var h http.Handler = cmaws.New(cloud, cfg)
	closeState := func() {}
	if statePath != "" {
		if _, err := os.Stat(statePath); err == nil {
			return nil, nil, fmt.Errorf("state file %s exists: give a new one", statePath)
		}
		st, err := persist.Open(statePath)
		if err != nil {
			return nil, nil, err
		}
		cfg.Remember = func(t cmaws.Token) {
			b, _ := t.MarshalBinary()
			st.Remember("aws-client-token", t.Key, b)
		}
		st.Start(cloud)
		h = st.Durable(cmaws.New(cloud, cfg))
		closeState = func() { st.Close() }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		closeState()
		return nil, nil, fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	client := ec2.New(ec2.Options{
		Region:           "us-east-1",
		BaseEndpoint:     sdkaws.String("http://" + ln.Addr().String()),
		Credentials:      credentials.NewStaticCredentialsProvider(benchKey, benchSecret, ""),
		RetryMaxAttempts: 1,
	})
	return client, func() { srv.Close(); closeState() }, nil
}

// apiRepeat runs workers goroutines of EC2 rounds for d (runRounds).
func apiRepeat(ctx context.Context, client *ec2.Client, workers int, d time.Duration, seq *atomic.Int64) (int64, time.Duration, []time.Duration, error) {
	return runRounds(ctx, workers, d, seq, func(ctx context.Context, n int64, timed func(func() error) error) error {
		return apiRound(ctx, client, n, timed)
	})
}

// runRounds runs workers goroutines of rounds for d and returns the calls
// they made, the time taken and each call's latency; a round times each
// of its calls with timed.
func runRounds(ctx context.Context, workers int, d time.Duration, seq *atomic.Int64, round func(ctx context.Context, n int64, timed func(func() error) error) error) (int64, time.Duration, []time.Duration, error) {
	var calls atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			timed := func(f func() error) error {
				t0 := time.Now()
				err := f()
				mine = append(mine, time.Since(t0))
				calls.Add(1)
				return err
			}
			for rctx.Err() == nil {
				if err := round(rctx, seq.Add(1), timed); err != nil {
					if rctx.Err() == nil {
						errc <- err
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errc:
		return 0, 0, nil, err
	default:
	}
	return calls.Load(), elapsed, lat, nil
}

// apiRound makes 8 calls: create a VPC and a subnet, tag the subnet,
// describe by ID, by filter and by tag, then delete both.
func apiRound(ctx context.Context, c *ec2.Client, n int64, timed func(func() error) error) error {
	cidr := fmt.Sprintf("10.%d.%d.0/24", (n/256)%256, n%256)
	var vpc, subnet string
	steps := []func() error{
		func() error {
			out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String(cidr)})
			if err == nil {
				vpc = *out.Vpc.VpcId
			}
			return err
		},
		func() error {
			out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: sdkaws.String(cidr)})
			if err == nil {
				subnet = *out.Subnet.SubnetId
			}
			return err
		},
		func() error {
			_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{subnet}, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String(cidr)}}})
			return err
		},
		func() error {
			_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
			return err
		},
		func() error {
			out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{vpc}}}})
			if err == nil && len(out.Subnets) != 1 {
				err = fmt.Errorf("describe subnets of %s: %d subnets, want 1", vpc, len(out.Subnets))
			}
			return err
		},
		func() error {
			_, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{vpc}}}})
			return err
		},
		func() error {
			_, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &subnet})
			return err
		},
		func() error {
			_, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &vpc})
			return err
		},
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
