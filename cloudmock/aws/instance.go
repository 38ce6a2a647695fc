package aws

import (
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("RunInstances", runInstances)
	register("DescribeInstances", describeInstances)
	register("TerminateInstances", terminateInstances)
}

type xmlInstanceState struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

// stateCodes are EC2's numeric instance state codes.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html — 0 pending, 16 running, 32 shutting-down, 48 terminated, 64 stopping, 80 stopped
var stateCodes = map[model.InstanceState]int{model.InstancePending: 0, model.InstanceRunning: 16, model.InstanceShuttingDown: 32,
	model.InstanceTerminated: 48, model.InstanceStopping: 64, model.InstanceStopped: 80}

func instanceState(s model.InstanceState) xmlInstanceState {
	return xmlInstanceState{Code: stateCodes[s], Name: string(s)}
}

type xmlGroupIdentifier struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type xmlPlacement struct {
	AvailabilityZone string `xml:"availabilityZone"`
	Tenancy          string `xml:"tenancy"`
}

// xmlInstanceNIC is an InstanceNetworkInterface.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceNetworkInterface.html
type xmlInstanceNIC struct {
	Association     *xmlENIAssociation   `xml:"association,omitempty"`
	Attachment      *xmlENIAttachment    `xml:"attachment,omitempty"`
	Description     string               `xml:"description"`
	Groups          []xmlGroupIdentifier `xml:"groupSet>item"`
	InterfaceType   string               `xml:"interfaceType"`
	MACAddress      string               `xml:"macAddress"`
	ID              string               `xml:"networkInterfaceId"`
	OwnerID         string               `xml:"ownerId"`
	PrivateDNSName  string               `xml:"privateDnsName"`
	PrivateIP       string               `xml:"privateIpAddress,omitempty"`
	PrivateIPs      []xmlPrivateIP       `xml:"privateIpAddressesSet>item"`
	SourceDestCheck bool                 `xml:"sourceDestCheck"`
	Status          string               `xml:"status"`
	SubnetID        string               `xml:"subnetId"`
	VpcID           string               `xml:"vpcId"`
	IPv6            []xmlIPv6Addr        `xml:"ipv6AddressesSet>item"`
}

type xmlInstance struct {
	InstanceID      string               `xml:"instanceId"`
	ImageID         string               `xml:"imageId"`
	State           xmlInstanceState     `xml:"instanceState"`
	InstanceType    string               `xml:"instanceType"`
	LaunchTime      string               `xml:"launchTime"`
	Placement       xmlPlacement         `xml:"placement"`
	SubnetID        string               `xml:"subnetId,omitempty"`
	VpcID           string               `xml:"vpcId,omitempty"`
	PrivateIP       string               `xml:"privateIpAddress,omitempty"`
	PrivateDNSName  string               `xml:"privateDnsName"`
	DNSName         string               `xml:"dnsName"`
	IPAddress       string               `xml:"ipAddress,omitempty"`
	IPv6Address     string               `xml:"ipv6Address,omitempty"`
	SourceDestCheck bool                 `xml:"sourceDestCheck"`
	Groups          []xmlGroupIdentifier `xml:"groupSet>item"`
	NICs            []xmlInstanceNIC     `xml:"networkInterfaceSet>item"`
	Tags            []xmlTag             `xml:"tagSet>item"`
	AmiLaunchIndex  int                  `xml:"amiLaunchIndex"`
	instanceExtras
}

