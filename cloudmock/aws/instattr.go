package aws

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Instance attributes: DescribeInstanceAttribute and
// ModifyInstanceAttribute, and DescribeInstanceStatus.

func init() {
	register("ModifyInstanceAttribute", modifyInstanceAttribute)
	register("DescribeInstanceAttribute", describeInstanceAttribute)
	register("DescribeInstanceStatus", describeInstanceStatus)
}

// modifiable are the attributes ModifyInstanceAttribute changes here, by
// the name the Attribute parameter gives and the parameter of the
// structured form.
var modifiable = map[string]string{"instanceType": "InstanceType", "userData": "UserData", "disableApiTermination": "DisableApiTermination",
	"instanceInitiatedShutdownBehavior": "InstanceInitiatedShutdownBehavior", "sourceDestCheck": "SourceDestCheck", "groupSet": "GroupId"}

// attributes are the attributes DescribeInstanceAttribute answers.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceAttribute.html — Attribute: instanceType | kernel | ramdisk | userData | disableApiTermination | instanceInitiatedShutdownBehavior | rootDeviceName | blockDeviceMapping | productCodes | sourceDestCheck | groupSet | ebsOptimized | sriovNetSupport | enaSupport | enclaveOptions | disableApiStop
var attributes = []string{"instanceType", "kernel", "ramdisk", "userData", "disableApiTermination", "instanceInitiatedShutdownBehavior",
	"rootDeviceName", "blockDeviceMapping", "productCodes", "sourceDestCheck", "groupSet", "ebsOptimized", "sriovNetSupport", "enaSupport",
	"enclaveOptions", "disableApiStop"}

// attrValue reads one attribute's new value: the structured parameter
// (InstanceType.Value) or the Attribute/Value form.
func attrValue(f form, attr string) (string, bool) {
	p := modifiable[attr]
	if f.has(p + ".Value") {
		return f.str(p + ".Value"), true
	}
	if f.str("Attribute") == attr && f.has("Value") {
		return f.str("Value"), true
	}
	return "", false
}

func boolAttr(f form, attr string) (*bool, error) {
	v, ok := attrValue(f, attr)
	if !ok {
		return nil, nil
	}
	return form{"v": {v}}.boolp("v")
}

func strAttr(f form, attr string) *string {
	if v, ok := attrValue(f, attr); ok {
		return &v
	}
	return nil
}

// modifyInstanceAttribute changes the instance type or user data of a
// stopped instance, its termination protection, shutdown behaviour,
// source/destination check or security groups.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html — Attribute/Value, or InstanceType, UserData, DisableApiTermination, InstanceInitiatedShutdownBehavior, SourceDestCheck (each .Value), GroupId.N
func modifyInstanceAttribute(h *Handler, c *call) (response, error) {
	id, err := c.form.required("InstanceId")
	if err != nil {
		return nil, err
	}
	if a := c.form.str("Attribute"); a != "" {
		if _, ok := modifiable[a]; !ok {
			return nil, errInvalid("Value (%s) for parameter attribute is invalid. cloudmock modifies instanceType, userData, disableApiTermination, instanceInitiatedShutdownBehavior, sourceDestCheck and groupSet.", a)
		}
	}
	var ch model.InstanceChange
	ch.Type, ch.UserData, ch.ShutdownBehavior = strAttr(c.form, "instanceType"), strAttr(c.form, "userData"), strAttr(c.form, "instanceInitiatedShutdownBehavior")
	if ch.ShutdownBehavior != nil {
		if err := checkShutdownBehavior(*ch.ShutdownBehavior); err != nil {
			return nil, err
		}
	}
	if ch.DisableAPITermination, err = boolAttr(c.form, "disableApiTermination"); err != nil {
		return nil, err
	}
	if ch.SourceDestCheck, err = boolAttr(c.form, "sourceDestCheck"); err != nil {
		return nil, err
	}
	if groups := c.form.list("GroupId"); len(groups) > 0 {
		ch.SecurityGroupIDs = groups
	} else if c.form.str("Attribute") == "groupSet" {
		ch.SecurityGroupIDs = c.form.list("Value")
	}
	if ch.Type == nil && ch.UserData == nil && ch.ShutdownBehavior == nil && ch.DisableAPITermination == nil && ch.SourceDestCheck == nil && ch.SecurityGroupIDs == nil {
		return nil, &apiError{Code: "InvalidParameterCombination", Status: http.StatusBadRequest,
			Message: "No attributes specified."}
	}
	if err := h.cloud.ModifyInstance(c.account, id, ch); err != nil {
		return nil, err
	}
	return ok()
}

type xmlAttrValue struct {
	Value string `xml:"value"`
}

type xmlAttrBool struct {
	Value bool `xml:"value"`
}

