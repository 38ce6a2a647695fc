package aws_test

import (
	"net/netip"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// gdRecorded makes a detector and an active threat list through the API
// and records one finding through the model, as the lab will from a flow
// it saw; it returns the detector, the finding and the instance.
func gdRecorded(t *testing.T, l *lab, gd *guardduty.Client) (string, model.Finding, model.Instance, model.ElasticIP) {
	t.Helper()
	inst, eip := gdTarget(t, l.cloud, credA.AccountID, "us-east-1")
	out, err := gd.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: sdkaws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	id := sdkaws.ToString(out.DetectorId)
	if _, err := gd.CreateThreatIntelSet(ctx, &guardduty.CreateThreatIntelSetInput{DetectorId: &id, Name: sdkaws.String("attackers"),
		Format: gdtypes.ThreatIntelSetFormatTxt, Location: sdkaws.String("s3://lab-lists/attackers.txt"), Activate: sdkaws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := l.cloud.PutThreatList(credA.AccountID, "s3://lab-lists/attackers.txt", []netip.Prefix{netip.MustParsePrefix("203.0.113.66/32")}); err != nil {
		t.Fatal(err)
	}
	f, created, err := l.cloud.RecordFinding(credA.AccountID, model.Observation{InstanceID: inst.ID, Local: eip.PublicIP, LocalPort: 80,
		Remote: netip.MustParseAddr("203.0.113.66"), RemotePort: 51000, At: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)})
	if err != nil || !created {
		t.Fatalf("RecordFinding: %v, %v", created, err)
	}
	return id, f, inst, eip
}

func TestGuardDutyRecordedFindingThroughSDK(t *testing.T) {
	l := newLab(t)
	gd := gdA(l, "us-east-1")
	id, f, inst, eip := gdRecorded(t, l, gd)
	ls, err := gd.ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: &id, FindingCriteria: &gdtypes.FindingCriteria{Criterion: map[string]gdtypes.Condition{
		"type":                                {Eq: []string{model.FindingMaliciousIPCallerCustom}},
		"resource.instanceDetails.instanceId": {Eq: []string{inst.ID}},
		"service.archived":                    {Eq: []string{"false"}},
		"severity":                            {Gte: sdkaws.Int32(4)},
	}}})
	if err != nil || len(ls.FindingIds) != 1 || ls.FindingIds[0] != f.ID {
		t.Fatalf("ListFindings: %v, %v", ls, err)
	}
	got, err := gd.GetFindings(ctx, &guardduty.GetFindingsInput{DetectorId: &id, FindingIds: []string{f.ID, "00000000000000000000000000000000"}})
	if err != nil || len(got.Findings) != 1 {
		t.Fatalf("GetFindings: %v, %v", got, err)
	}
	g := got.Findings[0]
	d := g.Resource.InstanceDetails
	ni := d.NetworkInterfaces[0]
	a := g.Service.Action.NetworkConnectionAction
	checks := map[string][2]any{
		"id":                 {sdkaws.ToString(g.Id), f.ID},
		"type":               {sdkaws.ToString(g.Type), "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"},
		"severity":           {sdkaws.ToFloat64(g.Severity), 5.0},
		"accountId":          {sdkaws.ToString(g.AccountId), credA.AccountID},
		"region":             {sdkaws.ToString(g.Region), "us-east-1"},
		"arn":                {sdkaws.ToString(g.Arn), "arn:aws:guardduty:us-east-1:" + credA.AccountID + ":detector/" + id + "/finding/" + f.ID},
		"instanceId":         {sdkaws.ToString(d.InstanceId), inst.ID},
		"networkInterfaceId": {sdkaws.ToString(ni.NetworkInterfaceId), inst.NetworkInterfaceID},
		"publicIp":           {sdkaws.ToString(ni.PublicIp), eip.PublicIP.String()},
		"privateIpAddress":   {sdkaws.ToString(ni.PrivateIpAddress), inst.PrivateIP.String()},
		"remote ipAddressV4": {sdkaws.ToString(a.RemoteIpDetails.IpAddressV4), "203.0.113.66"},
		"localPort":          {sdkaws.ToInt32(a.LocalPortDetails.Port), int32(80)},
		"localPortName":      {sdkaws.ToString(a.LocalPortDetails.PortName), "HTTP"},
		"direction":          {sdkaws.ToString(a.ConnectionDirection), "INBOUND"},
		"blocked":            {sdkaws.ToBool(a.Blocked), false},
		"actionType":         {sdkaws.ToString(g.Service.Action.ActionType), "NETWORK_CONNECTION"},
		"count":              {sdkaws.ToInt32(g.Service.Count), int32(1)},
		"archived":           {sdkaws.ToBool(g.Service.Archived), false},
		"eventFirstSeen":     {sdkaws.ToString(g.Service.EventFirstSeen), "2026-12-07T08:00:00.000Z"},
		"threatListName":     {sdkaws.ToString(g.Service.Evidence.ThreatIntelligenceDetails[0].ThreatListName), "attackers"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s: got %v, want %v", name, c[0], c[1])
		}
	}

	// Archive, list the archived ones, unarchive.
	if _, err := gd.ArchiveFindings(ctx, &guardduty.ArchiveFindingsInput{DetectorId: &id, FindingIds: []string{f.ID}}); err != nil {
		t.Fatal(err)
	}
	archived := func(v string) int {
		ls, err := gd.ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: &id, FindingCriteria: &gdtypes.FindingCriteria{
			Criterion: map[string]gdtypes.Condition{"service.archived": {Eq: []string{v}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return len(ls.FindingIds)
	}
	if archived("true") != 1 || archived("false") != 0 {
		t.Fatal("the archived finding is not listed as archived")
	}
	if _, err := gd.UnarchiveFindings(ctx, &guardduty.UnarchiveFindingsInput{DetectorId: &id, FindingIds: []string{f.ID}}); err != nil {
		t.Fatal(err)
	}
	if archived("false") != 1 {
		t.Fatal("the unarchived finding is not listed")
	}
	_, err = gd.ArchiveFindings(ctx, &guardduty.ArchiveFindingsInput{DetectorId: &id, FindingIds: []string{"ffffffffffffffffffffffffffffffff"}})
	wantBadRequest(t, err)
	_, err = gd.ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: &id, FindingCriteria: &gdtypes.FindingCriteria{
		Criterion: map[string]gdtypes.Condition{"no.such.field": {Eq: []string{"x"}}}}})
	wantBadRequest(t, err)
}

func TestGuardDutySampleFindingsSortAndPages(t *testing.T) {
	l := newLab(t)
	gd := gdA(l, "us-east-1")
	id, f, _, _ := gdRecorded(t, l, gd)
	if _, err := gd.CreateSampleFindings(ctx, &guardduty.CreateSampleFindingsInput{DetectorId: &id,
		FindingTypes: []string{"Backdoor:EC2/C&CActivity.B", "Recon:EC2/PortProbeUnprotectedPort"}}); err != nil {
		t.Fatal(err)
	}
	_, err := gd.CreateSampleFindings(ctx, &guardduty.CreateSampleFindingsInput{DetectorId: &id, FindingTypes: []string{"Nope:EC2/Nothing"}})
	wantBadRequest(t, err)
	ls, err := gd.ListFindings(ctx, &guardduty.ListFindingsInput{DetectorId: &id,
		SortCriteria: &gdtypes.SortCriteria{AttributeName: sdkaws.String("severity"), OrderBy: gdtypes.OrderByDesc}})
	if err != nil || len(ls.FindingIds) != 3 || ls.FindingIds[1] != f.ID {
		t.Fatalf("ListFindings by severity: %v, %v (want the recorded finding, 5.0, in the middle)", ls, err)
	}
	all, err := gd.GetFindings(ctx, &guardduty.GetFindingsInput{DetectorId: &id, FindingIds: ls.FindingIds})
	if err != nil || len(all.Findings) != 3 || sdkaws.ToFloat64(all.Findings[0].Severity) != 8 || sdkaws.ToString(all.Findings[0].Title)[:8] != "[SAMPLE]" {
		t.Fatalf("GetFindings of the samples: %+v, %v", all, err)
	}
	// Pages of one, through the SDK's paginator.
	var ids []string
	p := guardduty.NewListFindingsPaginator(gd, &guardduty.ListFindingsInput{DetectorId: &id, MaxResults: sdkaws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, page.FindingIds...)
	}
	if len(ids) != 3 {
		t.Fatalf("paged %v, want 3 findings", ids)
	}
	st, err := gd.GetFindingsStatistics(ctx, &guardduty.GetFindingsStatisticsInput{DetectorId: &id,
		FindingStatisticTypes: []gdtypes.FindingStatisticType{gdtypes.FindingStatisticTypeCountBySeverity}})
	if err != nil || st.FindingStatistics.CountBySeverity["5.0"] != 1 || st.FindingStatistics.CountBySeverity["8.0"] != 1 {
		t.Fatalf("GetFindingsStatistics: %+v, %v", st, err)
	}
}
