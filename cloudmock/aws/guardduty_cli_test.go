package aws_test

import (
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestGuardDutyAWSCLI: the AWS CLI, pointed at the lab by --endpoint-url
// (Debian's awscli 2.9 ignores AWS_ENDPOINT_URL), makes a detector and a threat list, lists the finding
// that the lab recorded through the model and gets it with its fields.
func TestGuardDutyAWSCLI(t *testing.T) {
	bin, err := exec.LookPath("aws")
	if err != nil {
		roottest.Missing(t, "aws CLI not installed (Debian: awscli)")
	}
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	l := newLab(t)
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), bin, append([]string{"--endpoint-url", l.url, "--output", "json", "guardduty"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+credA.AccessKeyID,
			"AWS_SECRET_ACCESS_KEY="+credA.SecretAccessKey, "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	decode := func(out string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
	}
	out, err := run("create-detector", "--enable")
	if err != nil {
		t.Fatalf("create-detector: %v\n%s", err, out)
	}
	var det struct{ DetectorId string }
	decode(out, &det)
	if !hex32.MatchString(det.DetectorId) {
		t.Fatalf("detector ID %q", det.DetectorId)
	}
	if out, err := run("create-detector", "--enable"); err == nil || !strings.Contains(out, "BadRequestException") ||
		!strings.Contains(out, "a detector already exists for the current account") {
		t.Fatalf("second create-detector: %v\n%s", err, out)
	}
	out, err = run("create-threat-intel-set", "--detector-id", det.DetectorId, "--name", "attackers", "--format", "TXT",
		"--location", "s3://lab-lists/attackers.txt", "--activate")
	if err != nil {
		t.Fatalf("create-threat-intel-set: %v\n%s", err, out)
	}
	inst, eip := gdTarget(t, l.cloud, credA.AccountID, "us-east-1")
	if err := l.cloud.PutThreatList(credA.AccountID, "s3://lab-lists/attackers.txt", []netip.Prefix{netip.MustParsePrefix("203.0.113.66/32")}); err != nil {
		t.Fatal(err)
	}
	f, _, err := l.cloud.RecordFinding(credA.AccountID, model.Observation{InstanceID: inst.ID, Local: eip.PublicIP, LocalPort: 443,
		Remote: netip.MustParseAddr("203.0.113.66"), RemotePort: 50123, At: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	out, err = run("list-findings", "--detector-id", det.DetectorId, "--finding-criteria",
		`{"Criterion":{"type":{"Eq":["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"]},"service.archived":{"Eq":["false"]}}}`)
	if err != nil {
		t.Fatalf("list-findings: %v\n%s", err, out)
	}
	var list struct{ FindingIds []string }
	decode(out, &list)
	if !reflect.DeepEqual(list.FindingIds, []string{f.ID}) {
		t.Fatalf("list-findings: %v, want [%s]", list.FindingIds, f.ID)
	}
	out, err = run("get-findings", "--detector-id", det.DetectorId, "--finding-ids", f.ID)
	if err != nil {
		t.Fatalf("get-findings: %v\n%s", err, out)
	}
	checkCLIFinding(t, out, f, inst, eip, det.DetectorId)
}

// checkCLIFinding compares the finding the CLI printed with the one
// recorded, field by field.
func checkCLIFinding(t *testing.T, out string, f model.Finding, inst model.Instance, eip model.ElasticIP, detector string) {
	t.Helper()
	var got struct {
		Findings []struct {
			Id, Type, AccountId, Region, Arn, SchemaVersion, CreatedAt string
			Severity                                                   float64
			Resource                                                   struct {
				ResourceType    string
				InstanceDetails struct {
					InstanceId, AvailabilityZone string
					NetworkInterfaces            []struct{ NetworkInterfaceId, PublicIp, PrivateIpAddress, SubnetId, VpcId string }
				}
			}
			Service struct {
				Action struct {
					ActionType              string
					NetworkConnectionAction struct {
						Blocked             bool
						ConnectionDirection string
						Protocol            string
						LocalPortDetails    struct {
							Port     int
							PortName string
						}
						RemoteIpDetails   struct{ IpAddressV4 string }
						RemotePortDetails struct{ Port int }
					}
				}
				Archived                                                             bool
				Count                                                                int
				DetectorId, EventFirstSeen, EventLastSeen, ResourceRole, ServiceName string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Findings) != 1 {
		t.Fatalf("get-findings output %q: %v", out, err)
	}
	g := got.Findings[0]
	ni := g.Resource.InstanceDetails.NetworkInterfaces
	a := g.Service.Action.NetworkConnectionAction
	if len(ni) != 1 {
		t.Fatalf("network interfaces %+v", ni)
	}
	checks := map[string][2]any{
		"Id": {g.Id, f.ID}, "Type": {g.Type, "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"}, "Severity": {g.Severity, 5.0},
		"AccountId": {g.AccountId, credA.AccountID}, "Region": {g.Region, "us-east-1"}, "SchemaVersion": {g.SchemaVersion, "2.0"},
		"Arn":          {g.Arn, "arn:aws:guardduty:us-east-1:" + credA.AccountID + ":detector/" + detector + "/finding/" + f.ID},
		"ResourceType": {g.Resource.ResourceType, "Instance"}, "InstanceId": {g.Resource.InstanceDetails.InstanceId, inst.ID},
		"AvailabilityZone":   {g.Resource.InstanceDetails.AvailabilityZone, "us-east-1a"},
		"NetworkInterfaceId": {ni[0].NetworkInterfaceId, inst.NetworkInterfaceID}, "PublicIp": {ni[0].PublicIp, eip.PublicIP.String()},
		"PrivateIpAddress": {ni[0].PrivateIpAddress, inst.PrivateIP.String()}, "SubnetId": {ni[0].SubnetId, inst.SubnetID},
		"VpcId": {ni[0].VpcId, inst.NetworkID}, "ActionType": {g.Service.Action.ActionType, "NETWORK_CONNECTION"},
		"Blocked": {a.Blocked, false}, "ConnectionDirection": {a.ConnectionDirection, "INBOUND"}, "Protocol": {a.Protocol, "TCP"},
		"LocalPort": {a.LocalPortDetails.Port, 443}, "LocalPortName": {a.LocalPortDetails.PortName, "HTTPS"},
		"RemoteIpV4": {a.RemoteIpDetails.IpAddressV4, "203.0.113.66"}, "RemotePort": {a.RemotePortDetails.Port, 50123},
		"Archived": {g.Service.Archived, false}, "Count": {g.Service.Count, 1}, "DetectorId": {g.Service.DetectorId, detector},
		"EventFirstSeen": {g.Service.EventFirstSeen, "2026-12-07T08:00:00.000Z"}, "EventLastSeen": {g.Service.EventLastSeen, "2026-12-07T08:00:00.000Z"},
		"ResourceRole": {g.Service.ResourceRole, "TARGET"}, "ServiceName": {g.Service.ServiceName, "guardduty"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s: got %v, want %v", name, c[0], c[1])
		}
	}
}
