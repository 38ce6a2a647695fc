package aws

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Launch templates: create, version, describe, modify and delete.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-launch-templates.html — launch templates and their versions

func init() {
	register("CreateLaunchTemplate", createLaunchTemplate)
	register("CreateLaunchTemplateVersion", createLaunchTemplateVersion)
	register("DescribeLaunchTemplates", describeLaunchTemplates)
	register("DescribeLaunchTemplateVersions", describeLaunchTemplateVersions)
	register("ModifyLaunchTemplate", modifyLaunchTemplate)
	register("DeleteLaunchTemplate", deleteLaunchTemplate)
	register("DeleteLaunchTemplateVersions", deleteLaunchTemplateVersions)
}

// ltName is a launch template name's shape.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html — LaunchTemplateName: 3 to 128 characters, pattern [a-zA-Z0-9\(\)\.\-/_]+
var ltName = regexp.MustCompile(`^[a-zA-Z0-9().\-/_]{3,128}$`)

// errLTNameMalformed is EC2's answer to a name not of that shape.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidLaunchTemplateName.MalformedException
func errLTNameMalformed() *apiError {
	return &apiError{Code: "InvalidLaunchTemplateName.MalformedException", Status: http.StatusBadRequest,
		Message: "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'"}
}

// launchTemplateError maps the model's launch template errors to EC2's.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html — InvalidLaunchTemplateId.NotFound, InvalidLaunchTemplateName.NotFoundException, InvalidLaunchTemplateId.VersionNotFound, InvalidLaunchTemplateName.AlreadyExistsException
func launchTemplateError(me *model.Error) (*apiError, bool) {
	switch {
	case me.Kind == model.KindLaunchTemplate && me.Code == model.CodeAlreadyExists:
		return &apiError{Code: "InvalidLaunchTemplateName.AlreadyExistsException", Message: "Launch template name already in use.", Status: http.StatusBadRequest}, true
	case me.Kind == model.KindLaunchTemplate && me.Code == model.CodeNotFound:
		return errLTNotFound(me.ID), true
	case me.Kind == model.KindLaunchTemplateVersion && me.Code == model.CodeNotFound:
		return &apiError{Code: "InvalidLaunchTemplateId.VersionNotFound", Message: "The specified launch template version does not exist.", Status: http.StatusBadRequest}, true
	}
	return nil, false
}

// errLTNotFound answers a template ID or name that the account does not
// have in the region.
func errLTNotFound(idOrName string) *apiError {
	if wellFormedID(idOrName, "lt") {
		return &apiError{Code: "InvalidLaunchTemplateId.NotFound", Status: http.StatusBadRequest,
			Message: "The specified launch template, with template ID " + clip(idOrName) + ", does not exist."}
	}
	return &apiError{Code: "InvalidLaunchTemplateName.NotFoundException", Status: http.StatusBadRequest,
		Message: "The specified launch template, with template name " + clip(idOrName) + ", does not exist."}
}

// findLaunchTemplate returns the template that the request names by
// LaunchTemplateId or LaunchTemplateName (under prefix), in the call's
// region: one of the two, not both.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyLaunchTemplate.html — you must specify either the launch template ID or the launch template name, but not both
func (h *Handler) findLaunchTemplate(c *call, prefix string) (model.LaunchTemplate, error) {
	id, name := c.form.str(prefix+"LaunchTemplateId"), c.form.str(prefix+"LaunchTemplateName")
	switch {
	case id != "" && name != "":
		return model.LaunchTemplate{}, &apiError{Code: "InvalidParameterCombination", Status: http.StatusBadRequest,
			Message: "Specify either the launch template ID or the launch template name, but not both."}
	case id == "" && name == "":
		return model.LaunchTemplate{}, &apiError{Code: "MissingParameter", Status: http.StatusBadRequest,
			Message: "The request must contain the parameter launchTemplateName or launchTemplateId"}
	case id != "":
		t, err := h.cloud.LaunchTemplate(c.account, id)
		if err != nil || h.regionOf(t.Region) != c.region {
			return model.LaunchTemplate{}, errLTNotFound(id)
		}
		return t, nil
	}
	t, err := h.cloud.LaunchTemplateNamed(c.account, c.region, name)
	if err != nil {
		return model.LaunchTemplate{}, errLTNotFound(name)
	}
	return t, nil
}

