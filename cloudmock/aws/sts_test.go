package aws_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// GetCallerIdentity on the one endpoint answers the signing key's account
// as its root user, through the Go SDK and the AWS CLI; another STS action
// is InvalidAction.
func TestSTSGetCallerIdentity(t *testing.T) {
	l := newLab(t)
	c := sts.New(sts.Options{Region: "eu-west-1", BaseEndpoint: sdkaws.String(l.url),
		Credentials: l.a.Options().Credentials, RetryMaxAttempts: 1})
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	acct := credA.AccountID
	if sdkaws.ToString(out.Account) != acct || sdkaws.ToString(out.UserId) != acct || sdkaws.ToString(out.Arn) != "arn:aws:iam::"+acct+":root" {
		t.Errorf("GetCallerIdentity = %s %s %s; want account %s as its root user", sdkaws.ToString(out.Account), sdkaws.ToString(out.UserId), sdkaws.ToString(out.Arn), acct)
	}
	_, err = c.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: sdkaws.String("x")})
	wantAPIError(t, err, "InvalidAction")

	bin, err := exec.LookPath("aws")
	if err != nil {
		roottest.Missing(t, "aws CLI not installed (Debian: awscli)")
	}
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	cmd := exec.CommandContext(t.Context(), bin, "--endpoint-url", l.url, "--output", "json", "sts", "get-caller-identity")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+credA.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+credA.SecretAccessKey,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
	b, err := cmd.CombinedOutput()
	var id struct{ UserId, Account, Arn string }
	if err != nil || json.Unmarshal(b, &id) != nil || id.Account != acct || id.Arn != "arn:aws:iam::"+acct+":root" {
		t.Errorf("aws sts get-caller-identity: %v\n%s", err, b)
	}
}

// TestSTSTemporaryCredentials: GetSessionToken and AssumeRole issue keys
// that sign EC2 and STS calls as the account (the role's, here another
// lab account) and identity they were issued to.
// AWS: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
// AWS: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
func TestSTSTemporaryCredentials(t *testing.T) {
	l := newLab(t)
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(l.url), Credentials: l.a.Options().Credentials, RetryMaxAttempts: 1})
	tok, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: sdkaws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	k := tok.Credentials
	if !strings.HasPrefix(sdkaws.ToString(k.AccessKeyId), "ASIA") || sdkaws.ToString(k.SessionToken) == "" || k.Expiration == nil {
		t.Fatalf("GetSessionToken credentials %+v", k)
	}
	temp := credentials.NewStaticCredentialsProvider(*k.AccessKeyId, *k.SecretAccessKey, *k.SessionToken)
	tc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(l.url), Credentials: temp, RetryMaxAttempts: 1})
	id, err := tc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || sdkaws.ToString(id.Account) != credA.AccountID {
		t.Fatalf("GetCallerIdentity with the session's keys: %v %+v", err, id)
	}
	_, err = tc.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantAPIError(t, err, "AccessDenied")

	role := "arn:aws:iam::" + credB.AccountID + ":role/lab/admin"
	as, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: sdkaws.String(role), RoleSessionName: sdkaws.String("ci-run")})
	if err != nil {
		t.Fatal(err)
	}
	if got := sdkaws.ToString(as.AssumedRoleUser.Arn); got != "arn:aws:sts::"+credB.AccountID+":assumed-role/admin/ci-run" {
		t.Fatalf("AssumedRoleUser %s", got)
	}
	rk := as.Credentials
	rc := credentials.NewStaticCredentialsProvider(*rk.AccessKeyId, *rk.SecretAccessKey, *rk.SessionToken)
	rid, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(l.url), Credentials: rc, RetryMaxAttempts: 1}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || sdkaws.ToString(rid.Account) != credB.AccountID || sdkaws.ToString(rid.Arn) != sdkaws.ToString(as.AssumedRoleUser.Arn) {
		t.Fatalf("GetCallerIdentity as the role: %v %+v", err, rid)
	}
	ec := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(l.url), Credentials: rc, RetryMaxAttempts: 1})
	vpcs, err := ec.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(vpcs.Vpcs) != 1 || sdkaws.ToString(vpcs.Vpcs[0].OwnerId) != credB.AccountID {
		t.Fatalf("DescribeVpcs as the role: %v %+v, want account B's default VPC", err, vpcs)
	}
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: sdkaws.String("arn:aws:iam::999999999999:role/x"), RoleSessionName: sdkaws.String("s1")})
	wantAPIError(t, err, "AccessDenied")
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: sdkaws.String(role), RoleSessionName: sdkaws.String("x")}) // 2 to 64 characters
	wantAPIError(t, err, "ValidationError")
}

// TestSTSAssumeRoleAWSCLI assumes a role with the AWS CLI, as a user's
// profile with role_arn does, and reads the keys it prints.
func TestSTSAssumeRoleAWSCLI(t *testing.T) {
	bin, err := exec.LookPath("aws")
	if err != nil {
		roottest.Missing(t, "aws CLI not installed (Debian: awscli)")
	}
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	l := newLab(t)
	cmd := exec.CommandContext(t.Context(), bin, "--endpoint-url", l.url, "--output", "json", "sts", "assume-role",
		"--role-arn", "arn:aws:iam::"+credA.AccountID+":role/ops", "--role-session-name", "me")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+credA.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+credA.SecretAccessKey,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
	b, err := cmd.CombinedOutput()
	var out struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		AssumedRoleUser struct{ Arn string }
	}
	if err != nil || json.Unmarshal(b, &out) != nil || !strings.HasPrefix(out.Credentials.AccessKeyId, "ASIA") ||
		out.AssumedRoleUser.Arn != "arn:aws:sts::"+credA.AccountID+":assumed-role/ops/me" {
		t.Fatalf("aws sts assume-role: %v\n%s", err, b)
	}
}