type describeInstanceAttributeResp struct {
	meta
	InstanceID            string               `xml:"instanceId"`
	InstanceType          *xmlAttrValue        `xml:"instanceType,omitempty"`
	Kernel                *xmlAttrValue        `xml:"kernel,omitempty"`
	Ramdisk               *xmlAttrValue        `xml:"ramdisk,omitempty"`
	UserData              *xmlAttrValue        `xml:"userData,omitempty"`
	DisableAPITermination *xmlAttrBool         `xml:"disableApiTermination,omitempty"`
	ShutdownBehavior      *xmlAttrValue        `xml:"instanceInitiatedShutdownBehavior,omitempty"`
	RootDeviceName        *xmlAttrValue        `xml:"rootDeviceName,omitempty"`
	BlockDeviceMapping    *struct{}            `xml:"blockDeviceMapping,omitempty"`
	ProductCodes          *struct{}            `xml:"productCodes,omitempty"`
	SourceDestCheck       *xmlAttrBool         `xml:"sourceDestCheck,omitempty"`
	Groups                []xmlGroupIdentifier `xml:"groupSet>item,omitempty"`
	EbsOptimized          *xmlAttrBool         `xml:"ebsOptimized,omitempty"`
	SriovNetSupport       *xmlAttrValue        `xml:"sriovNetSupport,omitempty"`
	EnaSupport            *xmlAttrBool         `xml:"enaSupport,omitempty"`
	EnclaveOptions        *struct {
		Enabled bool `xml:"enabled"`
	} `xml:"enclaveOptions,omitempty"`
	DisableAPIStop *xmlAttrBool `xml:"disableApiStop,omitempty"`
}

// describeInstanceAttribute answers one attribute. Those the lab does not
// model answer what an instance launched without them has: no kernel or
// RAM disk, /dev/xvda as root device, no block device mappings or product
// codes, not EBS-optimised, ENA on, no enclave, stop allowed.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceAttribute.html — InstanceId, Attribute; the answer holds the one attribute asked for
func describeInstanceAttribute(h *Handler, c *call) (response, error) {
	id, err := c.form.required("InstanceId")
	if err != nil {
		return nil, err
	}
	attr, err := c.form.required("Attribute")
	if err != nil {
		return nil, err
	}
	i, err := h.instance(c, id)
	if err != nil {
		return nil, err
	}
	r := &describeInstanceAttributeResp{InstanceID: i.ID}
	switch attr {
	case "instanceType":
		r.InstanceType = &xmlAttrValue{i.Type}
	case "kernel":
		r.Kernel = &xmlAttrValue{}
	case "ramdisk":
		r.Ramdisk = &xmlAttrValue{}
	case "userData":
		r.UserData = &xmlAttrValue{i.UserData}
	case "disableApiTermination":
		r.DisableAPITermination = &xmlAttrBool{i.DisableAPITermination}
	case "instanceInitiatedShutdownBehavior":
		b := i.ShutdownBehavior
		if b == "" {
			b = "stop" // AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_ChangingInstanceInitiatedShutdownBehavior.html — stop by default
		}
		r.ShutdownBehavior = &xmlAttrValue{b}
	case "rootDeviceName":
		r.RootDeviceName = &xmlAttrValue{"/dev/xvda"}
	case "blockDeviceMapping":
		r.BlockDeviceMapping = &struct{}{}
	case "productCodes":
		r.ProductCodes = &struct{}{}
	case "sourceDestCheck":
		r.SourceDestCheck = &xmlAttrBool{i.SourceDestCheck}
	case "groupSet":
		r.Groups = h.toXMLInstance(newENIIndex(h, c.account), i, 0).Groups
	case "ebsOptimized":
		r.EbsOptimized = &xmlAttrBool{}
	case "sriovNetSupport":
		r.SriovNetSupport = &xmlAttrValue{}
	case "enaSupport":
		r.EnaSupport = &xmlAttrBool{true}
	case "enclaveOptions":
		r.EnclaveOptions = &struct {
			Enabled bool `xml:"enabled"`
		}{}
	case "disableApiStop":
		r.DisableAPIStop = &xmlAttrBool{}
	default:
		return nil, errInvalid("Value (%s) for parameter attribute is invalid. Valid values are %s.", attr, fmt.Sprint(attributes))
	}
	return r, nil
}

// instance returns one of the account's instances in the call's region.
func (h *Handler) instance(c *call, id string) (model.Instance, error) {
	for _, i := range regional(h, c, h.cloud.Instances(c.account), func(o model.Instance) string { return o.ID }) {
		if i.ID == id {
			return i, nil
		}
	}
	return model.Instance{}, notFoundError(id)
}

type xmlStatusDetail struct {
	Name   string `xml:"name"`
	Status string `xml:"status"`
}

type xmlStatusSummary struct {
	Status  string            `xml:"status"`
	Details []xmlStatusDetail `xml:"details>item"`
}

type xmlInstanceStatus struct {
	InstanceID       string           `xml:"instanceId"`
	AvailabilityZone string           `xml:"availabilityZone"`
	ZoneID           string           `xml:"availabilityZoneId"`
	State            xmlInstanceState `xml:"instanceState"`
	SystemStatus     xmlStatusSummary `xml:"systemStatus"`
	InstanceStatus   xmlStatusSummary `xml:"instanceStatus"`
	EbsStatus        xmlStatusSummary `xml:"attachedEbsStatus"`
	Events           []struct{}       `xml:"eventsSet>item"`
	Operator         struct {
		Managed bool `xml:"managed"`
	} `xml:"operator"`
}

