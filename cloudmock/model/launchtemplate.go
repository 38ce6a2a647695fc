package model

import (
	"maps"
	"slices"
	"time"
)

// Launch templates: named, versioned sets of launch parameters of an
// account in one region, that a launch names instead of (or beside) its
// own parameters. The model stores them and their versions; the
// front-end resolves version selectors and merges a version's data with
// the parameters of a launch, as its provider documents.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-launch-templates.html — a launch template has versions, a default version and a latest version

// KindLaunchTemplate is a launch template.
const KindLaunchTemplate Kind = "launch-template"

// LaunchTemplate is a named, versioned set of launch parameters.
type LaunchTemplate struct {
	ID             string
	Meta           `json:"-"` // scope, name and handle (names.go)
	Account        string
	Region         string
	Name           string // unique in the account and region
	CreateTime     time.Time
	DefaultVersion int64
	// LatestVersion is the highest version number the template holds.
	LatestVersion int64
	// Made counts the versions ever made: the next is Made+1, so that a
	// deleted version's number is never given again.
	Made     int64
	Versions []LaunchTemplateVersion // by rising number
	Tags     map[string]string
}

// LaunchTemplateVersion is one version of a launch template.
type LaunchTemplateVersion struct {
	Number      int64
	Description string
	CreateTime  time.Time
	Data        LaunchData
}

// LaunchData is the launch parameters a template version holds; every
// field is optional.
type LaunchData struct {
	ImageID            string
	InstanceType       string
	KeyName            string
	UserData           string
	SecurityGroupIDs   []string
	SecurityGroupNames []string
	Interfaces         []LaunchInterface
	// DisableAPITermination and ShutdownBehavior are set on the
	// instances launched (InstanceAttributes).
	DisableAPITermination *bool
	ShutdownBehavior      string
	// Tags are the tags given to what a launch creates, by resource type
	// (instance, volume, network-interface).
	Tags map[string]map[string]string
}

// LaunchInterface is one network interface of a launch.
type LaunchInterface struct {
	DeviceIndex         int
	SubnetID            string
	NetworkInterfaceID  string
	Description         string
	PrivateIP           string
	GroupIDs            []string
	AssociatePublicIP   *bool
	DeleteOnTermination *bool
}

// IsEmpty reports whether no launch parameter is set.
func (d LaunchData) IsEmpty() bool {
	return d.ImageID == "" && d.InstanceType == "" && d.KeyName == "" && d.UserData == "" && len(d.SecurityGroupIDs) == 0 &&
		len(d.SecurityGroupNames) == 0 && len(d.Interfaces) == 0 && d.DisableAPITermination == nil && d.ShutdownBehavior == "" && len(d.Tags) == 0
}

func (d LaunchData) clone() LaunchData {
	out := d
	out.SecurityGroupIDs = slices.Clone(d.SecurityGroupIDs)
	out.SecurityGroupNames = slices.Clone(d.SecurityGroupNames)
	out.Interfaces = make([]LaunchInterface, 0, len(d.Interfaces))
	for _, i := range d.Interfaces {
		i.GroupIDs = slices.Clone(i.GroupIDs)
		out.Interfaces = append(out.Interfaces, i)
	}
	if len(d.Interfaces) == 0 {
		out.Interfaces = nil
	}
	if d.Tags != nil {
		out.Tags = map[string]map[string]string{}
		for k, v := range d.Tags {
			out.Tags[k] = maps.Clone(v)
		}
	}
	return out
}

// Version returns the version with the given number.
func (t LaunchTemplate) Version(n int64) (LaunchTemplateVersion, bool) {
	for _, v := range t.Versions {
		if v.Number == n {
			return v, true
		}
	}
	return LaunchTemplateVersion{}, false
}

func (t *LaunchTemplate) ref() ref { return ref{KindLaunchTemplate, t.ID, t.Account} }

func (t *LaunchTemplate) copy(c *Cloud) LaunchTemplate {
	out := *t
	out.Meta = c.metaLocked(t.ID)
	out.Versions = make([]LaunchTemplateVersion, 0, len(t.Versions))
	for _, v := range t.Versions {
		v.Data = v.Data.clone()
		out.Versions = append(out.Versions, v)
	}
	out.Tags = c.tagsLocked(t.ID)
	return out
}

