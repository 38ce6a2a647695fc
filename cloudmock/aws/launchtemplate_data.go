package aws

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Launch template data: RequestLaunchTemplateData parsed from a request
// and ResponseLaunchTemplateData written back.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RequestLaunchTemplateData.html — the launch parameters of a template version
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ResponseLaunchTemplateData.html — the same, as Describe answers them

// launchDataFields are the members of LaunchTemplateData the model
// stores, by their request name; any other member is refused, so that a
// template never silently loses a parameter it was given.
var launchDataFields = []string{"ImageId", "InstanceType", "KeyName", "UserData", "SecurityGroupId", "SecurityGroup", "NetworkInterface",
	"DisableApiTermination", "InstanceInitiatedShutdownBehavior", "TagSpecification"}

// launchInterfaceFields are the members of a template's network interface
// the model stores.
var launchInterfaceFields = []string{"DeviceIndex", "SubnetId", "NetworkInterfaceId", "Description", "PrivateIpAddress", "SecurityGroupId",
	"AssociatePublicIpAddress", "DeleteOnTermination"}

// launchData parses the request's LaunchTemplateData.* and returns it with
// the members it gives (for a version made from a source version).
func launchData(f form) (model.LaunchData, map[string]bool, error) {
	const p = "LaunchTemplateData."
	given := map[string]bool{}
	for k := range f {
		rest, ok := strings.CutPrefix(k, p)
		if !ok {
			continue
		}
		member, _, _ := strings.Cut(rest, ".")
		if !slices.Contains(launchDataFields, member) {
			return model.LaunchData{}, nil, errInvalid("The launch template parameter LaunchTemplateData.%s is not modelled by cloudmock; it models %s.",
				member, strings.Join(launchDataFields, ", "))
		}
		given[member] = true
	}
	d := model.LaunchData{ImageID: f.str(p + "ImageId"), InstanceType: f.str(p + "InstanceType"), KeyName: f.str(p + "KeyName"),
		UserData: f.str(p + "UserData"), SecurityGroupIDs: f.list(p + "SecurityGroupId"), SecurityGroupNames: f.list(p + "SecurityGroup"),
		ShutdownBehavior: f.str(p + "InstanceInitiatedShutdownBehavior")}
	var err error
	if d.DisableAPITermination, err = f.boolp(p + "DisableApiTermination"); err != nil {
		return model.LaunchData{}, nil, err
	}
	if err := checkShutdownBehavior(d.ShutdownBehavior); err != nil {
		return model.LaunchData{}, nil, err
	}
	if d.Interfaces, err = launchInterfaces(f, p+"NetworkInterface"); err != nil {
		return model.LaunchData{}, nil, err
	}
	if d.Tags, err = launchTags(f, p+"TagSpecification"); err != nil {
		return model.LaunchData{}, nil, err
	}
	return d, given, nil
}

// checkShutdownBehavior checks an InstanceInitiatedShutdownBehavior.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — InstanceInitiatedShutdownBehavior: stop | terminate
func checkShutdownBehavior(v string) error {
	if v != "" && v != "stop" && v != "terminate" {
		return errInvalid("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are stop and terminate.", v)
	}
	return nil
}

// launchInterfaces parses a template's NetworkInterface.N.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateInstanceNetworkInterfaceSpecificationRequest.html — DeviceIndex, SubnetId, SecurityGroupId.N, PrivateIpAddress, AssociatePublicIpAddress, ...
func launchInterfaces(f form, prefix string) ([]model.LaunchInterface, error) {
	var out []model.LaunchInterface
	for _, i := range f.indices(prefix) {
		p := prefix + "." + strconv.Itoa(i) + "."
		for k := range f {
			if rest, ok := strings.CutPrefix(k, p); ok {
				if member, _, _ := strings.Cut(rest, "."); !slices.Contains(launchInterfaceFields, member) {
					return nil, errInvalid("The launch template parameter %s%s is not modelled by cloudmock.", p, member)
				}
			}
		}
		li := model.LaunchInterface{SubnetID: f.str(p + "SubnetId"), NetworkInterfaceID: f.str(p + "NetworkInterfaceId"),
			Description: f.str(p + "Description"), PrivateIP: f.str(p + "PrivateIpAddress"), GroupIDs: f.list(p + "SecurityGroupId")}
		var err error
		if li.DeviceIndex, err = f.intOr(p+"DeviceIndex", 0); err != nil {
			return nil, err
		}
		if li.AssociatePublicIP, err = f.boolp(p + "AssociatePublicIpAddress"); err != nil {
			return nil, err
		}
		if li.DeleteOnTermination, err = f.boolp(p + "DeleteOnTermination"); err != nil {
			return nil, err
		}
		out = append(out, li)
	}
	return out, nil
}