// resolveVersion turns a version selector into a number: a number,
// $Latest or $Default; empty is the default.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateSpecification.html — Version: a version number, $Latest or $Default; if none is given, the default version
func resolveVersion(t model.LaunchTemplate, sel string) (int64, error) {
	switch sel {
	case "", "$Default":
		return t.DefaultVersion, nil
	case "$Latest":
		return t.LatestVersion, nil
	}
	n, err := strconv.ParseInt(sel, 10, 64)
	if err != nil || n < 1 {
		return 0, &apiError{Code: "InvalidLaunchTemplateId.VersionNotFound", Message: "The specified launch template version does not exist.", Status: http.StatusBadRequest}
	}
	if _, ok := t.Version(n); !ok {
		return 0, &apiError{Code: "InvalidLaunchTemplateId.VersionNotFound", Message: "The specified launch template version does not exist.", Status: http.StatusBadRequest}
	}
	return n, nil
}

type xmlLaunchTemplate struct {
	CreateTime     string   `xml:"createTime"`
	CreatedBy      string   `xml:"createdBy"`
	DefaultVersion int64    `xml:"defaultVersionNumber"`
	LatestVersion  int64    `xml:"latestVersionNumber"`
	ID             string   `xml:"launchTemplateId"`
	Name           string   `xml:"launchTemplateName"`
	Tags           []xmlTag `xml:"tagSet>item"`
}

type xmlLaunchTemplateVersion struct {
	CreateTime     string        `xml:"createTime"`
	CreatedBy      string        `xml:"createdBy"`
	DefaultVersion bool          `xml:"defaultVersion"`
	Data           xmlLaunchData `xml:"launchTemplateData"`
	ID             string        `xml:"launchTemplateId"`
	Name           string        `xml:"launchTemplateName"`
	Description    string        `xml:"versionDescription,omitempty"`
	Number         int64         `xml:"versionNumber"`
}

// createdBy is the principal that made a template: the account's root
// user, whose keys the lab's credentials are (sts.go).
func createdBy(account string) string { return "arn:aws:iam::" + account + ":root" }

func ec2Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func toXMLLaunchTemplate(t model.LaunchTemplate) xmlLaunchTemplate {
	return xmlLaunchTemplate{CreateTime: ec2Time(t.CreateTime), CreatedBy: createdBy(t.Account), DefaultVersion: t.DefaultVersion,
		LatestVersion: t.LatestVersion, ID: t.ID, Name: t.Name, Tags: tagSet(t.Tags)}
}

func toXMLLaunchTemplateVersion(t model.LaunchTemplate, v model.LaunchTemplateVersion) xmlLaunchTemplateVersion {
	return xmlLaunchTemplateVersion{CreateTime: ec2Time(v.CreateTime), CreatedBy: createdBy(t.Account), DefaultVersion: v.Number == t.DefaultVersion,
		Data: toXMLLaunchData(v.Data), ID: t.ID, Name: t.Name, Description: v.Description, Number: v.Number}
}

type launchTemplateResp struct {
	meta
	Template xmlLaunchTemplate `xml:"launchTemplate"`
}

