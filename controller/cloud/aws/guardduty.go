package aws

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// GuardDuty is the account's GuardDuty in one region and the EC2 client
// that puts its blocks into network ACLs: the enforcement that the
// Aviatrix controller adds to GuardDuty, which itself only detects.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/security/guardduty.html — the controller polls GuardDuty findings and blocks the malicious IP addresses in the VPC's network ACL
type GuardDuty struct {
	gd  *guardduty.Client
	ec2 *ec2.Client

	mu       sync.Mutex // guards detector
	detector string     // the detector's ID once known
}

var _ cloud.ThreatDetection = (*GuardDuty)(nil)

// findingCustom is the finding type of a custom threat list.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html#unauthorizedaccess-ec2-maliciousipcallercustom — UnauthorizedAccess:EC2/MaliciousIPCaller.Custom
const findingCustom = "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"

// ThreatDetection returns the account's GuardDuty in region ("" is the
// home region).
func (r *Regional) ThreatDetection(region string) cloud.ThreatDetection {
	cfg := r.cfg.Copy()
	cfg.Region = r.region(region)
	return &GuardDuty{gd: guardduty.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg)}
}

// detectorID returns the region's detector, making one (enabled) if
// there is none, with the call made.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html — one detector per account per Region
func (g *GuardDuty) detectorID(ctx context.Context) (string, []cloud.Call, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.detector != "" {
		return g.detector, nil, nil
	}
	ls, err := g.gd.ListDetectors(ctx, &guardduty.ListDetectorsInput{})
	if err != nil {
		return "", nil, fmt.Errorf("guardduty ListDetectors: %w", err)
	}
	if len(ls.DetectorIds) > 0 {
		g.detector = ls.DetectorIds[0]
		return g.detector, nil, nil
	}
	out, err := g.gd.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: sdkaws.Bool(true),
		FindingPublishingFrequency: gdtypes.FindingPublishingFrequencyFifteenMinutes})
	if err != nil {
		return "", nil, fmt.Errorf("guardduty CreateDetector: %w", err)
	}
	g.detector = sdkaws.ToString(out.DetectorId)
	return g.detector, []cloud.Call{{Service: "guardduty", Action: "CreateDetector", Object: g.detector, Detail: "Enable=true"}}, nil
}

// Ensure turns GuardDuty on with the threat list name at location: the
// detector (enabled), and the set, made or moved and activated.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateThreatIntelSet.html — name, format TXT, location, activate
func (g *GuardDuty) Ensure(ctx context.Context, name, location string) ([]cloud.Call, error) {
	id, calls, err := g.detectorID(ctx)
	if err != nil {
		return calls, err
	}
	d, err := g.gd.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: &id})
	if err != nil {
		return calls, fmt.Errorf("guardduty GetDetector %s: %w", id, err)
	}
	if d.Status != gdtypes.DetectorStatusEnabled {
		if _, err := g.gd.UpdateDetector(ctx, &guardduty.UpdateDetectorInput{DetectorId: &id, Enable: sdkaws.Bool(true)}); err != nil {
			return calls, fmt.Errorf("guardduty UpdateDetector %s: %w", id, err)
		}
		calls = append(calls, cloud.Call{Service: "guardduty", Action: "UpdateDetector", Object: id, Detail: "Enable=true"})
	}
	ls, err := g.gd.ListThreatIntelSets(ctx, &guardduty.ListThreatIntelSetsInput{DetectorId: &id})
	if err != nil {
		return calls, fmt.Errorf("guardduty ListThreatIntelSets: %w", err)
	}
	for _, sid := range ls.ThreatIntelSetIds {
		s, err := g.gd.GetThreatIntelSet(ctx, &guardduty.GetThreatIntelSetInput{DetectorId: &id, ThreatIntelSetId: &sid})
		if err != nil {
			return calls, fmt.Errorf("guardduty GetThreatIntelSet %s: %w", sid, err)
		}
		if sdkaws.ToString(s.Name) != name {
			continue
		}
		if sdkaws.ToString(s.Location) == location && s.Status == gdtypes.ThreatIntelSetStatusActive {
			return calls, nil
		}
		// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateThreatIntelSet.html — location, activate
		if _, err := g.gd.UpdateThreatIntelSet(ctx, &guardduty.UpdateThreatIntelSetInput{DetectorId: &id, ThreatIntelSetId: &sid,
			Location: &location, Activate: sdkaws.Bool(true)}); err != nil {
			return calls, fmt.Errorf("guardduty UpdateThreatIntelSet %s: %w", sid, err)
		}
		return append(calls, cloud.Call{Service: "guardduty", Action: "UpdateThreatIntelSet", Object: name, Detail: "Location=" + location + " Activate=true"}), nil
	}
	if _, err := g.gd.CreateThreatIntelSet(ctx, &guardduty.CreateThreatIntelSetInput{DetectorId: &id, Name: &name,
		Format: gdtypes.ThreatIntelSetFormatTxt, Location: &location, Activate: sdkaws.Bool(true)}); err != nil {
		return calls, fmt.Errorf("guardduty CreateThreatIntelSet %s: %w", name, err)
	}
	return append(calls, cloud.Call{Service: "guardduty", Action: "CreateThreatIntelSet", Object: name, Detail: "Format=TXT Location=" + location + " Activate=true"}), nil
}

