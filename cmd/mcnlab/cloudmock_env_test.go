package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	ctlcloud "github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// Values that break naive quoting: each must come back from the shell as
// it went in, and nothing in it may run.
var awkwardValues = []string{
	"", "plain", "it's", "''", `a'b'c`, `$HOME`, "`echo INJECTED`", "$(echo INJECTED)",
	`back\slash`, `"double"`, "two words", "tab\there", "new\nline", "; echo INJECTED", "!bang", "*",
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":          `''`,
		"abc":       `'abc'`,
		"it's":      `'it'\''s'`,
		"''":        `''\'''\'''`,
		"$HOME x":   `'$HOME x'`,
		`a\"b`:      `'a\"b'`,
		"new\nline": "'new\nline'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s; want %s", in, got, want)
		}
	}
	// What the shell makes of it: the value itself, whatever it holds.
	for _, sh := range []string{"sh", "bash"} {
		if _, err := exec.LookPath(sh); err != nil {
			t.Logf("no %s: %v", sh, err)
			continue
		}
		for _, v := range awkwardValues {
			out, err := exec.Command(sh, "-c", `eval "x=$1"; printf '%s' "$x"`, sh, shellQuote(v)).CombinedOutput()
			if err != nil || string(out) != v {
				t.Errorf("%s: eval x=%s gives %q (%v); want %q", sh, shellQuote(v), out, err, v)
			}
		}
	}
}

// envLab records a lab whose cloud is a cloudmock AWS front-end under
// httptest, as a deployed cloud lab records its cloud, with a secret that
// needs quoting; it returns the cloud record and an EC2
// client of the account.
func envLab(t *testing.T, name string) (ctlcloud.Endpoint, *ec2.Client) {
	t.Helper()
	cred := cmaws.Credential{AccountID: "111111111111", AccessKeyID: "AKIDENVTEST", SecretAccessKey: `s3cr'et$HOME "x"`}
	cloud := model.New()
	cloud.AddAccount(model.Account{ID: cred.AccountID, Limits: model.DefaultLimits()})
	srv := httptest.NewServer(cmaws.New(cloud, cmaws.Config{Region: "us-east-2", Credentials: []cmaws.Credential{cred}}))
	t.Cleanup(srv.Close)
	if err := state.Create(&state.Lab{Name: name, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	lc := ctlcloud.Endpoint{URL: srv.URL, Region: "us-east-2", AccountID: cred.AccountID,
		Credentials: ctlcloud.Credentials{KeyID: cred.AccessKeyID, Secret: cred.SecretAccessKey}}
	if err := mcnlab.WriteEndpoint(name, "aws", lc); err != nil {
		t.Fatal(err)
	}
	c := ec2.New(ec2.Options{Region: lc.Region, BaseEndpoint: sdkaws.String(lc.URL),
		Credentials: credentials.NewStaticCredentialsProvider(lc.Credentials.KeyID, lc.Credentials.Secret, "")})
	return lc, c
}

func createVPC(t *testing.T, c *ec2.Client, name, cidr string) {
	t.Helper()
	_, err := c.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: sdkaws.String(cidr),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String(name)}}}}})
	if err != nil {
		t.Fatalf("create VPC %s: %v", name, err)
	}
}

// cleanAWSEnv is an environment with nothing of the user's AWS set up in
// it: no AWS_* variables, and a home without ~/.aws, plus extra.
func cleanAWSEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	home := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8", mcnlab.StateRootEnv + "=" + state.Root,
		// Not real files: the lines printed must be all the CLI needs.
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-credentials")}
	return append(env, extra...)
}

// vpcNames runs script in bash under env and returns the Name tags of the
// VPCs in the JSON of `aws ec2 describe-vpcs --output json` it prints.
func vpcNames(t *testing.T, env []string, script string) []string {
	t.Helper()
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bash -c %q: %v\nstdout: %s\nstderr: %s", script, err, out, stderr.String())
	}
	var ans struct {
		Vpcs []struct {
			Tags []struct{ Key, Value string }
		}
	}
	if err := json.Unmarshal(out, &ans); err != nil {
		t.Fatalf("aws ec2 describe-vpcs printed no JSON: %v\n%s\nstderr: %s", err, out, stderr.String())
	}
	var names []string
	for _, v := range ans.Vpcs {
		for _, tag := range v.Tags {
			if tag.Key == "Name" {
				names = append(names, tag.Value)
			}
		}
	}
	slices.Sort(names)
	return names
}