// createLaunchTemplate makes a template with its first version.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html — LaunchTemplateName, LaunchTemplateData, VersionDescription, TagSpecification.N (launch-template)
func createLaunchTemplate(h *Handler, c *call) (response, error) {
	name, err := c.form.required("LaunchTemplateName")
	if err != nil {
		return nil, err
	}
	if !ltName.MatchString(name) {
		return nil, errLTNameMalformed()
	}
	data, _, err := launchData(c.form)
	if err != nil {
		return nil, err
	}
	// AWS answers a template without any launch parameter MissingParameter.
	if data.IsEmpty() {
		return nil, errMissing("LaunchTemplateData")
	}
	tags, err := c.form.tagSpecs("launch-template")
	if err != nil {
		return nil, err
	}
	t, err := h.cloud.CreateLaunchTemplate(c.account, c.region, name, c.form.str("VersionDescription"), data, tags)
	if err != nil {
		return nil, err
	}
	return &launchTemplateResp{Template: toXMLLaunchTemplate(t)}, nil
}

type launchTemplateVersionResp struct {
	meta
	Version xmlLaunchTemplateVersion `xml:"launchTemplateVersion"`
}

// createLaunchTemplateVersion adds a version, from a source version or
// from nothing.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html — LaunchTemplateId or LaunchTemplateName, SourceVersion, VersionDescription, LaunchTemplateData
func createLaunchTemplateVersion(h *Handler, c *call) (response, error) {
	t, err := h.findLaunchTemplate(c, "")
	if err != nil {
		return nil, err
	}
	req, given, err := launchData(c.form)
	if err != nil {
		return nil, err
	}
	var source int64
	if sel := c.form.str("SourceVersion"); sel != "" {
		if source, err = resolveVersion(t, sel); err != nil {
			return nil, err
		}
	}
	build := func(src model.LaunchData) (model.LaunchData, error) {
		if source == 0 {
			if req.IsEmpty() {
				return req, errMissing("LaunchTemplateData")
			}
			return req, nil
		}
		return mergeLaunchData(src, req, given), nil
	}
	t, v, err := h.cloud.CreateLaunchTemplateVersion(c.account, t.ID, source, c.form.str("VersionDescription"), build)
	if err != nil {
		return nil, err
	}
	return &launchTemplateVersionResp{Version: toXMLLaunchTemplateVersion(t, v)}, nil
}

type describeLaunchTemplatesResp struct {
	meta
	Templates []xmlLaunchTemplate `xml:"launchTemplates>item"`
	NextToken string              `xml:"nextToken,omitempty"`
}

// launchTemplateFields are DescribeLaunchTemplates' filters.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplates.html — create-time, launch-template-name, tag:<key>, tag-key
func launchTemplateFields(t model.LaunchTemplate) fields {
	return withTags(t.Tags, func(name string) ([]string, bool) {
		switch name {
		case "create-time":
			return one(ec2Time(t.CreateTime)), true
		case "launch-template-name":
			return one(t.Name), true
		}
		return nil, false
	})
}

// describeLaunchTemplates lists templates by ID, by name or by filter.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplates.html — LaunchTemplateId.N, LaunchTemplateName.N, Filter.N, MaxResults (1-200), NextToken
func describeLaunchTemplates(h *Handler, c *call) (response, error) {
	all := regional(h, c, h.cloud.LaunchTemplates(c.account), func(t model.LaunchTemplate) string { return t.ID })
	if names := c.form.list("LaunchTemplateName"); len(names) > 0 {
		var picked []model.LaunchTemplate
		for _, n := range names {
			t, err := h.cloud.LaunchTemplateNamed(c.account, c.region, n)
			if err != nil {
				return nil, &apiError{Code: "InvalidLaunchTemplateName.NotFoundException", Status: http.StatusBadRequest,
					Message: "At least one of the launch templates specified in the request does not exist."}
			}
			picked = append(picked, t)
		}
		all = picked
	}
	for _, id := range c.form.list("LaunchTemplateId") {
		if !slices.ContainsFunc(all, func(t model.LaunchTemplate) bool { return t.ID == id }) {
			return nil, errLTNotFound(id)
		}
	}
	page, next, err := selectObjects(c.form, "LaunchTemplateId", all, func(t model.LaunchTemplate) string { return t.ID }, launchTemplateFields)
	if err != nil {
		return nil, err
	}
	return &describeLaunchTemplatesResp{Templates: convertAll(page, toXMLLaunchTemplate), NextToken: next}, nil
}

