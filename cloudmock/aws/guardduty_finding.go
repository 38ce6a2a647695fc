package aws

import (
	"encoding/json"
	"maps"
	"net/netip"
	"slices"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The Finding shape and the parts of it the lab fills.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html — Finding
type gdFinding struct {
	AccountID     string        `json:"accountId"`
	Arn           string        `json:"arn"`
	CreatedAt     string        `json:"createdAt"`
	Description   string        `json:"description"`
	ID            string        `json:"id"`
	Partition     string        `json:"partition"`
	Region        string        `json:"region"`
	Resource      gdResource    `json:"resource"`
	SchemaVersion string        `json:"schemaVersion"`
	Service       gdServiceInfo `json:"service"`
	Severity      float64       `json:"severity"`
	Title         string        `json:"title"`
	Type          string        `json:"type"`
	UpdatedAt     string        `json:"updatedAt"`
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Resource.html — resourceType and instanceDetails
type gdResource struct {
	ResourceType    string            `json:"resourceType"`
	InstanceDetails gdInstanceDetails `json:"instanceDetails"`
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_InstanceDetails.html — InstanceDetails
type gdInstanceDetails struct {
	AvailabilityZone  string               `json:"availabilityZone,omitempty"`
	ImageID           string               `json:"imageId,omitempty"`
	InstanceID        string               `json:"instanceId"`
	InstanceState     string               `json:"instanceState,omitempty"`
	InstanceType      string               `json:"instanceType,omitempty"`
	LaunchTime        string               `json:"launchTime,omitempty"`
	NetworkInterfaces []gdNetworkInterface `json:"networkInterfaces"`
	Tags              []gdTag              `json:"tags"`
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_NetworkInterface.html — NetworkInterface
type gdNetworkInterface struct {
	NetworkInterfaceID string            `json:"networkInterfaceId"`
	PrivateIPAddress   string            `json:"privateIpAddress,omitempty"`
	PrivateIPAddresses []gdPrivateIP     `json:"privateIpAddresses"`
	PublicIP           string            `json:"publicIp,omitempty"`
	SecurityGroups     []gdSecurityGroup `json:"securityGroups"`
	SubnetID           string            `json:"subnetId,omitempty"`
	VpcID              string            `json:"vpcId,omitempty"`
}

type gdPrivateIP struct {
	PrivateIPAddress string `json:"privateIpAddress"`
}

type gdSecurityGroup struct {
	GroupID string `json:"groupId"`
}

type gdTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Service.html — Service
type gdServiceInfo struct {
	Action         gdActionInfo     `json:"action"`
	AdditionalInfo gdAdditionalInfo `json:"additionalInfo"`
	Archived       bool             `json:"archived"`
	Count          int              `json:"count"`
	DetectorID     string           `json:"detectorId"`
	EventFirstSeen string           `json:"eventFirstSeen"`
	EventLastSeen  string           `json:"eventLastSeen"`
	Evidence       *gdEvidence      `json:"evidence,omitempty"`
	ResourceRole   string           `json:"resourceRole"`
	ServiceName    string           `json:"serviceName"`
}

// gdActionInfo is the Action shape (gdAction is an operation's function).
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Action.html — actionType and networkConnectionAction
type gdActionInfo struct {
	ActionType              string                    `json:"actionType"`
	NetworkConnectionAction gdNetworkConnectionAction `json:"networkConnectionAction"`
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_NetworkConnectionAction.html — NetworkConnectionAction
type gdNetworkConnectionAction struct {
	Blocked             bool        `json:"blocked"`
	ConnectionDirection string      `json:"connectionDirection"`
	LocalIPDetails      gdIPDetails `json:"localIpDetails"`
	LocalPortDetails    gdPort      `json:"localPortDetails"`
	Protocol            string      `json:"protocol"`
	RemoteIPDetails     gdIPDetails `json:"remoteIpDetails"`
	RemotePortDetails   gdPort      `json:"remotePortDetails"`
}

// gdIPDetails is LocalIpDetails or RemoteIpDetails (without the
// geolocation, which the lab's documentation addresses have none of).
type gdIPDetails struct {
	IPAddressV4 string `json:"ipAddressV4,omitempty"`
	IPAddressV6 string `json:"ipAddressV6,omitempty"`
}

type gdPort struct {
	Port     int    `json:"port"`
	PortName string `json:"portName"`
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ServiceAdditionalInfo.html — value (JSON text) and type
type gdAdditionalInfo struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ThreatIntelligenceDetail.html — threatListName, threatNames
type gdEvidence struct {
	ThreatIntelligenceDetails []gdThreatDetail `json:"threatIntelligenceDetails"`
}

type gdThreatDetail struct {
	ThreatListName string   `json:"threatListName"`
	ThreatNames    []string `json:"threatNames"`
}

func ipDetails(a netip.Addr) gdIPDetails {
	switch {
	case !a.IsValid():
		return gdIPDetails{}
	case a.Is4():
		return gdIPDetails{IPAddressV4: a.String()}
	}
	return gdIPDetails{IPAddressV6: a.String()}
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// portNames are the names GuardDuty gives well-known ports.
var portNames = map[int]string{22: "SSH", 25: "SMTP", 53: "DNS", 80: "HTTP", 123: "NTP", 443: "HTTPS", 3306: "MYSQL", 3389: "RDP", 5432: "POSTGRESQL"}

func port(p int) gdPort {
	name, ok := portNames[p]
	if !ok {
		name = "Unknown"
	}
	return gdPort{Port: p, PortName: name}
}

// resourceRole is the instance's part in the activity: the target of an
// inbound connection, the actor of an outbound one.
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Service.html — resourceRole: the resource acted as an ACTOR or a TARGET
func resourceRole(direction string) string {
	if direction == model.ConnectionOutbound {
		return "ACTOR"
	}
	return "TARGET"
}

// toGDFinding is a model finding as GuardDuty shows it.
func (h *Handler) toGDFinding(f model.Finding) gdFinding {
	region := h.regionOf(f.Region)
	r := f.Resource
	ni := gdNetworkInterface{NetworkInterfaceID: r.NetworkInterfaceID, PrivateIPAddress: addrString(r.PrivateIP),
		PrivateIPAddresses: []gdPrivateIP{}, PublicIP: addrString(r.PublicIP), SecurityGroups: []gdSecurityGroup{},
		SubnetID: r.SubnetID, VpcID: r.NetworkID}
	if r.PrivateIP.IsValid() {
		ni.PrivateIPAddresses = append(ni.PrivateIPAddresses, gdPrivateIP{r.PrivateIP.String()})
	}
	for _, g := range r.SecurityGroupIDs {
		ni.SecurityGroups = append(ni.SecurityGroups, gdSecurityGroup{g})
	}
	tags := []gdTag{}
	for _, k := range slices.Sorted(maps.Keys(r.Tags)) {
		tags = append(tags, gdTag{k, r.Tags[k]})
	}
	launch := ""
	if !r.LaunchTime.IsZero() {
		launch = gdTimeString(r.LaunchTime)
	}
	info, _ := json.Marshal(struct {
		ThreatListName string `json:"threatListName,omitempty"`
		Sample         bool   `json:"sample,omitempty"`
	}{f.ThreatListName, f.Sample})
	n := f.Connection
	svc := gdServiceInfo{
		Action: gdActionInfo{ActionType: "NETWORK_CONNECTION", NetworkConnectionAction: gdNetworkConnectionAction{
			Blocked: n.Blocked, ConnectionDirection: n.Direction, LocalIPDetails: ipDetails(n.Local), LocalPortDetails: port(n.LocalPort),
			Protocol: n.Protocol, RemoteIPDetails: ipDetails(n.Remote), RemotePortDetails: port(n.RemotePort)}},
		AdditionalInfo: gdAdditionalInfo{Value: string(info), Type: "default"},
		Archived:       f.Archived, Count: f.Count, DetectorID: f.DetectorID,
		EventFirstSeen: gdTimeString(f.FirstSeen), EventLastSeen: gdTimeString(f.LastSeen),
		ResourceRole: resourceRole(n.Direction), ServiceName: gdService,
	}
	if f.ThreatListName != "" {
		svc.Evidence = &gdEvidence{ThreatIntelligenceDetails: []gdThreatDetail{{ThreatListName: f.ThreatListName, ThreatNames: []string{}}}}
	}
	return gdFinding{
		AccountID: f.Account, Arn: "arn:aws:guardduty:" + region + ":" + f.Account + ":detector/" + f.DetectorID + "/finding/" + f.ID,
		CreatedAt: gdTimeString(f.CreatedAt), Description: f.Description, ID: f.ID, Partition: "aws", Region: region,
		Resource: gdResource{ResourceType: "Instance", InstanceDetails: gdInstanceDetails{AvailabilityZone: r.Zone, ImageID: r.ImageID,
			InstanceID: r.InstanceID, InstanceState: r.InstanceState, InstanceType: r.InstanceType, LaunchTime: launch,
			NetworkInterfaces: []gdNetworkInterface{ni}, Tags: tags}},
		// AWS: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-format.html — schemaVersion 2.0
		SchemaVersion: "2.0", Service: svc, Severity: f.Severity, Title: f.Title, Type: f.Type, UpdatedAt: gdTimeString(f.UpdatedAt),
	}
}

// gdFindingIDs reads and checks a body's findingIds (at most 50).
// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetFindings.html — findingIds: 0 to 50 items
func gdFindingIDs(body []byte, required bool) ([]string, *gdSort, error) {
	var in struct {
		FindingIDs   *[]string `json:"findingIds"`
		SortCriteria *gdSort   `json:"sortCriteria"`
	}
	if err := decodeGD(body, &in); err != nil {
		return nil, nil, err
	}
	if in.FindingIDs == nil {
		if required {
			return nil, nil, gdBadRequest("The request is rejected because the input findingIds is missing.")
		}
		return nil, in.SortCriteria, nil
	}
	if len(*in.FindingIDs) > 50 {
		return nil, nil, gdInvalidInput("findingIds")
	}
	return *in.FindingIDs, in.SortCriteria, nil
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_GetFindings.html — findingIds, sortCriteria; answers findings (IDs it does not know are left out)
func gdGetFindings(h *Handler, c *gdCall) (any, error) {
	ids, sort, err := gdFindingIDs(c.body, true)
	if err != nil {
		return nil, err
	}
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	var fs []model.Finding
	for _, id := range ids {
		if f, err := h.cloud.Finding(c.account, c.detectorID, id); err == nil {
			fs = append(fs, f)
		}
	}
	if sort != nil {
		if err := h.sortFindings(fs, *sort); err != nil {
			return nil, err
		}
	}
	out := []gdFinding{}
	for _, f := range fs {
		out = append(out, h.toGDFinding(f))
	}
	return struct {
		Findings []gdFinding `json:"findings"`
	}{out}, nil
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ArchiveFindings.html — findingIds; empty answer
func gdArchiveFindings(h *Handler, c *gdCall) (any, error) { return gdSetArchived(h, c, true) }

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UnarchiveFindings.html — findingIds; empty answer
func gdUnarchiveFindings(h *Handler, c *gdCall) (any, error) { return gdSetArchived(h, c, false) }

func gdSetArchived(h *Handler, c *gdCall, archived bool) (any, error) {
	ids, _, err := gdFindingIDs(c.body, true)
	if err != nil {
		return nil, err
	}
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	return nil, h.cloud.SetFindingsArchived(c.account, c.detectorID, ids, archived)
}

// AWS: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateSampleFindings.html — findingTypes (0 to 50); none makes every supported type; empty answer
func gdCreateSampleFindings(h *Handler, c *gdCall) (any, error) {
	var in struct {
		FindingTypes []string `json:"findingTypes"`
	}
	if err := decodeGD(c.body, &in); err != nil {
		return nil, err
	}
	if len(in.FindingTypes) > 50 {
		return nil, gdInvalidInput("findingTypes")
	}
	if _, err := h.gdDetector(c); err != nil {
		return nil, err
	}
	_, err := h.cloud.CreateSampleFindings(c.account, c.detectorID, in.FindingTypes)
	return nil, err
}
