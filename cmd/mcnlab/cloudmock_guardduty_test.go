package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestCloudmockGuardDutySurvivesSIGKILL: a served cloud answers GuardDuty
// on its one endpoint (the AWS CLI pointed at it by --endpoint-url), and
// after a SIGKILL and a restart has the same detector and findings.
func TestCloudmockGuardDutySurvivesSIGKILL(t *testing.T) {
	bin := roottest.MCNLab(t)
	path := filepath.Join(t.TempDir(), "cloud.db")
	srv := startStateServe(t, bin, path)
	ctx := context.Background()
	gd := func() *guardduty.Client {
		return guardduty.New(guardduty.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String("http://" + srv.addr),
			Credentials: credentials.NewStaticCredentialsProvider("AKIDSTATE", "state-secret", ""), RetryMaxAttempts: 1})
	}
	det, err := gd().CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: sdkaws.Bool(true)})
	if err != nil {
		t.Fatalf("CreateDetector: %v\n%s", err, srv.out)
	}
	if _, err := gd().CreateSampleFindings(ctx, &guardduty.CreateSampleFindingsInput{DetectorId: det.DetectorId,
		FindingTypes: []string{"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", "Recon:EC2/PortProbeUnprotectedPort"}}); err != nil {
		t.Fatal(err)
	}
	before, err := gd().ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: det.DetectorId})
	if err != nil || len(before.FindingIds) != 2 {
		t.Fatalf("ListFindings: %v, %v", before, err)
	}

	srv.kill()
	srv = startStateServe(t, bin, path)
	after, err := gd().ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: det.DetectorId})
	if err != nil || !slices.Equal(after.FindingIds, before.FindingIds) {
		t.Fatalf("ListFindings after SIGKILL and restart: %v, %v; want %v", after, err, before.FindingIds)
	}

	aws, err := exec.LookPath("aws")
	if err != nil {
		roottest.Missing(t, "aws CLI not installed (Debian: awscli)")
	}
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	cmd := exec.CommandContext(t.Context(), aws, "--endpoint-url", "http://"+srv.addr, "--output", "json", "guardduty", "list-findings", "--detector-id", *det.DetectorId,
		"--sort-criteria", "AttributeName=severity,OrderBy=DESC")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDSTATE", "AWS_SECRET_ACCESS_KEY=state-secret",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	var list struct{ FindingIds []string }
	if err != nil || json.Unmarshal(out, &list) != nil || len(list.FindingIds) != 2 {
		t.Fatalf("aws guardduty list-findings after restart: %v\n%s", err, out)
	}
	got := slices.Sorted(slices.Values(list.FindingIds))
	if !slices.Equal(got, slices.Sorted(slices.Values(before.FindingIds))) {
		t.Errorf("aws guardduty list-findings: %v, want %v", list.FindingIds, before.FindingIds)
	}
}
