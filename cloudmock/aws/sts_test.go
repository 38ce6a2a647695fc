package aws_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
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
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
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
