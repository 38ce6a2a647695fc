package aws

import (
	"maps"
	"net/netip"
	"strconv"

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

type xmlInstanceNIC struct {
	ID              string               `xml:"networkInterfaceId"`
	SubnetID        string               `xml:"subnetId"`
	VpcID           string               `xml:"vpcId"`
	OwnerID         string               `xml:"ownerId"`
	Status          string               `xml:"status"`
	PrivateIP       string               `xml:"privateIpAddress"`
	SourceDestCheck bool                 `xml:"sourceDestCheck"`
	Groups          []xmlGroupIdentifier `xml:"groupSet>item"`
	PrivateDNSName  string               `xml:"privateDnsName,omitempty"`
	Association     *xmlNICAssociation   `xml:"association,omitempty"`
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
	SourceDestCheck bool                 `xml:"sourceDestCheck"`
	Groups          []xmlGroupIdentifier `xml:"groupSet>item"`
	NICs            []xmlInstanceNIC     `xml:"networkInterfaceSet>item"`
	Tags            []xmlTag             `xml:"tagSet>item"`
	AmiLaunchIndex  int                  `xml:"amiLaunchIndex"`
	instanceExtras
}

func (h *Handler) toXMLInstance(account string, i model.Instance, index int) xmlInstance {
	zone := h.regionOf(i.Region) + "a"
	if s, err := h.cloud.Subnet(account, i.SubnetID); err == nil {
		zone = s.Zone
	}
	var groups []xmlGroupIdentifier
	for _, g := range i.SecurityGroupIDs {
		name := ""
		if sg, err := h.cloud.RuleSet(account, model.FlavorSecurityGroup, g); err == nil {
			name = sg.Name
		}
		groups = append(groups, xmlGroupIdentifier{GroupID: g, GroupName: name})
	}
	x := xmlInstance{InstanceID: i.ID, ImageID: i.ImageID, State: instanceState(i.State), InstanceType: i.Type,
		LaunchTime: i.LaunchTime.Format("2006-01-02T15:04:05.000Z"), Placement: xmlPlacement{AvailabilityZone: zone, Tenancy: "default"},
		SourceDestCheck: i.SourceDestCheck, Groups: groups, Tags: tagSet(i.Tags), AmiLaunchIndex: index, instanceExtras: defaultExtras()}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html — a terminated instance loses its network interface and address
	if i.State != model.InstanceTerminated {
		x.SubnetID, x.VpcID, x.PrivateIP = i.SubnetID, i.NetworkID, i.PrivateIP.String()
		x.NICs = []xmlInstanceNIC{{ID: i.NetworkInterfaceID, SubnetID: i.SubnetID, VpcID: i.NetworkID, OwnerID: account,
			Status: "in-use", PrivateIP: i.PrivateIP.String(), SourceDestCheck: i.SourceDestCheck, Groups: groups, IPv6: toXMLIPv6Addrs(i.IPv6Addrs)}}
	}
	h.addressing(account, i).apply(&x)
	return x
}

func instanceFields(i model.Instance) fields {
	return withTags(i.Tags, func(name string) ([]string, bool) {
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
			return one(i.PrivateIP.String()), true
		case "image-id":
			return one(i.ImageID), true
		case "instance-type":
			return one(i.Type), true
		case "reservation-id":
			return one(i.ReservationID), true
		case "instance.group-id", "group-id":
			return i.SecurityGroupIDs, true
		case "network-interface.network-interface-id":
			return one(i.NetworkInterfaceID), true
		case "network-interface.ipv6-address", "network-interface.ipv6-addresses.ipv6-address":
			return addrStrings(i.IPv6Addrs), true
		}
		return nil, false
	})
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
	subnet := c.form.str("SubnetId")
	if subnet == "" {
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
	spec := model.LaunchSpec{SubnetID: subnet, ImageID: image, Type: c.form.str("InstanceType"), Count: maxC, SecurityGroupIDs: c.form.list("SecurityGroupId")}
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
	insts, err := h.cloud.RunInstances(c.account, spec)
	if err != nil {
		return nil, err
	}
	r := &runInstancesResp{reservation: reservation{ID: insts[0].ReservationID, OwnerID: c.account}}
	for n, i := range insts {
		r.Instances = append(r.Instances, h.toXMLInstance(c.account, i, n))
	}
	return r, nil
}

type describeInstancesResp struct {
	meta
	Reservations []reservation `xml:"reservationSet>item"`
	NextToken    string        `xml:"nextToken,omitempty"`
}

func describeInstances(h *Handler, c *call) (response, error) {
	page, next, err := selectObjects(c.form, "InstanceId", regional(h, c, h.cloud.Instances(c.account), func(o model.Instance) string { return o.ID }),
		func(i model.Instance) string { return i.ID }, func(i model.Instance) fields {
			base := h.addressing(c.account, i).fields(instanceFields(i))
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
		r.Reservations[k].Instances = append(r.Reservations[k].Instances, h.toXMLInstance(c.account, i, i.LaunchIndex))
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