// TestCloudmockEnvAWS: the printed lines point the AWS CLI and the Go SDK
// at a lab's cloud, in a clean environment and in one left over from a real
// account, and `--lab` may be left out when one lab runs.
func TestCloudmockEnvAWS(t *testing.T) {
	roottest.UseTempState(t)
	lc, c := envLab(t, "envlab")
	createVPC(t, c, "blue-vpc", "10.1.0.0/16")
	createVPC(t, c, "green-vpc", "10.2.0.0/16")

	out, _, err := run(t, "cloudmock", "env", "--lab", "envlab")
	if err != nil {
		t.Fatalf("cloudmock env: %v", err)
	}
	for _, want := range []string{
		"export AWS_ENDPOINT_URL='" + lc.URL + "'\n",
		"export AWS_ACCESS_KEY_ID='AKIDENVTEST'\n",
		`export AWS_SECRET_ACCESS_KEY='s3cr'\''et$HOME "x"'` + "\n",
		"export AWS_DEFAULT_REGION='us-east-2'\n",
		"export AWS_REGION='us-east-2'\n",
		"unset AWS_SESSION_TOKEN AWS_PROFILE",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("cloudmock env prints no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "AWS_CA_BUNDLE") {
		t.Errorf("cloudmock env sets AWS_CA_BUNDLE for a plain-HTTP cloud:\n%s", out)
	}
	if alone, _, err := run(t, "cloudmock", "env"); err != nil || alone != out {
		t.Errorf("cloudmock env without --lab, one lab running: %v\n%s\nwant what --lab envlab prints", err, alone)
	}

	t.Run("aws-cli", func(t *testing.T) {
		if _, err := exec.LookPath("aws"); err != nil {
			roottest.Missing(t, "the AWS CLI is not installed: %v", err)
		}
		bin := roottest.MCNLab(t)
		script := `set -e; eval "$(` + bin + ` cloudmock env --lab envlab)"; aws ec2 describe-vpcs --output json`
		want := []string{"blue-vpc", "green-vpc"}
		if got := vpcNames(t, cleanAWSEnv(t), script); !slices.Equal(got, want) {
			t.Errorf("clean environment: aws ec2 describe-vpcs lists %q; want %q", got, want)
		}
		// Left over from a real account: its key, a session token that the
		// lab's key must not carry, a profile that does not exist here and
		// an EC2 endpoint that would win over AWS_ENDPOINT_URL.
		stale := cleanAWSEnv(t, "AWS_ACCESS_KEY_ID=AKIAREALACCOUNT", "AWS_SECRET_ACCESS_KEY=real", "AWS_SESSION_TOKEN=real-token",
			"AWS_PROFILE=production", "AWS_DEFAULT_REGION=eu-west-1", "AWS_ENDPOINT_URL_EC2=http://127.0.0.1:9")
		if got := vpcNames(t, stale, script); !slices.Equal(got, want) {
			t.Errorf("environment of a real account: aws ec2 describe-vpcs lists %q; want %q", got, want)
		}
	})

	t.Run("go-sdk", func(t *testing.T) {
		for _, k := range []string{"HOME", "AWS_CA_BUNDLE", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_EC2", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"} {
			t.Setenv(k, "")
		}
		t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
		for k, v := range exports(t, out) {
			t.Setenv(k, v)
		}
		cfg, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// Besides the lab's two, the account has its default VPC.
		ans, err := ec2.NewFromConfig(cfg).DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{
			Filters: []types.Filter{{Name: sdkaws.String("is-default"), Values: []string{"false"}}}})
		if err != nil {
			t.Fatalf("DescribeVpcs with the SDK's default configuration: %v", err)
		}
		if len(ans.Vpcs) != 2 {
			t.Errorf("DescribeVpcs with the SDK's default configuration: %d VPCs besides the default one; want blue-vpc and green-vpc", len(ans.Vpcs))
		}
	})
}

// exports reads the values of the export lines that cloudmock env prints,
// through the shell that would eval them.
func exports(t *testing.T, lines string) map[string]string {
	t.Helper()
	cmd := exec.Command("sh", "-c", `eval "$1"; env`, "sh", lines)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh eval of cloudmock env's lines: %v", err)
	}
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "AWS_") {
			m[k] = v
		}
	}
	if m["AWS_SECRET_ACCESS_KEY"] != `s3cr'et$HOME "x"` {
		t.Fatalf("the shell reads AWS_SECRET_ACCESS_KEY as %q from:\n%s", m["AWS_SECRET_ACCESS_KEY"], lines)
	}
	return m
}

// TestCloudmockEnvAWSFunction: for AWS CLIs that ignore AWS_ENDPOINT_URL
// the printed aws function passes it as --endpoint-url, and stops doing
// so once it is unset.
func TestCloudmockEnvAWSFunction(t *testing.T) {
	dir := t.TempDir()
	fake := "#!/bin/sh\nprintf '%s|' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "aws"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	lines, err := awsEnv("l1", ctlcloud.Endpoint{URL: "http://127.0.0.1:4566", Region: "us-east-1", AccountID: "111111111111", Credentials: ctlcloud.Credentials{KeyID: "K", Secret: "S"}, CAFile: "/unused/on/http.pem"})
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range []string{"sh", "bash"} {
		cmd := exec.Command(sh, "-c", `eval "$1"; aws ec2 describe-vpcs --filters 'Name=tag:Name,Values=a b'; echo; unset AWS_ENDPOINT_URL; aws ec2 describe-vpcs`, sh, lines)
		cmd.Env = []string{"PATH=" + dir + ":" + os.Getenv("PATH")}
		out, err := cmd.Output()
		want := "--endpoint-url|http://127.0.0.1:4566|ec2|describe-vpcs|--filters|Name=tag:Name,Values=a b|\nec2|describe-vpcs|"
		if err != nil || string(out) != want {
			t.Errorf("%s: the aws function ran aws with %q (%v); want %q", sh, out, err, want)
		}
	}
}