// toXMLInstance is an instance with its interfaces (by device index) and
// the elastic IP of its primary address.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html — networkInterfaceSet; ipAddress and the DNS names come from addressing (instancedns.go)
func (h *Handler) toXMLInstance(ix *eniIndex, i model.Instance, index int) xmlInstance {
	zone := ix.zones[i.SubnetID]
	if zone == "" {
		zone = h.regionOf(i.Region) + "a"
	}
	var groups []xmlGroupIdentifier
	for _, g := range i.SecurityGroupIDs {
		groups = append(groups, xmlGroupIdentifier{GroupID: g, GroupName: ix.groups[g]})
	}
	x := xmlInstance{InstanceID: i.ID, ImageID: i.ImageID, State: instanceState(i.State), InstanceType: i.Type,
		LaunchTime: i.LaunchTime.Format("2006-01-02T15:04:05.000Z"), Placement: xmlPlacement{AvailabilityZone: zone, Tenancy: "default"},
		SourceDestCheck: i.SourceDestCheck, Groups: groups, Tags: tagSet(i.Tags), AmiLaunchIndex: index, instanceExtras: defaultExtras()}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html — a terminated instance loses its network interface and address
	if i.State != model.InstanceTerminated {
		x.SubnetID, x.VpcID, x.PrivateIP = i.SubnetID, i.NetworkID, ipString(i.PrivateIP)
		for _, e := range ix.interfacesOf(i.ID) {
			v := ix.view(e)
			n := h.toXMLENI(e, v)
			x.NICs = append(x.NICs, xmlInstanceNIC{Association: n.Association, Attachment: n.Attachment, Description: n.Description, Groups: n.Groups,
				InterfaceType: n.InterfaceType, MACAddress: n.MACAddress, ID: n.ID, OwnerID: n.OwnerID, PrivateDNSName: n.PrivateDNSName,
				PrivateIP: n.PrivateIP, PrivateIPs: n.PrivateIPs, SourceDestCheck: n.SourceDestCheck, Status: n.Status, SubnetID: n.SubnetID, VpcID: n.VpcID,
				IPv6: n.IPv6})
		}
		for k := range x.NICs {
			x.NICs[k].Attachment.InstanceID, x.NICs[k].Attachment.InstanceOwnerID = "", ""
		}
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html — ipv6Address: the IPv6 address assigned to the instance
		if len(i.IPv6Addrs) > 0 {
			x.IPv6Address = i.IPv6Addrs[0].String()
		}
	}
	h.addressing(ix.account, i).apply(&x)
	return x
}

// instanceFields are DescribeInstances' filters.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html — Filter.N, network-interface.* among them
func instanceFields(ix *eniIndex) func(i model.Instance) fields {
	return func(i model.Instance) fields {
		return withTags(i.Tags, func(name string) ([]string, bool) {
			if sub, ok := strings.CutPrefix(name, "network-interface."); ok {
				return ix.instanceENIFields(i, sub)
			}
			switch name {
			case "instance-id":
				return one(i.ID), true
			case "vpc-id":
				return one(i.NetworkID), true
			case "subnet-id":
				return one(i.SubnetID), true
			case "instance-state-name":
				return one(string(i.State)), true
			case "instance-state-code":
				return one(strconv.Itoa(stateCodes[i.State])), true
			case "private-ip-address":
				return opt(ipString(i.PrivateIP)), true
			case "image-id":
				return one(i.ImageID), true
			case "instance-type":
				return one(i.Type), true
			case "reservation-id":
				return one(i.ReservationID), true
			case "instance.group-id", "group-id":
				return i.SecurityGroupIDs, true
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html — ipv6-address: the IPv6 address of the instance
			case "ipv6-address":
				return ix.instanceENIFields(i, "ipv6-addresses.ipv6-address")
			}
			return nil, false
		})
	}
}