// Callers lists the unarchived MaliciousIPCaller.Custom findings and reads
// them: the remote address and the instance's first interface's subnet.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListFindings.html — findingCriteria, service.archived, type
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetFindings.html — up to 50 finding IDs a call
func (g *GuardDuty) Callers(ctx context.Context) ([]cloud.MaliciousCaller, error) {
	id, _, err := g.detectorID(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	p := guardduty.NewListFindingsPaginator(g.gd, &guardduty.ListFindingsInput{DetectorId: &id, FindingCriteria: &gdtypes.FindingCriteria{
		Criterion: map[string]gdtypes.Condition{"service.archived": {Eq: []string{"false"}}, "type": {Eq: []string{findingCustom}}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("guardduty ListFindings: %w", err)
		}
		ids = append(ids, page.FindingIds...)
	}
	var out []cloud.MaliciousCaller
	for chunk := range slices.Chunk(ids, 50) {
		got, err := g.gd.GetFindings(ctx, &guardduty.GetFindingsInput{DetectorId: &id, FindingIds: chunk})
		if err != nil {
			return nil, fmt.Errorf("guardduty GetFindings: %w", err)
		}
		for _, f := range got.Findings {
			if c, ok := callerOf(f); ok {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// callerOf reads a finding's caller: remote address, instance, subnet.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_RemoteIpDetails.html — ipAddressV4
func callerOf(f gdtypes.Finding) (cloud.MaliciousCaller, bool) {
	c := cloud.MaliciousCaller{FindingID: sdkaws.ToString(f.Id)}
	if s := f.Service; s != nil {
		c.Count = int(sdkaws.ToInt32(s.Count))
		c.FirstSeen, _ = time.Parse(time.RFC3339, sdkaws.ToString(s.EventFirstSeen))
		if a := s.Action; a != nil && a.NetworkConnectionAction != nil && a.NetworkConnectionAction.RemoteIpDetails != nil {
			c.Remote, _ = netip.ParseAddr(sdkaws.ToString(a.NetworkConnectionAction.RemoteIpDetails.IpAddressV4))
		}
	}
	if r := f.Resource; r != nil && r.InstanceDetails != nil {
		c.Instance = sdkaws.ToString(r.InstanceDetails.InstanceId)
		if nis := r.InstanceDetails.NetworkInterfaces; len(nis) > 0 {
			c.Subnet = sdkaws.ToString(nis[0].SubnetId)
		}
	}
	return c, c.Remote.IsValid() && c.Subnet != ""
}

// Block denies inbound traffic from addr in the network ACL associated
// with subnet: an entry with the lowest free rule number below the ACL's
// first allow rule, so that it is evaluated first.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html — rules are evaluated in order, starting with the lowest numbered rule; the first match decides
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html — RuleNumber 1 to 32766, RuleAction deny, Egress false, Protocol -1, CidrBlock
func (g *GuardDuty) Block(ctx context.Context, subnet string, addr netip.Addr) (int, *cloud.Call, error) {
	out, err := g.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []types.Filter{
		{Name: sdkaws.String("association.subnet-id"), Values: []string{subnet}}}})
	if err != nil {
		return 0, nil, fmt.Errorf("ec2 DescribeNetworkAcls subnet %s: %w", subnet, err)
	}
	if len(out.NetworkAcls) == 0 {
		return 0, nil, fmt.Errorf("subnet %s: no network ACL", subnet)
	}
	acl := out.NetworkAcls[0]
	cidr := netip.PrefixFrom(addr, 32).String()
	used := map[int32]bool{}
	firstAllow := int32(32767)
	for _, e := range acl.Entries {
		if sdkaws.ToBool(e.Egress) {
			continue
		}
		n := sdkaws.ToInt32(e.RuleNumber)
		used[n] = true
		if e.RuleAction == types.RuleActionDeny && sdkaws.ToString(e.CidrBlock) == cidr && n < firstAllow {
			return int(n), nil, nil
		}
		if e.RuleAction == types.RuleActionAllow {
			firstAllow = min(firstAllow, n)
		}
	}
	rule := int32(1)
	for used[rule] {
		rule++
	}
	if rule >= firstAllow {
		return 0, nil, fmt.Errorf("network ACL %s: no free rule number below its first allow rule %d", sdkaws.ToString(acl.NetworkAclId), firstAllow)
	}
	aclID := sdkaws.ToString(acl.NetworkAclId)
	if _, err := g.ec2.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: &aclID, RuleNumber: &rule,
		Protocol: sdkaws.String("-1"), RuleAction: types.RuleActionDeny, Egress: sdkaws.Bool(false), CidrBlock: &cidr}); err != nil {
		return 0, nil, fmt.Errorf("ec2 CreateNetworkAclEntry %s rule %d: %w", aclID, rule, err)
	}
	return int(rule), &cloud.Call{Service: "ec2", Action: "CreateNetworkAclEntry", Object: aclID,
		Detail: fmt.Sprintf("RuleNumber=%d RuleAction=deny Egress=false Protocol=-1 CidrBlock=%s", rule, cidr)}, nil
}
