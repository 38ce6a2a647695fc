package aws

import (
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

type describeLTVersionsResp struct {
	meta
	Versions  []xmlLaunchTemplateVersion `xml:"launchTemplateVersionSet>item"`
	NextToken string                     `xml:"nextToken,omitempty"`
}

// ltVersion is one version with its template, as DescribeLaunchTemplateVersions lists them.
type ltVersion struct {
	t model.LaunchTemplate
	v model.LaunchTemplateVersion
}

// ltVersionFields are DescribeLaunchTemplateVersions' filters. The
// parameters the model does not store (EBS optimisation, metadata
// options, IAM profile, kernel, RAM disk, licenses, network cards, host
// resource groups) are unset in every version, so those filters match
// only a value of unset ("false" for ebs-optimized).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html — create-time, ebs-optimized, http-endpoint, http-protocol-ipv4, host-resource-group-arn, http-tokens, iam-instance-profile, image-id, instance-type, is-default-version, kernel-id, license-configuration-arn, network-card-index, ram-disk-id
func ltVersionFields(x ltVersion) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "create-time":
			return one(ec2Time(x.v.CreateTime)), true
		case "image-id":
			return one(x.v.Data.ImageID), true
		case "instance-type":
			return one(x.v.Data.InstanceType), true
		case "is-default-version":
			return one(strconv.FormatBool(x.v.Number == x.t.DefaultVersion)), true
		case "ebs-optimized":
			return one("false"), true
		case "http-endpoint", "http-protocol-ipv4", "host-resource-group-arn", "http-tokens", "iam-instance-profile",
			"kernel-id", "license-configuration-arn", "network-card-index", "ram-disk-id":
			return nil, true
		}
		return nil, false
	}
}

// describeLaunchTemplateVersions lists the versions of one template (by
// number, $Latest, $Default, or a MinVersion..MaxVersion range), or
// without a template the $Latest or $Default versions of all.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html — LaunchTemplateVersion.N, MinVersion, MaxVersion; to describe the latest or default versions of all templates, omit the template
func describeLaunchTemplateVersions(h *Handler, c *call) (response, error) {
	sels := c.form.list("LaunchTemplateVersion")
	var all []ltVersion
	if c.form.str("LaunchTemplateId") == "" && c.form.str("LaunchTemplateName") == "" {
		if len(sels) == 0 || slices.ContainsFunc(sels, func(s string) bool { return s != "$Latest" && s != "$Default" }) {
			return nil, errInvalid("To describe the versions of all launch templates, specify only $Latest or $Default as the version.")
		}
		for _, t := range regional(h, c, h.cloud.LaunchTemplates(c.account), func(t model.LaunchTemplate) string { return t.ID }) {
			all = append(all, pickVersions(t, sels)...)
		}
	} else {
		t, err := h.findLaunchTemplate(c, "")
		if err != nil {
			return nil, err
		}
		for _, s := range sels {
			if _, err := resolveVersion(t, s); err != nil {
				return nil, err
			}
		}
		if all, err = rangeVersions(c.form, t, sels); err != nil {
			return nil, err
		}
	}
	out, err := filtered(c.form, all, ltVersionFields)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(c.form, out)
	if err != nil {
		return nil, err
	}
	return &describeLTVersionsResp{Versions: convertAll(page, func(x ltVersion) xmlLaunchTemplateVersion { return toXMLLaunchTemplateVersion(x.t, x.v) }),
		NextToken: next}, nil
}

// pickVersions returns the versions the selectors name, once each, in
// rising order; a selector naming no version names none.
func pickVersions(t model.LaunchTemplate, sels []string) []ltVersion {
	var out []ltVersion
	for _, v := range t.Versions {
		for _, s := range sels {
			if n, err := resolveVersion(t, s); err == nil && n == v.Number {
				out = append(out, ltVersion{t, v})
				break
			}
		}
	}
	return out
}

// rangeVersions returns the template's versions the selectors name, or
// without selectors those between MinVersion and MaxVersion.
func rangeVersions(f form, t model.LaunchTemplate, sels []string) ([]ltVersion, error) {
	if len(sels) > 0 {
		return pickVersions(t, sels), nil
	}
	lo, err := f.int64Or("MinVersion", 0)
	if err != nil {
		return nil, err
	}
	hi, err := f.int64Or("MaxVersion", 1<<62)
	if err != nil {
		return nil, err
	}
	var out []ltVersion
	for _, v := range t.Versions {
		if v.Number >= lo && v.Number <= hi {
			out = append(out, ltVersion{t, v})
		}
	}
	return out, nil
}

// Launching from a template.