// instanceENIFields answers a network-interface.* filter of
// DescribeInstances with the values of all the instance's interfaces.
func (ix *eniIndex) instanceENIFields(i model.Instance, sub string) ([]string, bool) {
	alias := map[string]string{"addresses.private-ip-address": "private-ip-address", "private-ip-address": "private-ip-address",
		"addresses.private-dns-name": "private-dns-name", "addresses.association.ip-owner-id": "addresses.association.owner-id",
		"addresses.association.allocation-id": "addresses.association.allocation-id", "addresses.association.association-id": "addresses.association.association-id",
		"ipv6-address": "ipv6-addresses.ipv6-address"}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html — network-interface.* filters with nothing to match here: carrier and customer-owned IPs, prefixes, outposts
	empty := map[string]bool{"addresses.association.carrier-ip": true, "addresses.association.customer-owned-ip": true, "addresses.association.public-dns-name": true,
		"association.carrier-ip": true, "association.customer-owned-ip": true, "association.public-dns-name": true, "public-dns-name": true,
		"ipv4-prefixes.ipv4-prefix": true, "ipv6-prefixes.ipv6-prefix": true, "outpost-arn": true, "operator.principal": true}
	fixed := map[string]string{"attachment.network-card-index": "0", "deny-all-igw-traffic": "false", "operator.managed": "false"}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html — network-interface.ipv6-native: whether the interface is in an IPv6-only subnet (it has no private IPv4 address)
	if sub == "ipv6-native" {
		var out []string
		for _, e := range ix.interfacesOf(i.ID) {
			out = append(out, strconv.FormatBool(!e.PrivateIP.IsValid()))
		}
		return out, true
	}
	if empty[sub] {
		return nil, true
	}
	if v, ok := fixed[sub]; ok {
		return one(v), true
	}
	if k, ok := strings.CutPrefix(sub, "tag:"); ok || sub == "tag-key" || sub == "tag-value" {
		var out []string
		for _, e := range ix.interfacesOf(i.ID) {
			switch {
			case ok:
				if v, has := e.Tags[k]; has {
					out = append(out, v)
				}
			case sub == "tag-key":
				out = append(out, slices.Collect(maps.Keys(e.Tags))...)
			default:
				out = append(out, slices.Collect(maps.Values(e.Tags))...)
			}
		}
		return out, true
	}
	name, ok := alias[sub]
	if !ok {
		name = sub
	}
	if _, known := ix.h.eniFields(model.NetworkInterface{}, eniView{})(name); !known {
		return nil, false
	}
	var out []string
	for _, e := range ix.interfacesOf(i.ID) {
		vals, _ := ix.h.eniFields(e, ix.view(e))(name)
		out = append(out, vals...)
	}
	return out, true
}

type reservation struct {
	ID        string               `xml:"reservationId"`
	OwnerID   string               `xml:"ownerId"`
	Groups    []xmlGroupIdentifier `xml:"groupSet>item"`
	Instances []xmlInstance        `xml:"instancesSet>item"`
}

