package aws_test

import (
	"net/http/httptest"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/directconnect"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// TestSignatureScopedToAnotherService signs EC2 calls for s3 (and for
// directconnect, the other service on the listener): EC2 refuses them as
// AWS does.
func TestSignatureScopedToAnotherService(t *testing.T) {
	l := newLab(t)
	for _, service := range []string{"s3", "directconnect"} {
		c := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(l.url), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(credA.AccessKeyID, credA.SecretAccessKey, "")},
			ec2.WithSigV4SigningName(service))
		_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		t.Run(service, func(t *testing.T) {
			wantAPIErrorMessage(t, err, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'ec2'.")
		})
	}
	// Direct Connect, signed for ec2, is refused in its own protocol.
	dx := directconnect.New(directconnect.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(l.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(credA.AccessKeyID, credA.SecretAccessKey, "")},
		directconnect.WithSigV4SigningName("ec2"))
	_, err := dx.DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{})
	wantAPIErrorMessage(t, err, "IncompleteSignature", "Credential should be scoped to correct service: 'directconnect'.")
}

// TestSessionTokens: a session token is accepted only with the temporary
// credential the account issued it with; any other is refused, by EC2 with
// AuthFailure and by Direct Connect with InvalidClientTokenId.
func TestSessionTokens(t *testing.T) {
	temp := cmaws.Credential{AccountID: credA.AccountID, AccessKeyID: "ASIATEMPTEMPTEMPTEMP", SecretAccessKey: "temp-secret", SessionToken: "issued-token"}
	srv := httptest.NewServer(cmaws.New(model.New(), cmaws.Config{Region: "us-east-1", Credentials: []cmaws.Credential{credA, temp}}))
	t.Cleanup(srv.Close)
	withToken := func(key, secret, token string) *ec2.Client {
		return ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(srv.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(key, secret, token)})
	}
	if _, err := withToken(temp.AccessKeyID, temp.SecretAccessKey, "issued-token").DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatalf("issued token refused: %v", err)
	}
	for name, c := range map[string]*ec2.Client{
		"random token on a long-term key":  withToken(credA.AccessKeyID, credA.SecretAccessKey, "FwoGZXIvYXdzEJr//////////random"),
		"another token on a temporary key": withToken(temp.AccessKeyID, temp.SecretAccessKey, "not-the-issued-token"),
		"temporary key without its token":  withToken(temp.AccessKeyID, temp.SecretAccessKey, ""),
	} {
		_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		t.Run(name, func(t *testing.T) {
			wantAPIErrorMessage(t, err, "AuthFailure", "AWS was not able to validate the provided access credentials")
		})
	}
	dx := directconnect.New(directconnect.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(credA.AccessKeyID, credA.SecretAccessKey, "random")})
	_, err := dx.DescribeConnections(ctx, &directconnect.DescribeConnectionsInput{})
	wantAPIErrorMessage(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
}
