package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
)

// TestCloudmockServeQuota: `cloudmock serve --quota vpcs-per-region=6`
// admits a 6th VPC and refuses the 7th as AWS does; without it the 6th is
// refused. The account's default VPC is one of them, as in AWS: a user
// makes 4 (or 5) of their own.
func TestCloudmockServeQuota(t *testing.T) {
	vpcs := func(args ...string) (int, error) {
		srv := startServe(t, append([]string{"--account", "111122223333:AKIDTEST:secret"}, args...)...)
		c := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String("http://" + srv.Addr),
			Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), RetryMaxAttempts: 1})
		for i := range 10 {
			if _, err := c.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: sdkaws.String(fmt.Sprintf("10.%d.0.0/16", i))}); err != nil {
				return i, err
			}
		}
		return 10, nil
	}
	for _, tc := range []struct {
		args []string
		want int
	}{{nil, 4}, {[]string{"--quota", "vpcs-per-region=6"}, 5}} {
		n, err := vpcs(tc.args...)
		var ae smithy.APIError
		if n != tc.want || !errors.As(err, &ae) || ae.ErrorCode() != "VpcLimitExceeded" || ae.ErrorMessage() != "The maximum number of VPCs has been reached." {
			t.Errorf("serve %v: %d VPCs, then %v; want %d, then VpcLimitExceeded", tc.args, n, err, tc.want)
		}
	}
}

func TestQuotaLimits(t *testing.T) {
	lim, err := quotaLimits([]string{"vpcs-per-region=20", "elastic-ips-per-region=8"})
	if err != nil || lim.NetworksPerRegion != 20 || lim.ElasticIPsPerRegion != 8 {
		t.Fatalf("quotaLimits: %+v, %v", lim, err)
	}
	for spec, want := range map[string]string{
		"vpcs":               `--quota "vpcs": want KEY=N, such as vpcs-per-region=20`,
		"vpcs-per-region=3":  `--quota "vpcs-per-region=3": quota vpcs-per-region (VPCs per Region): 3 is below its default 5; a quota can only be raised`,
		"vpcs-per-regoin=30": `--quota "vpcs-per-regoin=30": unknown quota "vpcs-per-regoin"; quotas are vpcs-per-region, subnets-per-vpc, internet-gateways-per-region, nat-gateways-per-az, elastic-ips-per-region, route-tables-per-vpc, routes-per-route-table, security-groups-per-region, rules-per-security-group`,
	} {
		if _, err := quotaLimits([]string{spec}); err == nil || err.Error() != want {
			t.Errorf("quotaLimits(%q): %v\nwant %s", spec, err, want)
		}
	}
}
