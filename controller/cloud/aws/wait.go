package aws

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// waitLimit bounds each wait for an object to reach a state. The emulated
// cloud changes state at once; real AWS takes seconds to minutes.
const waitLimit = 10 * time.Minute

// poll calls done until it reports true, first at once, then with a
// growing delay, until waitLimit or ctx ends.
func poll(ctx context.Context, what string, done func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, waitLimit)
	defer cancel()
	delay := 500 * time.Millisecond
	for {
		ok, err := done(ctx)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		t := time.NewTimer(delay)
		var cancelled bool
		cloud.Unlocked(ctx, func() {
			select {
			case <-ctx.Done():
				t.Stop()
				cancelled = true
			case <-t.C:
			}
		})
		if cancelled {
			return fmt.Errorf("wait for %s: %w", what, ctx.Err())
		}
		delay = min(2*delay, 15*time.Second)
	}
}

// waitVGW waits until a VPN gateway satisfies ok.
func (p *Provider) waitVGW(ctx context.Context, id string, ok func(types.VpnGateway) bool) error {
	return poll(ctx, "vpn gateway "+id, func(ctx context.Context) (bool, error) {
		out, err := p.ec2.DescribeVpnGateways(ctx, &ec2.DescribeVpnGatewaysInput{VpnGatewayIds: []string{id}})
		if err != nil {
			return false, err
		}
		return len(out.VpnGateways) == 1 && ok(out.VpnGateways[0]), nil
	})
}

// clientToken returns a fresh idempotency token: the SDK's retries of one
// call reuse it, so a retried RunInstances cannot launch twice.
// AWS: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html — ClientToken
func clientToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
