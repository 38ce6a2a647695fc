package aws_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/internal/sdkbody"
)

var (
	credA = cmaws.Credential{AccountID: "111111111111", AccessKeyID: "AKIAAAAAAAAAAAAAAAAA", SecretAccessKey: "secret-a"}
	credB = cmaws.Credential{AccountID: "222222222222", AccessKeyID: "AKIABBBBBBBBBBBBBBBB", SecretAccessKey: "secret-b"}
)

// lab is a handler under httptest with SDK clients for two accounts.
type lab struct {
	cloud *model.Cloud
	url   string
	a, b  *ec2.Client
}

func newLab(t testing.TB) *lab {
	t.Helper()
	cloud := model.New()
	srv := httptest.NewServer(cmaws.New(cloud, cmaws.Config{Region: "us-east-1", Credentials: []cmaws.Credential{credA, credB}}))
	t.Cleanup(srv.Close)
	return &lab{cloud: cloud, url: srv.URL, a: client(srv.URL, credA.AccessKeyID, credA.SecretAccessKey), b: client(srv.URL, credB.AccessKeyID, credB.SecretAccessKey)}
}

func client(url, key, secret string) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:           "us-east-1",
		BaseEndpoint:     sdkaws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		RetryMaxAttempts: 1,
		// Each request with a body of its own: without it, concurrent
		// calls fail now and then with "use of closed network connection"
		// on a 200's body (aws-sdk-go-v2#2737; the lab's clients wrap
		// theirs the same way, in controller/cloud/aws.BufferedBody).
		HTTPClient: sdkbody.Buffered(awshttp.NewBuildableClient()),
	})
}

var ctx = context.Background()

// wantAPIError checks that err is an EC2 API error with the given code.
func wantAPIError(t testing.TB, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got error code %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func mkVpc(t testing.TB, c *ec2.Client, cidr, name string) types.Vpc {
	t.Helper()
	out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String(cidr), TagSpecifications: []types.TagSpecification{{
		ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String(name)}}}}})
	if err != nil {
		t.Fatalf("CreateVpc %s: %v", cidr, err)
	}
	return *out.Vpc
}

func mkSubnet(t testing.TB, c *ec2.Client, vpc, cidr string) types.Subnet {
	t.Helper()
	out, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdkaws.String(vpc), CidrBlock: sdkaws.String(cidr)})
	if err != nil {
		t.Fatalf("CreateSubnet %s: %v", cidr, err)
	}
	return *out.Subnet
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: sdkaws.String(name), Values: values}
}

// wantAPIErrorMessage checks that err is an EC2 API error with the given
// code and message.
func wantAPIErrorMessage(t testing.TB, err error, code, message string) {
	t.Helper()
	wantAPIError(t, err, code)
	var ae smithy.APIError
	errors.As(err, &ae)
	if ae.ErrorMessage() != message {
		t.Fatalf("%s message:\n got %q\nwant %q", code, ae.ErrorMessage(), message)
	}
}
