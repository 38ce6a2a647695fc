package aws

import (
	"net/netip"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("CreateNetworkInterface", createNetworkInterface)
	register("DeleteNetworkInterface", deleteNetworkInterface)
	register("AttachNetworkInterface", attachNetworkInterface)
	register("DetachNetworkInterface", detachNetworkInterface)
	register("ModifyNetworkInterfaceAttribute", modifyNetworkInterfaceAttribute)
	register("DescribeNetworkInterfaceAttribute", describeNetworkInterfaceAttribute)
	register("ResetNetworkInterfaceAttribute", resetNetworkInterfaceAttribute)
	register("AssignPrivateIpAddresses", assignPrivateIPAddresses)
	register("UnassignPrivateIpAddresses", unassignPrivateIPAddresses)
}

// addr parses one private IPv4 address parameter.
func addr(name, v string) (netip.Addr, error) {
	a, err := netip.ParseAddr(v)
	if err != nil || !a.Is4() {
		return netip.Addr{}, errInvalid("Value (%s) for parameter %s is invalid. Invalid IPv4 address.", v, name)
	}
	return a, nil
}

// addrList parses prefix.N as private IPv4 addresses.
func (f form) addrList(prefix string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, v := range f.list(prefix) {
		a, err := addr(prefix, v)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// interfaceAddrs reads an interface's addresses as CreateNetworkInterface
// and RunInstances' NetworkInterface.N take them, under prefix (empty or
// "NetworkInterface.N."): PrivateIpAddress, PrivateIpAddresses.N (one of
// them Primary), SecondaryPrivateIpAddressCount.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_PrivateIpAddressSpecification.html — PrivateIpAddress, Primary (only one may be primary)
func (f form) interfaceAddrs(prefix string, spec *model.InterfaceSpec) error {
	var err error
	if v := f.str(prefix + "PrivateIpAddress"); v != "" {
		if spec.PrivateIP, err = addr(prefix+"PrivateIpAddress", v); err != nil {
			return err
		}
	}
	for _, i := range f.indices(prefix + "PrivateIpAddresses") {
		p := prefix + "PrivateIpAddresses." + strconv.Itoa(i) + "."
		a, err := addr(p+"PrivateIpAddress", f.str(p+"PrivateIpAddress"))
		if err != nil {
			return err
		}
		primary, err := f.boolp(p + "Primary")
		if err != nil {
			return err
		}
		switch {
		case primary != nil && *primary && spec.PrivateIP.IsValid() && spec.PrivateIP != a:
			return errInvalid("Only one primary private IP address can be specified.")
		case primary != nil && *primary:
			spec.PrivateIP = a
		case a != spec.PrivateIP:
			spec.SecondaryIPs = append(spec.SecondaryIPs, a)
		}
	}
	spec.SecondaryCount, err = f.intOr(prefix+"SecondaryPrivateIpAddressCount", 0)
	if err == nil && spec.SecondaryCount < 0 {
		err = errInvalid("Value (%d) for parameter secondaryPrivateIpAddressCount is invalid.", spec.SecondaryCount)
	}
	return err
}

type createENIResp struct {
	meta
	ClientToken string `xml:"clientToken,omitempty"`
	Interface   xmlENI `xml:"networkInterface"`
}

// interfaceTypes are the InterfaceType values CreateNetworkInterface takes.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInterface.html — InterfaceType: efa | efa-only | branch | trunk
var interfaceTypes = map[string]bool{"efa": true, "efa-only": true, "branch": true, "trunk": true}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInterface.html — SubnetId, Description, PrivateIpAddress, PrivateIpAddresses.N, SecondaryPrivateIpAddressCount, SecurityGroupId.N, InterfaceType, TagSpecification.N
func createNetworkInterface(h *Handler, c *call) (response, error) {
	subnet, err := c.form.required("SubnetId")
	if err != nil {
		return nil, err
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — source/destination checking is on by default
	spec := model.InterfaceSpec{SubnetID: subnet, Description: c.form.str("Description"), SecurityGroupIDs: c.form.list("SecurityGroupId"), SourceDestCheck: true}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInterface.html — EnablePrimaryIpv6
	if spec.PrimaryIPv6, err = primaryIPv6Param(c.form, "EnablePrimaryIpv6"); err != nil {
		return nil, err
	}
	if err := c.form.interfaceAddrs("", &spec); err != nil {
		return nil, err
	}
	if t := c.form.str("InterfaceType"); t != "" {
		if !interfaceTypes[t] {
			return nil, errInvalid("Value (%s) for parameter interfaceType is invalid. Valid values are efa, efa-only, branch and trunk.", t)
		}
		spec.Type = t
	}
	if spec.Tags, err = c.form.tagSpecs("network-interface"); err != nil {
		return nil, err
	}
	e, err := h.cloud.CreateNetworkInterface(c.account, spec)
	if err != nil {
		return nil, err
	}
	return &createENIResp{ClientToken: c.form.str("ClientToken"), Interface: h.toXMLENI(e, newENIIndex(h, c.account).view(e))}, nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNetworkInterface.html — NetworkInterfaceId
func deleteNetworkInterface(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkInterfaceId")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DeleteNetworkInterface(c.account, id); err != nil {
		return nil, err
	}
	return ok()
}

type attachENIResp struct {
	meta
	AttachmentID     string `xml:"attachmentId"`
	NetworkCardIndex int    `xml:"networkCardIndex"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AttachNetworkInterface.html — DeviceIndex, InstanceId, NetworkInterfaceId (all required); the answer's attachmentId and networkCardIndex
func attachNetworkInterface(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkInterfaceId")
	if err != nil {
		return nil, err
	}
	inst, err := c.form.required("InstanceId")
	if err != nil {
		return nil, err
	}
	if _, err := c.form.required("DeviceIndex"); err != nil {
		return nil, err
	}
	index, err := c.form.intOr("DeviceIndex", 0)
	if err != nil {
		return nil, err
	}
	att, err := h.cloud.AttachNetworkInterface(c.account, id, inst, index)
	if err != nil {
		return nil, err
	}
	return &attachENIResp{AttachmentID: att}, nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachNetworkInterface.html — AttachmentId, Force
func detachNetworkInterface(h *Handler, c *call) (response, error) {
	id, err := c.form.required("AttachmentId")
	if err != nil {
		return nil, err
	}
	force, err := c.form.boolp("Force")
	if err != nil {
		return nil, err
	}
	if err := h.cloud.DetachNetworkInterface(c.account, id, force != nil && *force); err != nil {
		return nil, err
	}
	return ok()
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyNetworkInterfaceAttribute.html — Attachment (AttachmentId, DeleteOnTermination), Description.Value, SecurityGroupId.N, SourceDestCheck.Value
func modifyNetworkInterfaceAttribute(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkInterfaceId")
	if err != nil {
		return nil, err
	}
	var ch model.InterfaceChange
	if c.form.has("Description.Value") {
		d := c.form.str("Description.Value")
		ch.Description = &d
	}
	if groups := c.form.list("SecurityGroupId"); len(groups) > 0 {
		ch.SecurityGroupIDs = groups
	}
	if ch.SourceDestCheck, err = c.form.boolp("SourceDestCheck.Value"); err != nil {
		return nil, err
	}
	if ch.DeleteOnTermination, err = c.form.boolp("Attachment.DeleteOnTermination"); err != nil {
		return nil, err
	}
	if ch.DeleteOnTermination != nil {
		if ch.AttachmentID, err = c.form.required("Attachment.AttachmentId"); err != nil {
			return nil, err
		}
	}
	if ch.Description == nil && ch.SecurityGroupIDs == nil && ch.SourceDestCheck == nil && ch.DeleteOnTermination == nil {
		return nil, errMissing("Attribute")
	}
	if err := h.cloud.ModifyNetworkInterface(c.account, id, ch); err != nil {
		return nil, err
	}
	return ok()
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ResetNetworkInterfaceAttribute.html — SourceDestCheck: resets the check to true
func resetNetworkInterfaceAttribute(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkInterfaceId")
	if err != nil {
		return nil, err
	}
	if c.form.str("SourceDestCheck") == "" {
		return nil, errMissing("SourceDestCheck")
	}
	on := true
	if err := h.cloud.ModifyNetworkInterface(c.account, id, model.InterfaceChange{SourceDestCheck: &on}); err != nil {
		return nil, err
	}
	return ok()
}

type xmlValue struct {
	Value string `xml:"value"`
}

type describeENIAttrResp struct {
	meta
	ID              string                `xml:"networkInterfaceId"`
	Attachment      *xmlENIAttachment     `xml:"attachment,omitempty"`
	Description     *xmlValue             `xml:"description,omitempty"`
	Groups          *[]xmlGroupIdentifier `xml:"groupSet>item,omitempty"`
	SourceDestCheck *xmlValue             `xml:"sourceDestCheck,omitempty"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaceAttribute.html — Attribute: description | groupSet | sourceDestCheck | attachment
func describeNetworkInterfaceAttribute(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkInterfaceId")
	if err != nil {
		return nil, err
	}
	attr, err := c.form.required("Attribute")
	if err != nil {
		return nil, err
	}
	e, err := h.cloud.NetworkInterface(c.account, id)
	if err != nil {
		return nil, err
	}
	x := h.toXMLENI(e, newENIIndex(h, c.account).view(e))
	r := &describeENIAttrResp{ID: id}
	switch attr {
	case "description":
		r.Description = &xmlValue{e.Description}
	case "groupSet":
		r.Groups = &x.Groups
	case "sourceDestCheck":
		r.SourceDestCheck = &xmlValue{strconv.FormatBool(e.SourceDestCheck)}
	case "attachment":
		r.Attachment = x.Attachment
	default:
		return nil, errInvalid("Value (%s) for parameter attribute is invalid. Valid values are description, groupSet, sourceDestCheck and attachment.", attr)
	}
	return r, nil
}

type assignIPsResp struct {
	meta
	ID       string `xml:"networkInterfaceId"`
	Assigned []struct {
		PrivateIP string `xml:"privateIpAddress"`
	} `xml:"assignedPrivateIpAddressesSet>item"`
	Return bool `xml:"return"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssignPrivateIpAddresses.html — NetworkInterfaceId, PrivateIpAddress.N or SecondaryPrivateIpAddressCount, AllowReassignment; the answer lists the addresses assigned
func assignPrivateIPAddresses(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkInterfaceId")
	if err != nil {
		return nil, err
	}
	ips, err := c.form.addrList("PrivateIpAddress")
	if err != nil {
		return nil, err
	}
	count, err := c.form.intOr("SecondaryPrivateIpAddressCount", 0)
	if err != nil {
		return nil, err
	}
	reassign, err := c.form.boolp("AllowReassignment")
	if err != nil {
		return nil, err
	}
	if (len(ips) == 0) == (count == 0) {
		return nil, &apiError{Code: "InvalidParameterCombination", Message: "Either the PrivateIpAddress or the SecondaryPrivateIpAddressCount parameter must be specified, not both.", Status: 400}
	}
	got, err := h.cloud.AssignPrivateIPs(c.account, id, ips, count, reassign != nil && *reassign)
	if err != nil {
		return nil, err
	}
	r := &assignIPsResp{ID: id, Return: true}
	for _, a := range got {
		r.Assigned = append(r.Assigned, struct {
			PrivateIP string `xml:"privateIpAddress"`
		}{a.String()})
	}
	return r, nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UnassignPrivateIpAddresses.html — NetworkInterfaceId, PrivateIpAddress.N
func unassignPrivateIPAddresses(h *Handler, c *call) (response, error) {
	id, err := c.form.required("NetworkInterfaceId")
	if err != nil {
		return nil, err
	}
	ips, err := c.form.addrList("PrivateIpAddress")
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, errMissing("PrivateIpAddress")
	}
	if err := h.cloud.UnassignPrivateIPs(c.account, id, ips); err != nil {
		return nil, err
	}
	return ok()
}

// interfaceError is EC2's answer to a model error about a network
// interface or its attachment, where it differs from the general mapping
// (toAPIError); nil otherwise.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidNetworkInterfaceID.NotFound, InvalidNetworkInterface.InUse, InvalidAttachmentID.NotFound, AttachmentLimitExceeded, PrivateIpAddressLimitExceeded, OperationNotPermitted, InvalidInstanceID
func interfaceError(me *model.Error) *apiError {
	code := ""
	switch {
	case me.Kind == model.KindNetworkInterface && me.Code == model.CodeNotFound:
		return &apiError{Code: "InvalidNetworkInterfaceID.NotFound", Message: "The networkInterface ID '" + me.ID + "' does not exist", Status: 400}
	case me.Kind == model.KindInterfaceAttachment && me.Code == model.CodeNotFound:
		return &apiError{Code: "InvalidAttachmentID.NotFound", Message: "The attachment ID '" + me.ID + "' does not exist", Status: 400}
	case me.Kind == model.KindNetworkInterface && me.Code == model.CodeAlreadyAssociated:
		code = "InvalidNetworkInterface.InUse"
	case me.Kind == model.KindNetworkInterface && me.Code == model.CodeDependency:
		code = "InvalidParameterValue" // "Network interface '…' is currently in use." (model.DeleteNetworkInterface)
	case me.Kind == model.KindInterfaceAttachment && me.Code == model.CodeLimitExceeded:
		code = "AttachmentLimitExceeded"
	case me.Kind == model.KindNetworkInterface && me.Code == model.CodeLimitExceeded:
		code = "PrivateIpAddressLimitExceeded"
	case me.Kind == model.KindInterfaceAttachment && me.Code == model.CodeCannotDelete:
		code = "OperationNotPermitted"
	case me.Code == model.CodeAmbiguous:
		code = "InvalidInstanceID" // "There are multiple interfaces attached to instance '…'. …"
	default:
		return nil
	}
	return &apiError{Code: code, Message: me.Msg, Status: 400}
}

// launchInterfaces reads RunInstances' NetworkInterface.N, refusing them
// beside the instance-level subnet, groups or address.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceNetworkInterfaceSpecification.html — DeviceIndex, NetworkInterfaceId, SubnetId, PrivateIpAddress, PrivateIpAddresses, SecondaryPrivateIpAddressCount, SecurityGroupId, Description, DeleteOnTermination
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — if you specify a network interface, you must specify any security groups and subnets as part of the network interface
func (f form) launchInterfaces() ([]model.InterfaceLaunch, error) {
	idx := f.indices("NetworkInterface")
	if len(idx) == 0 {
		return nil, nil
	}
	for _, p := range []struct{ param, what string }{{"SubnetId", "subnet ID"}, {"SecurityGroupId.1", "security groups"}, {"PrivateIpAddress", "private IP address"}} {
		if f.has(p.param) {
			return nil, &apiError{Code: "InvalidParameterCombination", Message: "Network interfaces and an instance-level " + p.what + " may not be specified on the same request", Status: 400}
		}
	}
	var out []model.InterfaceLaunch
	for _, i := range idx {
		p := "NetworkInterface." + strconv.Itoa(i) + "."
		if _, err := f.required(p + "DeviceIndex"); err != nil {
			return nil, err
		}
		di, err := f.intOr(p+"DeviceIndex", 0)
		if err != nil {
			return nil, err
		}
		l := model.InterfaceLaunch{DeviceIndex: di, ID: f.str(p + "NetworkInterfaceId")}
		if l.DeleteOnTermination, err = f.boolp(p + "DeleteOnTermination"); err != nil {
			return nil, err
		}
		l.Spec = model.InterfaceSpec{SubnetID: f.str(p + "SubnetId"), Description: f.str(p + "Description"), SecurityGroupIDs: f.list(p + "SecurityGroupId"),
			SourceDestCheck: true}
		if err := f.interfaceAddrs(p, &l.Spec); err != nil {
			return nil, err
		}
		switch {
		case l.ID != "" && l.Spec.SubnetID != "":
			return nil, &apiError{Code: "InvalidParameterCombination", Message: "A network interface ID and a subnet ID may not both be specified for network interface " + strconv.Itoa(di), Status: 400}
		case l.ID == "" && l.Spec.SubnetID == "":
			return nil, errMissing(p + "SubnetId")
		}
		out = append(out, l)
	}
	return out, nil
}