// launchTags parses a template's TagSpecification.N by resource type.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateTagSpecificationRequest.html — ResourceType: instance | volume | network-interface | spot-instances-request
func launchTags(f form, prefix string) (map[string]map[string]string, error) {
	var out map[string]map[string]string
	for _, i := range f.indices(prefix) {
		p := prefix + "." + strconv.Itoa(i)
		rt := f.str(p + ".ResourceType")
		switch rt {
		case "instance", "volume", "network-interface", "spot-instances-request":
		default:
			return nil, errInvalid("'%s' is not a valid taggable resource type for this operation.", rt)
		}
		tags := f.tags(p + ".Tag")
		if err := checkTags(tags, true); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]map[string]string{}
		}
		if out[rt] == nil {
			out[rt] = map[string]string{}
		}
		maps.Copy(out[rt], tags)
	}
	return out, nil
}

// mergeLaunchData is a version made from a source version: the source's
// parameters except the members the request gives.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html — SourceVersion: the new version inherits the same launch parameters as the source version, except for parameters that you specify in LaunchTemplateData
func mergeLaunchData(src, req model.LaunchData, given map[string]bool) model.LaunchData {
	out := src
	set := func(member string, apply func()) {
		if given[member] {
			apply()
		}
	}
	set("ImageId", func() { out.ImageID = req.ImageID })
	set("InstanceType", func() { out.InstanceType = req.InstanceType })
	set("KeyName", func() { out.KeyName = req.KeyName })
	set("UserData", func() { out.UserData = req.UserData })
	set("SecurityGroupId", func() { out.SecurityGroupIDs = req.SecurityGroupIDs })
	set("SecurityGroup", func() { out.SecurityGroupNames = req.SecurityGroupNames })
	set("NetworkInterface", func() { out.Interfaces = req.Interfaces })
	set("DisableApiTermination", func() { out.DisableAPITermination = req.DisableAPITermination })
	set("InstanceInitiatedShutdownBehavior", func() { out.ShutdownBehavior = req.ShutdownBehavior })
	set("TagSpecification", func() { out.Tags = req.Tags })
	return out
}

type xmlLaunchInterface struct {
	AssociatePublicIP   *bool    `xml:"associatePublicIpAddress,omitempty"`
	DeleteOnTermination *bool    `xml:"deleteOnTermination,omitempty"`
	Description         string   `xml:"description,omitempty"`
	DeviceIndex         int      `xml:"deviceIndex"`
	Groups              []string `xml:"groupSet>groupId,omitempty"`
	NetworkInterfaceID  string   `xml:"networkInterfaceId,omitempty"`
	PrivateIP           string   `xml:"privateIpAddress,omitempty"`
	SubnetID            string   `xml:"subnetId,omitempty"`
}

type xmlLaunchTagSpec struct {
	ResourceType string   `xml:"resourceType"`
	Tags         []xmlTag `xml:"tagSet>item"`
}

type xmlLaunchData struct {
	DisableAPITermination *bool                `xml:"disableApiTermination,omitempty"`
	ImageID               string               `xml:"imageId,omitempty"`
	ShutdownBehavior      string               `xml:"instanceInitiatedShutdownBehavior,omitempty"`
	InstanceType          string               `xml:"instanceType,omitempty"`
	KeyName               string               `xml:"keyName,omitempty"`
	Interfaces            []xmlLaunchInterface `xml:"networkInterfaceSet>item,omitempty"`
	SecurityGroupIDs      []string             `xml:"securityGroupIdSet>item,omitempty"`
	SecurityGroupNames    []string             `xml:"securityGroupSet>item,omitempty"`
	TagSpecs              []xmlLaunchTagSpec   `xml:"tagSpecificationSet>item,omitempty"`
	UserData              string               `xml:"userData,omitempty"`
}

func toXMLLaunchData(d model.LaunchData) xmlLaunchData {
	x := xmlLaunchData{DisableAPITermination: d.DisableAPITermination, ImageID: d.ImageID, ShutdownBehavior: d.ShutdownBehavior,
		InstanceType: d.InstanceType, KeyName: d.KeyName, SecurityGroupIDs: d.SecurityGroupIDs, SecurityGroupNames: d.SecurityGroupNames, UserData: d.UserData}
	for _, i := range d.Interfaces {
		x.Interfaces = append(x.Interfaces, xmlLaunchInterface{AssociatePublicIP: i.AssociatePublicIP, DeleteOnTermination: i.DeleteOnTermination,
			Description: i.Description, DeviceIndex: i.DeviceIndex, Groups: i.GroupIDs, NetworkInterfaceID: i.NetworkInterfaceID, PrivateIP: i.PrivateIP, SubnetID: i.SubnetID})
	}
	for _, rt := range slices.Sorted(maps.Keys(d.Tags)) {
		x.TagSpecs = append(x.TagSpecs, xmlLaunchTagSpec{ResourceType: rt, Tags: tagSet(d.Tags[rt])})
	}
	return x
}