type runInstancesResp struct {
	meta
	reservation
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — MinCount/MaxCount, SubnetId, SecurityGroupId.N, PrivateIpAddress
func runInstances(h *Handler, c *call) (response, error) {
	fromTemplate, err := h.applyLaunchTemplate(c)
	if err != nil {
		return nil, err
	}
	image, err := c.form.required("ImageId")
	if err != nil {
		return nil, err
	}
	nics, err := c.form.launchInterfaces()
	if err != nil {
		return nil, err
	}
	subnet := c.form.str("SubnetId")
	if subnet == "" && len(nics) == 0 {
		if subnet, err = h.defaultSubnet(c); err != nil {
			return nil, err
		}
	}
	minC, err := c.form.intOr("MinCount", 1)
	if err != nil {
		return nil, err
	}
	maxC, err := c.form.intOr("MaxCount", minC)
	if err != nil {
		return nil, err
	}
	if minC < 1 || maxC < minC {
		return nil, errInvalid("MinCount (%d) and MaxCount (%d) must be at least 1 and MinCount <= MaxCount", minC, maxC)
	}
	spec := model.LaunchSpec{SubnetID: subnet, ImageID: image, Type: c.form.str("InstanceType"), Count: maxC, SecurityGroupIDs: c.form.list("SecurityGroupId"),
		Interfaces: nics}
	if spec.Type == "" {
		spec.Type = "m1.small" // AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — InstanceType default m1.small
	}
	if ip := c.form.str("PrivateIpAddress"); ip != "" {
		if spec.PrivateIP, err = netip.ParseAddr(ip); err != nil {
			return nil, errInvalid("Value (%s) for parameter privateIpAddress is invalid.", ip)
		}
	}
	if err := launchAttributes(c.form, &spec); err != nil {
		return nil, err
	}
	if spec.Tags, err = c.form.tagSpecs("instance"); err != nil {
		return nil, err
	}
	maps.Copy(spec.Tags, fromTemplate)
	if spec.IPv6Count, spec.IPv6Addrs, err = launchIPv6(c.form); err != nil {
		return nil, err
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — EnablePrimaryIpv6 (or NetworkInterface.1.PrimaryIpv6)
	if spec.PrimaryIPv6, err = primaryIPv6Param(c.form, "EnablePrimaryIpv6", "NetworkInterface.1.PrimaryIpv6"); err != nil {
		return nil, err
	}
	insts, err := h.cloud.RunInstances(c.account, spec)
	if err != nil {
		return nil, err
	}
	r := &runInstancesResp{reservation: reservation{ID: insts[0].ReservationID, OwnerID: c.account}}
	ix := newENIIndex(h, c.account)
	for n, i := range insts {
		r.Instances = append(r.Instances, h.toXMLInstance(ix, i, n))
	}
	return r, nil
}

type describeInstancesResp struct {
	meta
	Reservations []reservation `xml:"reservationSet>item"`
	NextToken    string        `xml:"nextToken,omitempty"`
}

func describeInstances(h *Handler, c *call) (response, error) {
	ix := newENIIndex(h, c.account)
	page, next, err := selectObjects(c.form, "InstanceId", regional(h, c, h.cloud.Instances(c.account), func(o model.Instance) string { return o.ID }),
		func(i model.Instance) string { return i.ID }, func(i model.Instance) fields {
			base := h.addressing(c.account, i).fields(instanceFields(ix)(i))
			return func(name string) ([]string, bool) {
				if v, ok := base(name); ok {
					return v, ok
				}
				return h.instanceField(c.account, i, name)
			}
		})
	if err != nil {
		return nil, err
	}
	r := &describeInstancesResp{NextToken: next}
	byResv := map[string]int{}
	for _, i := range page {
		k, ok := byResv[i.ReservationID]
		if !ok {
			k = len(r.Reservations)
			byResv[i.ReservationID] = k
			r.Reservations = append(r.Reservations, reservation{ID: i.ReservationID, OwnerID: c.account})
		}
		r.Reservations[k].Instances = append(r.Reservations[k].Instances, h.toXMLInstance(ix, i, i.LaunchIndex))
	}
	return r, nil
}

type xmlStateChange struct {
	InstanceID string           `xml:"instanceId"`
	Current    xmlInstanceState `xml:"currentState"`
	Previous   xmlInstanceState `xml:"previousState"`
}

type terminateResp struct {
	meta
	Changes []xmlStateChange `xml:"instancesSet>item"`
}

func terminateInstances(h *Handler, c *call) (response, error) {
	ids := c.form.list("InstanceId")
	if len(ids) == 0 {
		return nil, errMissing("InstanceId")
	}
	prev, err := h.cloud.TerminateInstances(c.account, ids)
	if err != nil {
		return nil, err
	}
	r := &terminateResp{}
	for _, id := range ids {
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TerminateInstances.html — the answer's currentState is shutting-down (32) for an instance that was not yet terminated
		cur := model.InstanceShuttingDown
		if prev[id] == model.InstanceTerminated {
			cur = model.InstanceTerminated
		}
		r.Changes = append(r.Changes, xmlStateChange{InstanceID: id, Current: instanceState(cur), Previous: instanceState(prev[id])})
	}
	return r, nil
}

// setSourceDestCheck builds ModifyInstanceAttribute and
// ModifyNetworkInterfaceAttribute, which support only the source/destination
// check of the instance or interface named by idParam: SourceDestCheck.Value,
// or where withAttribute (instances) also the Attribute/Value form.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html — SourceDestCheck
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyNetworkInterfaceAttribute.html — SourceDestCheck
func setSourceDestCheck(idParam string, withAttribute bool) action {
	return func(h *Handler, c *call) (response, error) {
		id, err := c.form.required(idParam)
		if err != nil {
			return nil, err
		}
		v, err := c.form.boolp("SourceDestCheck.Value")
		if err != nil {
			return nil, err
		}
		if v == nil && withAttribute && c.form.str("Attribute") == "sourceDestCheck" {
			if v, err = c.form.boolp("Value"); err != nil {
				return nil, err
			}
		}
		if v == nil {
			return nil, &apiError{Code: "InvalidParameterCombination", Message: "this mock supports only the sourceDestCheck attribute", Status: 400}
		}
		if err := h.cloud.SetSourceDestCheck(c.account, id, *v); err != nil {
			return nil, err
		}
		return ok()
	}
}