// applyLaunchTemplate merges the version of the template that a
// RunInstances call names (LaunchTemplate.LaunchTemplateId or
// .LaunchTemplateName, .Version) into the call's parameters: each
// parameter the call gives overrides the template's. It returns the tags
// AWS puts on instances launched from a template, or nil without one.
// A template's one primary network interface (device index 0) gives the
// launch its subnet, groups and address; a call that also gives an
// instance-level subnet or groups is refused as AWS refuses network
// interfaces beside them.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — LaunchTemplate: any additional parameters that you specify for the new instance overwrite the corresponding parameters included in the launch template
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-launch-templates.html — instances launched from a template get the aws:ec2launchtemplate:id and aws:ec2launchtemplate:version tags
func (h *Handler) applyLaunchTemplate(c *call) (map[string]string, error) {
	if !c.form.has("LaunchTemplate.LaunchTemplateId") && !c.form.has("LaunchTemplate.LaunchTemplateName") {
		if c.form.has("LaunchTemplate.Version") {
			return nil, errMissing("LaunchTemplate.LaunchTemplateId")
		}
		return nil, nil
	}
	t, err := h.findLaunchTemplate(c, "LaunchTemplate.")
	if err != nil {
		return nil, err
	}
	n, err := resolveVersion(t, c.form.str("LaunchTemplate.Version"))
	if err != nil {
		return nil, err
	}
	v, _ := t.Version(n)
	f := maps.Clone(c.form)
	d := v.Data
	scalar := map[string]string{"ImageId": d.ImageID, "InstanceType": d.InstanceType, "KeyName": d.KeyName, "UserData": d.UserData,
		"InstanceInitiatedShutdownBehavior": d.ShutdownBehavior}
	if d.DisableAPITermination != nil {
		scalar["DisableApiTermination"] = strconv.FormatBool(*d.DisableAPITermination)
	}
	for k, val := range scalar {
		if val != "" && !f.has(k) {
			f[k] = []string{val}
		}
	}
	if err := mergeNetwork(f, d); err != nil {
		return nil, err
	}
	mergeTagSpecs(f, d.Tags)
	c.form = f
	return map[string]string{"aws:ec2launchtemplate:id": t.ID, "aws:ec2launchtemplate:version": strconv.FormatInt(n, 10)}, nil
}

// mergeNetwork puts the template's groups and primary interface into the
// call's parameters where the call gives none of its own.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — NetworkInterface.N: you cannot specify this option and the SubnetId or SecurityGroupId.N options in the same request
func mergeNetwork(f form, d model.LaunchData) error {
	callNICs := len(f.indices("NetworkInterface")) > 0
	callGroups := len(f.indices("SecurityGroupId")) > 0 || len(f.indices("SecurityGroup")) > 0
	if len(d.Interfaces) == 0 || callNICs {
		if !callGroups && !callNICs {
			setList(f, "SecurityGroupId", d.SecurityGroupIDs)
			setList(f, "SecurityGroup", d.SecurityGroupNames)
		}
		return nil
	}
	if f.has("SubnetId") {
		return &apiError{Code: "InvalidParameterCombination", Status: http.StatusBadRequest,
			Message: "Network interfaces and an instance-level subnet ID may not be specified on the same request"}
	}
	if callGroups {
		return &apiError{Code: "InvalidParameterCombination", Status: http.StatusBadRequest,
			Message: "Network interfaces and an instance-level security groups may not be specified on the same request"}
	}
	if len(d.Interfaces) != 1 || d.Interfaces[0].DeviceIndex != 0 || d.Interfaces[0].NetworkInterfaceID != "" {
		return errInvalid("cloudmock launches from a template with one new network interface at device index 0 only; this template has %s.", strconv.Itoa(len(d.Interfaces)))
	}
	ni := d.Interfaces[0]
	if ni.SubnetID != "" {
		f["SubnetId"] = []string{ni.SubnetID}
	}
	if ni.PrivateIP != "" && !f.has("PrivateIpAddress") {
		f["PrivateIpAddress"] = []string{ni.PrivateIP}
	}
	setList(f, "SecurityGroupId", ni.GroupIDs)
	return nil
}

// setList sets prefix.1..N to values.
func setList(f form, prefix string, values []string) {
	for i, v := range values {
		f[prefix+"."+strconv.Itoa(i+1)] = []string{v}
	}
}

// mergeTagSpecs adds the template's tag specifications for the resource
// types the call does not tag itself.
func mergeTagSpecs(f form, tags map[string]map[string]string) {
	given := map[string]bool{}
	idx := f.indices("TagSpecification")
	for _, i := range idx {
		given[f.str("TagSpecification."+strconv.Itoa(i)+".ResourceType")] = true
	}
	next := 1
	if len(idx) > 0 {
		next = idx[len(idx)-1] + 1
	}
	for _, rt := range slices.Sorted(maps.Keys(tags)) {
		if given[rt] || rt != "instance" {
			// Only instances are tagged at launch here (no volumes; the
			// primary interface's own tags are not modelled).
			continue
		}
		p := "TagSpecification." + strconv.Itoa(next)
		f[p+".ResourceType"] = []string{rt}
		for j, k := range slices.Sorted(maps.Keys(tags[rt])) {
			q := p + ".Tag." + strconv.Itoa(j+1)
			f[q+".Key"], f[q+".Value"] = []string{k}, []string{tags[rt][k]}
		}
		next++
	}
}