// launchTemplateNamedLocked returns the account's template of a name in a
// region.
func (c *Cloud) launchTemplateNamedLocked(account, region, name string) (*LaunchTemplate, bool) {
	for _, t := range c.lts {
		if t.Account == account && t.Region == region && t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// CreateLaunchTemplate makes a launch template in a region with its
// first version, which is its default and latest. The name must be free
// in the account and region (CodeAlreadyExists).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html — the first version is the default version
func (c *Cloud) CreateLaunchTemplate(account, region, name, description string, data LaunchData, tags map[string]string) (LaunchTemplate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, taken := c.launchTemplateNamedLocked(account, region, name); taken {
		return LaunchTemplate{}, errf(CodeAlreadyExists, KindLaunchTemplate, name, "the launch template name '%s' is already in use", name)
	}
	id, err := c.newIDLocked(account, KindLaunchTemplate, Place{Region: region})
	if err != nil {
		return LaunchTemplate{}, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	t := &LaunchTemplate{ID: id, Account: account, Region: region, Name: name, CreateTime: now, DefaultVersion: 1, LatestVersion: 1, Made: 1,
		Versions: []LaunchTemplateVersion{{Number: 1, Description: description, CreateTime: now, Data: data.clone()}}}
	c.lts.put(t)
	c.registerAtLocked(KindLaunchTemplate, id, account, Place{Region: region}, tags)
	return t.copy(c), nil
}

// LaunchTemplates returns the account's launch templates, sorted by ID.
func (c *Cloud) LaunchTemplates(account string) []LaunchTemplate {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.lts.list(c, account)
}

// LaunchTemplate returns one of the account's launch templates.
func (c *Cloud) LaunchTemplate(account, id string) (LaunchTemplate, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.lts.one(c, account, id)
}

// LaunchTemplateNamed returns the account's launch template of a name in a
// region.
func (c *Cloud) LaunchTemplateNamed(account, region, name string) (LaunchTemplate, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.launchTemplateNamedLocked(account, region, name)
	if !ok {
		return LaunchTemplate{}, errf(CodeNotFound, KindLaunchTemplate, name, "the launch template named '%s' does not exist", name)
	}
	return t.copy(c), nil
}

// CreateLaunchTemplateVersion adds a version to a template, numbered one
// past the last ever made. With a source version (non-zero) build gets
// that version's data to start from, else empty data; a missing source is
// CodeNotFound of KindLaunchTemplateVersion.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html — SourceVersion: the new version inherits the source's parameters except those given
func (c *Cloud) CreateLaunchTemplateVersion(account, id string, source int64, description string, build func(LaunchData) (LaunchData, error)) (LaunchTemplate, LaunchTemplateVersion, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.lts.get(account, id)
	if err != nil {
		return LaunchTemplate{}, LaunchTemplateVersion{}, err
	}
	var base LaunchData
	if source != 0 {
		v, ok := t.copy(c).Version(source)
		if !ok {
			return LaunchTemplate{}, LaunchTemplateVersion{}, versionNotFound(id, source)
		}
		base = v.Data
	}
	data, err := build(base)
	if err != nil {
		return LaunchTemplate{}, LaunchTemplateVersion{}, err
	}
	t.Made++
	v := LaunchTemplateVersion{Number: t.Made, Description: description, CreateTime: time.Now().UTC().Truncate(time.Second), Data: data.clone()}
	t.Versions = append(t.Versions, v)
	t.LatestVersion = t.Made
	c.emitLocked(KindLaunchTemplate, OpUpdate, id, account)
	return t.copy(c), v, nil
}

// KindLaunchTemplateVersion is a version of a launch template, in errors.
const KindLaunchTemplateVersion Kind = "launch-template-version"

func versionNotFound(id string, n int64) *Error {
	return errf(CodeNotFound, KindLaunchTemplateVersion, id, "the launch template version %d of '%s' does not exist", n, id)
}

// SetDefaultLaunchTemplateVersion makes an existing version the default.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyLaunchTemplate.html — DefaultVersion
func (c *Cloud) SetDefaultLaunchTemplateVersion(account, id string, n int64) (LaunchTemplate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.lts.get(account, id)
	if err != nil {
		return LaunchTemplate{}, err
	}
	if _, ok := t.copy(c).Version(n); !ok {
		return LaunchTemplate{}, versionNotFound(id, n)
	}
	t.DefaultVersion = n
	c.emitLocked(KindLaunchTemplate, OpUpdate, id, account)
	return t.copy(c), nil
}

// DeleteLaunchTemplate deletes a template and all its versions.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplate.html — deletes a launch template and all of its versions
func (c *Cloud) DeleteLaunchTemplate(account, id string) (LaunchTemplate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.lts.get(account, id)
	if err != nil {
		return LaunchTemplate{}, err
	}
	out := t.copy(c)
	delete(c.lts, id)
	c.forgetLocked(KindLaunchTemplate, id, account)
	return out, nil
}

// Errors DeleteLaunchTemplateVersions gives for one version it did not
// delete.
var (
	ErrVersionMissing = errf(CodeNotFound, KindLaunchTemplateVersion, "", "the launch template version does not exist")
	ErrVersionDefault = errf(CodeCannotDelete, KindLaunchTemplateVersion, "", "the default version of a launch template cannot be deleted")
)

// DeleteLaunchTemplateVersions deletes versions of a template other than
// its default; it answers, for each version asked for, nil or why it was
// not deleted (ErrVersionMissing, ErrVersionDefault). The latest version
// becomes the highest left.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html — you can't delete the default version; delete the template instead
func (c *Cloud) DeleteLaunchTemplateVersions(account, id string, versions []int64) (LaunchTemplate, map[int64]error, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.lts.get(account, id)
	if err != nil {
		return LaunchTemplate{}, nil, err
	}
	out := map[int64]error{}
	for _, n := range versions {
		k := slices.IndexFunc(t.Versions, func(v LaunchTemplateVersion) bool { return v.Number == n })
		switch {
		case k < 0:
			out[n] = ErrVersionMissing
		case n == t.DefaultVersion:
			out[n] = ErrVersionDefault
		default:
			t.Versions = slices.Delete(t.Versions, k, k+1)
			out[n] = nil
		}
	}
	t.LatestVersion = t.Versions[len(t.Versions)-1].Number
	c.emitLocked(KindLaunchTemplate, OpUpdate, id, account)
	return t.copy(c), out, nil
}
