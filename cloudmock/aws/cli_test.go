package aws_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// awsCLIPath is the AWS CLI's path; the test is skipped where there is none
// (or fails, under roottest's rules) and in short mode.
func awsCLIPath(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		roottest.Missing(t, "aws CLI not installed (Debian: awscli)")
	}
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	return bin
}

// TestAWSCLI drives the handler with the real AWS CLI when it is installed.
func TestAWSCLI(t *testing.T) {
	bin := awsCLIPath(t)
	l := newLab(t)
	run := func(secret string, args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), bin, append([]string{"--endpoint-url", l.url, "--output", "json", "ec2"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+credA.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+secret,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(credA.SecretAccessKey, "create-vpc", "--cidr-block", "10.0.0.0/16", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=cli}]")
	if err != nil {
		t.Fatalf("create-vpc: %v\n%s", err, out)
	}
	var created struct {
		Vpc struct{ VpcId, CidrBlock string }
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.Vpc.CidrBlock != "10.0.0.0/16" {
		t.Fatalf("create-vpc output %q: %v", out, err)
	}
	out, err = run(credA.SecretAccessKey, "describe-vpcs", "--filters", "Name=tag:Name,Values=cli")
	if err != nil || !strings.Contains(out, created.Vpc.VpcId) {
		t.Fatalf("describe-vpcs: %v\n%s", err, out)
	}
	out, err = run(credA.SecretAccessKey, "create-subnet", "--vpc-id", created.Vpc.VpcId, "--cidr-block", "10.1.0.0/24")
	if err == nil || !strings.Contains(out, "InvalidSubnet.Range") {
		t.Fatalf("create-subnet outside the VPC: %v\n%s", err, out)
	}
	out, err = run("wrong", "describe-vpcs")
	if err == nil || !strings.Contains(out, "AuthFailure") {
		t.Fatalf("wrong secret: %v\n%s", err, out)
	}
}
