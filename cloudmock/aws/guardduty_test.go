package aws_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/smithy-go"

	cmaws "github.com/mcnlab/mcnlab/cloudmock/aws"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func gdClient(url, region string, cred struct{ key, secret string }) *guardduty.Client {
	return guardduty.New(guardduty.Options{
		Region:           region,
		BaseEndpoint:     sdkaws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(cred.key, cred.secret, ""),
		RetryMaxAttempts: 1,
	})
}

func gdA(l *lab, region string) *guardduty.Client {
	return gdClient(l.url, region, struct{ key, secret string }{credA.AccessKeyID, credA.SecretAccessKey})
}

// wantBadRequest checks that err is GuardDuty's BadRequestException.
func wantBadRequest(t *testing.T, err error) {
	t.Helper()
	var br *gdtypes.BadRequestException
	if !errors.As(err, &br) || br.ErrorMessage() == "" {
		t.Fatalf("got %v, want a BadRequestException with a message", err)
	}
}

// gdTarget launches a public instance of the account in region: an
// instance in a subnet with an elastic IP on its interface.
func gdTarget(t *testing.T, c *model.Cloud, account, region string) (model.Instance, model.ElasticIP) {
	t.Helper()
	at := model.Place{Region: region}
	n, err := c.CreateNetworkAt(account, at, netip.MustParsePrefix("10.8.0.0/16"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSubnetAt(account, n.ID, at, netip.MustParsePrefix("10.8.1.0/24"), region+"a", nil)
	if err != nil {
		t.Fatal(err)
	}
	is, err := c.RunInstances(account, model.LaunchSpec{SubnetID: s.ID, ImageID: "ami-12345678", Type: "t3.micro", Count: 1,
		Tags: map[string]string{"Name": "web"}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.AllocateAddressAt(account, at, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AssociateAddress(account, e.ID, is[0].ID); err != nil {
		t.Fatal(err)
	}
	return is[0], e
}

func TestGuardDutyDetectorsAndThreatIntelSets(t *testing.T) {
	l := newLab(t)
	gd := gdA(l, "us-east-1")
	out, err := gd.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: sdkaws.Bool(true), Tags: map[string]string{"lab": "x"}})
	if err != nil || !hex32.MatchString(sdkaws.ToString(out.DetectorId)) {
		t.Fatalf("CreateDetector: %v, %v", out, err)
	}
	id := sdkaws.ToString(out.DetectorId)
	_, err = gd.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: sdkaws.Bool(true)})
	wantBadRequest(t, err) // one per account and region
	got, err := gd.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: &id})
	if err != nil || got.Status != gdtypes.DetectorStatusEnabled || got.FindingPublishingFrequency != gdtypes.FindingPublishingFrequencySixHours ||
		got.Tags["lab"] != "x" || sdkaws.ToString(got.ServiceRole) == "" {
		t.Fatalf("GetDetector: %+v, %v", got, err)
	}
	if _, err := time.Parse(time.RFC3339, sdkaws.ToString(got.CreatedAt)); err != nil {
		t.Fatalf("createdAt %q: %v", sdkaws.ToString(got.CreatedAt), err)
	}
	if _, err := gd.UpdateDetector(ctx, &guardduty.UpdateDetectorInput{DetectorId: &id, FindingPublishingFrequency: gdtypes.FindingPublishingFrequencyFifteenMinutes}); err != nil {
		t.Fatal(err)
	}
	if got, _ := gd.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: &id}); got.FindingPublishingFrequency != gdtypes.FindingPublishingFrequencyFifteenMinutes {
		t.Fatalf("frequency after update: %v", got.FindingPublishingFrequency)
	}
	// Each region's endpoint has its own detectors; another account does
	// not see this one.
	if ls, err := gdA(l, "eu-west-1").ListDetectors(ctx, &guardduty.ListDetectorsInput{}); err != nil || len(ls.DetectorIds) != 0 {
		t.Fatalf("eu-west-1 ListDetectors: %v, %v", ls, err)
	}
	_, err = gdA(l, "eu-west-1").GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: &id})
	wantBadRequest(t, err)
	gdB := gdClient(l.url, "us-east-1", struct{ key, secret string }{credB.AccessKeyID, credB.SecretAccessKey})
	_, err = gdB.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: &id})
	wantBadRequest(t, err)
	if ls, err := gd.ListDetectors(ctx, &guardduty.ListDetectorsInput{}); err != nil || len(ls.DetectorIds) != 1 || ls.DetectorIds[0] != id {
		t.Fatalf("ListDetectors: %v, %v", ls, err)
	}

	// A TXT list at a file:// location is read when the set is made.
	list := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(list, []byte("# attackers\n203.0.113.66\n198.51.100.128/25\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := gd.CreateThreatIntelSet(ctx, &guardduty.CreateThreatIntelSetInput{DetectorId: &id, Name: sdkaws.String("attackers"),
		Format: gdtypes.ThreatIntelSetFormatTxt, Location: sdkaws.String("file://" + list), Activate: sdkaws.Bool(true)})
	if err != nil || !hex32.MatchString(sdkaws.ToString(set.ThreatIntelSetId)) {
		t.Fatalf("CreateThreatIntelSet: %v, %v", set, err)
	}
	sid := set.ThreatIntelSetId
	g, err := gd.GetThreatIntelSet(ctx, &guardduty.GetThreatIntelSetInput{DetectorId: &id, ThreatIntelSetId: sid})
	if err != nil || sdkaws.ToString(g.Name) != "attackers" || g.Status != gdtypes.ThreatIntelSetStatusActive || g.Format != gdtypes.ThreatIntelSetFormatTxt {
		t.Fatalf("GetThreatIntelSet: %+v, %v", g, err)
	}
	if m, ok := l.cloud.ThreatMatch(credA.AccountID, "us-east-1", netip.MustParseAddr("198.51.100.200")); !ok || m.ID != *sid {
		t.Fatalf("the list read from the file does not match: %+v %v", m, ok)
	}
	if _, err := gd.UpdateThreatIntelSet(ctx, &guardduty.UpdateThreatIntelSetInput{DetectorId: &id, ThreatIntelSetId: sid, Activate: sdkaws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if g, _ := gd.GetThreatIntelSet(ctx, &guardduty.GetThreatIntelSetInput{DetectorId: &id, ThreatIntelSetId: sid}); g.Status != gdtypes.ThreatIntelSetStatusInactive {
		t.Fatalf("status after deactivation: %v", g.Status)
	}
	if ls, err := gd.ListThreatIntelSets(ctx, &guardduty.ListThreatIntelSetsInput{DetectorId: &id}); err != nil || len(ls.ThreatIntelSetIds) != 1 {
		t.Fatalf("ListThreatIntelSets: %v, %v", ls, err)
	}
	_, err = gd.CreateThreatIntelSet(ctx, &guardduty.CreateThreatIntelSetInput{DetectorId: &id, Name: sdkaws.String("x"),
		Format: gdtypes.ThreatIntelSetFormatTxt, Location: sdkaws.String("file:///nonexistent/list.txt"), Activate: sdkaws.Bool(true)})
	wantBadRequest(t, err)
	if _, err := gd.DeleteThreatIntelSet(ctx, &guardduty.DeleteThreatIntelSetInput{DetectorId: &id, ThreatIntelSetId: sid}); err != nil {
		t.Fatal(err)
	}
	_, err = gd.GetThreatIntelSet(ctx, &guardduty.GetThreatIntelSetInput{DetectorId: &id, ThreatIntelSetId: sid})
	wantBadRequest(t, err)
	if _, err := gd.DeleteDetector(ctx, &guardduty.DeleteDetectorInput{DetectorId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = gd.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: &id})
	wantBadRequest(t, err)
}

func TestGuardDutyWireErrors(t *testing.T) {
	want := []string{"ArchiveFindings", "CreateDetector", "CreateSampleFindings", "CreateThreatIntelSet", "DeleteDetector",
		"DeleteThreatIntelSet", "GetDetector", "GetFindings", "GetFindingsStatistics", "GetThreatIntelSet", "ListDetectors",
		"ListFindings", "ListThreatIntelSets", "UnarchiveFindings", "UpdateDetector", "UpdateThreatIntelSet"}
	if got := cmaws.GuardDutyActions(); !slices.Equal(got, want) {
		t.Fatalf("GuardDutyActions = %v", got)
	}
	l := newLab(t)
	// A wrong secret is refused before anything runs.
	bad := gdClient(l.url, "us-east-1", struct{ key, secret string }{credA.AccessKeyID, "not-the-secret"})
	_, err := bad.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: sdkaws.Bool(true)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "IncompleteSignature" {
		t.Fatalf("wrong secret: %v", err)
	}
	if len(l.cloud.Detectors(credA.AccountID)) != 0 {
		t.Fatal("a refused request made a detector")
	}
	// An unsigned request on GuardDuty's paths gets GuardDuty's answer, a
	// body with __type and message and the X-Amzn-Errortype header.
	resp, err := http.Post(l.url+"/detector", "application/json", strings.NewReader(`{"enable":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusForbidden ||
		body.Type != "MissingAuthenticationToken" || resp.Header.Get("X-Amzn-Errortype") != body.Type {
		t.Fatalf("unsigned: %d %+v %v", resp.StatusCode, body, err)
	}
	// A detector ID the account does not have: BadRequestException in
	// GuardDuty's words.
	_, err = gdA(l, "us-east-1").GetFindings(ctx, &guardduty.GetFindingsInput{DetectorId: sdkaws.String("0123456789abcdef0123456789abcdef"), FindingIds: []string{}})
	var br *gdtypes.BadRequestException
	if !errors.As(err, &br) || br.ErrorMessage() != "The request is rejected because the input detectorId is not owned by the current account." {
		t.Fatalf("unknown detector: %v", err)
	}
}

// TestGuardDutyClientToken: a create repeated with its clientToken (as an
// SDK retries it) answers the first result instead of failing or making a
// second object; the token with other parameters is refused.
func TestGuardDutyClientToken(t *testing.T) {
	l := newLab(t)
	gd := gdA(l, "us-east-1")
	in := &guardduty.CreateDetectorInput{Enable: sdkaws.Bool(true), ClientToken: sdkaws.String("tok-1")}
	first, err := gd.CreateDetector(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := gd.CreateDetector(ctx, in)
	if err != nil || sdkaws.ToString(again.DetectorId) != sdkaws.ToString(first.DetectorId) {
		t.Fatalf("repeat: %v, %v; want detector %s", again, err, sdkaws.ToString(first.DetectorId))
	}
	_, err = gd.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: sdkaws.Bool(false), ClientToken: sdkaws.String("tok-1")})
	wantBadRequest(t, err)
	set := &guardduty.CreateThreatIntelSetInput{DetectorId: first.DetectorId, Name: sdkaws.String("a"), Format: gdtypes.ThreatIntelSetFormatTxt,
		Location: sdkaws.String("s3://b/a.txt"), Activate: sdkaws.Bool(true), ClientToken: sdkaws.String("tok-1")}
	s1, err := gd.CreateThreatIntelSet(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := gd.CreateThreatIntelSet(ctx, set)
	if err != nil || sdkaws.ToString(s2.ThreatIntelSetId) != sdkaws.ToString(s1.ThreatIntelSetId) {
		t.Fatalf("repeated set: %v, %v", s2, err)
	}
	if sets, _ := l.cloud.ThreatIntelSets(credA.AccountID, sdkaws.ToString(first.DetectorId)); len(sets) != 1 {
		t.Fatalf("%d sets, want 1", len(sets))
	}
}