func TestCloudmockEnvErrors(t *testing.T) {
	roottest.UseTempState(t)
	if _, _, err := run(t, "cloudmock", "env"); err == nil || !strings.Contains(err.Error(), "no labs on this machine") {
		t.Errorf("cloudmock env, no lab: %v; want no labs on this machine", err)
	}
	envLab(t, "one")
	if _, _, err := run(t, "cloudmock", "env", "--lab", "one", "--provider", "ibm"); err == nil || err.Error() != `--provider "ibm": cloudmock env supports aws, azure, gcp, oci` {
		t.Errorf("cloudmock env --provider ibm: %v; want the providers it supports", err)
	}
	if _, _, err := run(t, "cloudmock", "env", "--lab", "one", "--provider", "oci"); err == nil || !strings.Contains(err.Error(), "lab one has no emulated oci cloud") {
		t.Errorf("cloudmock env --provider oci for an AWS lab: %v", err)
	}
	if _, _, err := run(t, "cloudmock", "env", "--lab", "one", "--provider", "gcp"); err == nil || !strings.Contains(err.Error(), "lab one has no emulated gcp cloud") {
		t.Errorf("cloudmock env --provider gcp for an AWS lab: %v", err)
	}
	if _, _, err := run(t, "cloudmock", "env", "--lab", "one", "--provider", "azure"); err == nil || !strings.Contains(err.Error(), "lab one has no emulated azure cloud") {
		t.Errorf("cloudmock env --provider azure for an AWS lab: %v", err)
	}
	envLab(t, "two")
	if _, _, err := run(t, "cloudmock", "env"); err == nil || !strings.Contains(err.Error(), "name one with --lab") {
		t.Errorf("cloudmock env, two labs: %v; want name one with --lab", err)
	}
	if err := state.Create(&state.Lab{Name: "nocloud", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "cloudmock", "env", "--lab", "nocloud"); err == nil || !strings.Contains(err.Error(), "lab nocloud has no emulated cloud running") {
		t.Errorf("cloudmock env for a lab without a cloud: %v", err)
	}
	if _, _, err := run(t, "cloudmock", "env", "--lab", "../x"); err == nil || !strings.Contains(err.Error(), "--lab") {
		t.Errorf("cloudmock env --lab ../x: %v", err)
	}
	if _, err := awsEnv("t", ctlcloud.Endpoint{URL: "https://127.0.0.1:1", Region: "r", Credentials: ctlcloud.Credentials{KeyID: "k", Secret: "s"}}); err == nil || !strings.Contains(err.Error(), "no certificate authority") {
		t.Errorf("awsEnv for HTTPS without a CA: %v", err)
	}
	if _, err := azureEnv("t", ctlcloud.Endpoint{URL: "http://127.0.0.1:1", AccountID: "s", Credentials: ctlcloud.Credentials{KeyID: "k", Secret: "s"}}); err == nil {
		t.Error("azureEnv for plain HTTP without a CA: no error")
	}
	az, err := azureEnv("t", ctlcloud.Endpoint{URL: "https://127.0.0.1:1", AccountID: "sub", Credentials: ctlcloud.Credentials{KeyID: "k", Secret: "-s'"}, CAFile: "/ca.pem"})
	for _, w := range []string{`export AZURE_CONFIG_DIR="${AZURE_CONFIG_DIR:-$HOME/.azure-mcnlab-t}"`, "export REQUESTS_CA_BUNDLE='/ca.pem'",
		"--endpoint-resource-manager 'https://127.0.0.1:1/' --profile 2020-09-01-hybrid", `--password='-s'\'''`, "az account set --subscription 'sub'"} {
		if err != nil || !strings.Contains(az, w) {
			t.Errorf("azureEnv lacks %q (%v):\n%s", w, err, az)
		}
	}
	lines, err := awsEnv("t", ctlcloud.Endpoint{URL: "https://127.0.0.1:1", Region: "r", Credentials: ctlcloud.Credentials{KeyID: "k", Secret: "s"}, CAFile: "/run/mcnlab/t/ca's.pem"})
	if err != nil || !strings.Contains(lines, `export AWS_CA_BUNDLE='/run/mcnlab/t/ca'\''s.pem'`+"\n") {
		t.Errorf("awsEnv for HTTPS with a CA: %v\n%s", err, lines)
	}
}
