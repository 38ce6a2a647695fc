package model

import (
	"maps"
	"net/netip"
	"slices"
	"time"
)

// sampleFindingTypes are the finding types CreateSampleFindings makes,
// with their default severities: the EC2 network findings a lab can show.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html — EC2 finding types and their default severities
var sampleFindingTypes = map[string]float64{
	FindingMaliciousIPCallerCustom:             SeverityMedium,
	"Recon:EC2/PortProbeUnprotectedPort":       2.0,
	"UnauthorizedAccess:EC2/SSHBruteForce":     2.0,
	"UnauthorizedAccess:EC2/RDPBruteForce":     2.0,
	"Backdoor:EC2/C&CActivity.B":               8.0,
	"UnauthorizedAccess:EC2/TorIPCaller":       5.0,
	"Recon:EC2/Portscan":                       5.0,
	"UnauthorizedAccess:EC2/MaliciousIPCaller": 5.0,
}

// SampleFindingTypes lists the types CreateSampleFindings makes, sorted.
func SampleFindingTypes() []string { return slices.Sorted(maps.Keys(sampleFindingTypes)) }

// The instance and addresses that sample findings name: documentation
// addresses, as GuardDuty's own samples use.
// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/sample_findings.html — sample findings carry placeholder values and the [SAMPLE] prefix
var (
	sampleRemote = netip.MustParseAddr("198.51.100.0")
	samplePublic = netip.MustParseAddr("198.51.100.1")
	samplePriv   = netip.MustParseAddr("10.0.0.1")
)

// CreateSampleFindings makes one sample finding of each type (every
// supported type for none) for a detector. A sample names a placeholder
// instance and is marked Sample, its title starting "[SAMPLE]".
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateSampleFindings.html — generates sample findings of the types specified; all supported types when none is
func (c *Cloud) CreateSampleFindings(account, detectorID string, types []string) ([]Finding, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.gd.detectors.get(account, detectorID)
	if err != nil {
		return nil, err
	}
	if len(types) == 0 {
		types = SampleFindingTypes()
	}
	for _, t := range types {
		if _, ok := sampleFindingTypes[t]; !ok {
			return nil, errf(CodeInvalidParameter, KindFinding, t, "The request is rejected because an invalid or out-of-range value is specified as an input parameter: finding type '%s'.", t)
		}
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	var out []Finding
	for _, t := range types {
		id, err := c.newIDLocked(account, KindFinding, Place{Region: d.Region})
		if err != nil {
			return nil, err
		}
		f := &Finding{ID: id, Account: account, Region: d.Region, DetectorID: d.ID, Type: t, Severity: sampleFindingTypes[t],
			Resource: FindingInstance{InstanceID: "i-99999999", InstanceType: "m3.xlarge", InstanceState: string(InstanceRunning),
				ImageID: "ami-99999999", Zone: regionOrDefault(d.Region) + "a", LaunchTime: now, NetworkInterfaceID: "eni-99999999",
				SubnetID: "subnet-99999999", NetworkID: "vpc-99999999", PrivateIP: samplePriv, PublicIP: samplePublic},
			Connection: NetworkConnection{Direction: ConnectionInbound, Protocol: "TCP", Local: samplePriv, LocalPort: 22,
				Remote: sampleRemote, RemotePort: 46023},
			ThreatListName: "GeneratedFindingCustomerListName", Count: 1, FirstSeen: now, LastSeen: now,
			CreatedAt: now, UpdatedAt: now, Sample: true}
		title, desc := findingText(f)
		f.Title, f.Description = "[SAMPLE] "+title, desc
		c.gd.findings.put(f)
		c.registerLocked(KindFinding, id, account, d.Region, nil)
		out = append(out, f.copy(c))
	}
	return out, nil
}

// regionOrDefault names the default region as us-east-1, for the zones of
// samples made in it.
func regionOrDefault(region string) string {
	if region == "" {
		return "us-east-1"
	}
	return region
}
