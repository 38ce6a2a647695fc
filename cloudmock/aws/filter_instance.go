package aws

import (
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// instanceExtras are what DescribeInstances answers for every instance of
// the lab although the lab does not model it: what an HVM x86_64 Linux
// instance launched with the API's defaults shows (the values
// DescribeInstanceAttribute answers too, instattr.go).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html — architecture, hypervisor, virtualizationType, rootDeviceType, rootDeviceName, ebsOptimized, enaSupport, platformDetails, usageOperation, monitoring, metadataOptions
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceMetadataOptionsRequest.html — defaults: HttpEndpoint enabled, HttpPutResponseHopLimit 1, HttpProtocolIpv6 disabled, InstanceMetadataTags disabled
type instanceExtras struct {
	Architecture       string `xml:"architecture"`
	Hypervisor         string `xml:"hypervisor"`
	VirtualizationType string `xml:"virtualizationType"`
	RootDeviceType     string `xml:"rootDeviceType"`
	RootDeviceName     string `xml:"rootDeviceName"`
	EbsOptimized       bool   `xml:"ebsOptimized"`
	EnaSupport         bool   `xml:"enaSupport"`
	BootMode           string `xml:"currentInstanceBootMode"`
	PlatformDetails    string `xml:"platformDetails"`
	UsageOperation     string `xml:"usageOperation"`
	Monitoring         struct {
		State string `xml:"state"`
	} `xml:"monitoring"`
	MetadataOptions struct {
		State        string `xml:"state"`
		HTTPTokens   string `xml:"httpTokens"`
		HopLimit     int    `xml:"httpPutResponseHopLimit"`
		HTTPEndpoint string `xml:"httpEndpoint"`
		IPv4         string `xml:"httpProtocolIpv4"`
		IPv6         string `xml:"httpProtocolIpv6"`
		Tags         string `xml:"instanceMetadataTags"`
	} `xml:"metadataOptions"`
}

func defaultExtras() instanceExtras {
	e := instanceExtras{Architecture: "x86_64", Hypervisor: "xen", VirtualizationType: "hvm", RootDeviceType: "ebs", RootDeviceName: "/dev/xvda",
		EnaSupport: true, BootMode: "legacy-bios", PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances"}
	e.Monitoring.State = "disabled"
	m := &e.MetadataOptions
	m.State, m.HTTPTokens, m.HopLimit, m.HTTPEndpoint, m.IPv4, m.IPv6, m.Tags = "applied", "optional", 1, "enabled", "enabled", "disabled", "disabled"
	return e
}

// instanceConstants are the DescribeInstances filters on what every
// instance of the lab answers alike.
var instanceConstants = func() map[string]string {
	e := defaultExtras()
	m := e.MetadataOptions
	return map[string]string{
		"architecture": e.Architecture, "hypervisor": e.Hypervisor, "virtualization-type": e.VirtualizationType,
		"root-device-type": e.RootDeviceType, "root-device-name": e.RootDeviceName, "ebs-optimized": "false", "ena-support": "true",
		"boot-mode": e.BootMode, "current-instance-boot-mode": e.BootMode, "platform-details": e.PlatformDetails,
		"usage-operation": e.UsageOperation, "monitoring-state": e.Monitoring.State, "tenancy": "default",
		"metadata-options.state": m.State, "metadata-options.http-tokens": m.HTTPTokens,
		"metadata-options.http-put-response-hop-limit": strconv.Itoa(m.HopLimit), "metadata-options.http-endpoint": m.HTTPEndpoint,
		"metadata-options.http-protocol-ipv4": m.IPv4, "metadata-options.http-protocol-ipv6": m.IPv6,
		"metadata-options.instance-metadata-tags": m.Tags, "enclave-options.enabled": "false", "hibernation-options.configured": "false",
		"maintenance-options.auto-recovery": "default", "capacity-reservation-specification.capacity-reservation-preference": "open",
		"network-performance-options.bandwidth-weighting": "default", "operator.managed": "false",
		"private-dns-name-options.hostname-type": "ip-name", "private-dns-name-options.enable-resource-name-dns-a-record": "false",
		"private-dns-name-options.enable-resource-name-dns-aaaa-record": "false",
	}
}()

// instanceAbsent are DescribeInstances filters on what no instance of the
// lab has (block devices, a key pair, a placement group, a Spot request,
// an IAM profile, a Windows platform ...): known, and matching nothing.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html — the Filter.N list
var instanceAbsent = map[string]bool{
	"affinity": true, "block-device-mapping.attach-time": true, "block-device-mapping.delete-on-termination": true,
	"block-device-mapping.device-name": true, "block-device-mapping.status": true, "block-device-mapping.volume-id": true,
	"capacity-reservation-id": true, "client-token": true, "host-id": true, "iam-instance-profile.arn": true,
	"iam-instance-profile.id": true, "instance-lifecycle": true, "kernel-id": true, "key-name": true, "outpost-arn": true,
	"placement-group-name": true, "placement-partition-number": true, "platform": true, "product-code": true,
	"product-code.type": true, "ramdisk-id": true, "requester-id": true, "spot-instance-request-id": true,
	"operator.principal": true, "tpm-support": true, "state-reason-message": true, "reason": true,
	"network-interface.addresses.association.carrier-ip": true, "network-interface.addresses.association.customer-owned-ip": true,
	"network-interface.association.carrier-ip": true, "network-interface.association.customer-owned-ip": true,
	"network-interface.outpost-arn": true, "network-interface.requester-id": true, "network-interface.operator.principal": true,
	"network-interface.ipv4-prefixes.ipv4-prefix": true, "network-interface.ipv6-prefixes.ipv6-prefix": true,
}

// instanceField answers the DescribeInstances filters that instanceFields
// and the addressing do not, from the instance's description.
func (h *Handler) instanceField(account string, i model.Instance, name string) ([]string, bool) {
	if v, ok := instanceConstants[name]; ok {
		return one(v), true
	}
	if instanceAbsent[name] {
		return nil, true
	}
	x := h.toXMLInstance(newENIIndex(h, account), i, 0)
	switch name {
	case "availability-zone":
		return one(x.Placement.AvailabilityZone), true
	case "availability-zone-id":
		return one(h.zoneID(x.Placement.AvailabilityZone)), true
	case "launch-index":
		return one(strconv.Itoa(i.LaunchIndex)), true
	case "launch-time", "usage-operation-update-time":
		return one(x.LaunchTime), true
	case "owner-id":
		return one(account), true
	case "instance.group-name":
		var out []string
		for _, g := range x.Groups {
			out = append(out, g.GroupName)
		}
		return out, true
	case "source-dest-check":
		return one(strconv.FormatBool(x.SourceDestCheck)), true
	case "state-reason-code":
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StateReason.html — Client.UserInitiatedShutdown for an instance a user stopped or terminated
		if i.State == model.InstanceStopped || i.State == model.InstanceTerminated || i.State == model.InstanceStopping {
			return one("Client.UserInitiatedShutdown"), true
		}
		return nil, true
	}
	if field, ok := strings.CutPrefix(name, "network-interface."); ok {
		return nicField(x, field)
	}
	return nil, false
}

// zoneID maps a zone name to its ID, as DescribeAvailabilityZones does.
func (h *Handler) zoneID(zone string) string {
	if zone == "" {
		return ""
	}
	region, letter := zone[:len(zone)-1], zone[len(zone)-1]
	return zoneIDPrefix(region) + "-az" + strconv.Itoa(int(letter-'a')+1)
}

// nicField answers the network-interface.* filters from the instance's
// interfaces as DescribeInstances shows them.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html — network-interface.* filters
func nicField(x xmlInstance, field string) ([]string, bool) {
	var out []string
	for k, n := range x.NICs {
		var v []string
		switch field {
		case "network-interface-id":
			v = one(n.ID)
		case "subnet-id":
			v = one(n.SubnetID)
		case "vpc-id":
			v = one(n.VpcID)
		case "owner-id", "attachment.instance-owner-id":
			v = one(n.OwnerID)
		case "status":
			v = one(n.Status)
		case "private-ip-address", "addresses.private-ip-address":
			v = one(n.PrivateIP)
		case "private-dns-name", "addresses.private-dns-name":
			v = one(n.PrivateDNSName)
		case "source-dest-check":
			v = one(strconv.FormatBool(n.SourceDestCheck))
		case "group-id", "group-name":
			for _, g := range n.Groups {
				if field == "group-id" {
					v = append(v, g.GroupID)
				} else {
					v = append(v, g.GroupName)
				}
			}
		case "addresses.primary":
			v = one("true")
		case "attachment.instance-id":
			v = one(x.InstanceID)
		case "attachment.device-index", "attachment.network-card-index":
			v = one(strconv.Itoa(k))
		case "attachment.status":
			v = one("attached")
		case "attachment.delete-on-termination":
			v = one("true")
		case "attachment.attach-time":
			v = one(x.LaunchTime)
		case "availability-zone":
			v = one(x.Placement.AvailabilityZone)
		case "requester-managed", "deny-all-igw-traffic", "ipv6-native", "operator.managed":
			v = one("false")
		case "description", "mac-address", "attachment.attachment-id", "tag-key", "tag-value",
			"ipv6-address", "ipv6-addresses.ipv6-address", "ipv6-addresses.is-primary-ipv6":
			// Shown on the interface itself (DescribeNetworkInterfaces);
			// the instance's description holds none of them yet.
		case "association.public-ip", "addresses.association.public-ip", "association.public-dns-name",
			"addresses.association.public-dns-name", "association.ip-owner-id", "addresses.association.ip-owner-id",
			"association.allocation-id", "association.association-id", "addresses.association.allocation-id",
			"addresses.association.association-id", "public-dns-name":
			v = nicAssociationField(n, field)
		default:
			return nil, false
		}
		out = append(out, v...)
	}
	return out, true
}

func nicAssociationField(n xmlInstanceNIC, field string) []string {
	a := n.Association
	if a == nil {
		return nil
	}
	switch {
	case strings.HasSuffix(field, "public-ip"):
		return one(a.PublicIP)
	case strings.HasSuffix(field, "public-dns-name"):
		return one(a.PublicDNSName)
	case strings.HasSuffix(field, "ip-owner-id"):
		return one(a.IPOwnerID)
	}
	return nil // allocation and association IDs: DescribeAddresses shows them
}