type describeInstanceStatusResp struct {
	meta
	Statuses  []xmlInstanceStatus `xml:"instanceStatusSet>item"`
	NextToken string              `xml:"nextToken,omitempty"`
}

// statusOf is an instance's status checks: a running instance's system
// and instance checks pass (the lab's hosts have no hardware to fail);
// any other state's are not-applicable.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html — status ok with reachability passed; not-applicable for an instance that is not running
func (h *Handler) statusOf(account string, i model.Instance) xmlInstanceStatus {
	zone := h.toXMLInstance(newENIIndex(h, account), i, 0).Placement.AvailabilityZone
	sum := xmlStatusSummary{Status: "not-applicable"}
	if i.State == model.InstanceRunning {
		sum = xmlStatusSummary{Status: "ok", Details: []xmlStatusDetail{{Name: "reachability", Status: "passed"}}}
	}
	return xmlInstanceStatus{InstanceID: i.ID, AvailabilityZone: zone, ZoneID: zoneID(zone), State: instanceState(i.State),
		SystemStatus: sum, InstanceStatus: sum, EbsStatus: sum}
}

// zoneID is the zone ID of a zone name: us-east-1a is use1-az1.
func zoneID(zone string) string {
	if len(zone) < 2 {
		return ""
	}
	return fmt.Sprintf("%s-az%d", zoneIDPrefix(zone[:len(zone)-1]), int(zone[len(zone)-1]-'a')+1)
}

// instanceStatusFields are DescribeInstanceStatus' filters; the lab
// schedules no events and manages no instances, so event.* filters match
// nothing and operator.managed is false.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceStatus.html — availability-zone, availability-zone-id, event.*, instance-state-code, instance-state-name, instance-status.*, operator.*, system-status.*, attached-ebs-status.status, application-status.status
func instanceStatusFields(s xmlInstanceStatus) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "availability-zone":
			return one(s.AvailabilityZone), true
		case "availability-zone-id":
			return one(s.ZoneID), true
		case "event.code", "event.description", "event.instance-event-id", "event.not-after", "event.not-before",
			"event.not-before-deadline", "operator.principal":
			return nil, true
		case "instance-state-code":
			return one(strconv.Itoa(s.State.Code)), true
		case "instance-state-name":
			return one(s.State.Name), true
		case "instance-status.status":
			return one(s.InstanceStatus.Status), true
		case "system-status.status":
			return one(s.SystemStatus.Status), true
		case "attached-ebs-status.status":
			return one(s.EbsStatus.Status), true
		case "application-status.status":
			return one("not-applicable"), true
		case "instance-status.reachability", "system-status.reachability":
			if s.State.Name == string(model.InstanceRunning) {
				return one("passed"), true
			}
			return nil, true
		case "operator.managed":
			return one("false"), true
		}
		return nil, false
	}
}

// describeInstanceStatus answers the status checks of running instances,
// or of every instance with IncludeAllInstances.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceStatus.html — IncludeAllInstances: when false (the default), running instances only; InstanceId.N, Filter.N, MaxResults, NextToken
func describeInstanceStatus(h *Handler, c *call) (response, error) {
	all, err := c.form.boolp("IncludeAllInstances")
	if err != nil {
		return nil, err
	}
	insts := regional(h, c, h.cloud.Instances(c.account), func(o model.Instance) string { return o.ID })
	for _, id := range c.form.list("InstanceId") {
		if _, err := h.instance(c, id); err != nil {
			return nil, err
		}
	}
	var sts []xmlInstanceStatus
	for _, i := range insts {
		if ids := c.form.list("InstanceId"); len(ids) > 0 && !slices.Contains(ids, i.ID) {
			continue
		}
		if i.State == model.InstanceRunning || (all != nil && *all) {
			sts = append(sts, h.statusOf(c.account, i))
		}
	}
	out, err := filtered(c.form, sts, instanceStatusFields)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(c.form, out)
	if err != nil {
		return nil, err
	}
	return &describeInstanceStatusResp{Statuses: page, NextToken: next}, nil
}

// launchAttributes reads RunInstances' DisableApiTermination,
// InstanceInitiatedShutdownBehavior and UserData into the launch.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — DisableApiTermination, InstanceInitiatedShutdownBehavior (stop | terminate), UserData (base64)
func launchAttributes(f form, spec *model.LaunchSpec) error {
	dis, err := f.boolp("DisableApiTermination")
	if err != nil {
		return err
	}
	spec.DisableAPITermination = dis != nil && *dis
	spec.ShutdownBehavior = f.str("InstanceInitiatedShutdownBehavior")
	spec.UserData = f.str("UserData")
	return checkShutdownBehavior(spec.ShutdownBehavior)
}