type modifyLaunchTemplateResp = launchTemplateResp

// modifyLaunchTemplate sets the default version.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyLaunchTemplate.html — SetDefaultVersion (the CLI's --default-version)
func modifyLaunchTemplate(h *Handler, c *call) (response, error) {
	t, err := h.findLaunchTemplate(c, "")
	if err != nil {
		return nil, err
	}
	if sel := c.form.str("SetDefaultVersion"); sel != "" {
		n, err := resolveVersion(t, sel)
		if err != nil {
			return nil, err
		}
		if t, err = h.cloud.SetDefaultLaunchTemplateVersion(c.account, t.ID, n); err != nil {
			return nil, err
		}
	}
	return &modifyLaunchTemplateResp{Template: toXMLLaunchTemplate(t)}, nil
}

// deleteLaunchTemplate deletes a template with all its versions.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplate.html — LaunchTemplateId or LaunchTemplateName; answers the deleted launchTemplate
func deleteLaunchTemplate(h *Handler, c *call) (response, error) {
	t, err := h.findLaunchTemplate(c, "")
	if err != nil {
		return nil, err
	}
	if t, err = h.cloud.DeleteLaunchTemplate(c.account, t.ID); err != nil {
		return nil, err
	}
	return &launchTemplateResp{Template: toXMLLaunchTemplate(t)}, nil
}

type xmlLTDeleted struct {
	ID      string `xml:"launchTemplateId"`
	Name    string `xml:"launchTemplateName"`
	Version int64  `xml:"versionNumber"`
}

type xmlLTNotDeleted struct {
	xmlLTDeleted
	Code    string `xml:"responseError>code"`
	Message string `xml:"responseError>message"`
}

type deleteLTVersionsResp struct {
	meta
	Deleted    []xmlLTDeleted    `xml:"successfullyDeletedLaunchTemplateVersionSet>item"`
	NotDeleted []xmlLTNotDeleted `xml:"unsuccessfullyDeletedLaunchTemplateVersionSet>item"`
}

// deleteLaunchTemplateVersions deletes versions other than the default;
// each version not deleted is answered with its reason, not an error.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html — you can't delete the default version; unsuccessfullyDeletedLaunchTemplateVersionSet
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ResponseError.html — code launchTemplateVersionDoesNotExist | unexpectedError
func deleteLaunchTemplateVersions(h *Handler, c *call) (response, error) {
	t, err := h.findLaunchTemplate(c, "")
	if err != nil {
		return nil, err
	}
	sels := c.form.list("LaunchTemplateVersion")
	if len(sels) == 0 {
		return nil, errMissing("LaunchTemplateVersion")
	}
	r := &deleteLTVersionsResp{}
	var nums []int64
	for _, s := range sels {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, errInvalid("Value (%s) for parameter launchTemplateVersion is invalid. A version number is expected.", s)
		}
		nums = append(nums, n)
	}
	t, res, err := h.cloud.DeleteLaunchTemplateVersions(c.account, t.ID, nums)
	if err != nil {
		return nil, err
	}
	for _, n := range nums {
		item := xmlLTDeleted{ID: t.ID, Name: t.Name, Version: n}
		switch res[n] {
		case nil:
			r.Deleted = append(r.Deleted, item)
		case model.ErrVersionMissing:
			r.NotDeleted = append(r.NotDeleted, xmlLTNotDeleted{xmlLTDeleted: item, Code: "launchTemplateVersionDoesNotExist",
				Message: "Could not find launch template version"})
		default:
			r.NotDeleted = append(r.NotDeleted, xmlLTNotDeleted{xmlLTDeleted: item, Code: "unexpectedError",
				Message: "Cannot delete the default version of a launch template"})
		}
	}
	return r, nil
}
