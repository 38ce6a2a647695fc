package aws_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ltFixture is a VPC, a subnet and a group, and a template "web" whose
// version 1 launches into them with a Name tag.
type ltFixture struct {
	l          *lab
	sub, group string
	lt         types.LaunchTemplate
}

func newLTFixture(t *testing.T) ltFixture {
	l := newLab(t)
	vpc := mkVpc(t, l.a, "10.0.0.0/16", "x")
	sub := mkSubnet(t, l.a, *vpc.VpcId, "10.0.1.0/24")
	sg := must[*ec2.CreateSecurityGroupOutput](t)(l.a.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("web"),
		Description: sdkaws.String("web"), VpcId: vpc.VpcId}))
	out := must[*ec2.CreateLaunchTemplateOutput](t)(l.a.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: sdkaws.String("web"), VersionDescription: sdkaws.String("first"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: sdkaws.String("ami-12345678"), InstanceType: types.InstanceTypeT3Micro,
			NetworkInterfaces: []types.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{DeviceIndex: sdkaws.Int32(0), SubnetId: sub.SubnetId,
				Groups: []string{*sg.GroupId}, AssociatePublicIpAddress: sdkaws.Bool(false)}},
			TagSpecifications: []types.LaunchTemplateTagSpecificationRequest{{ResourceType: types.ResourceTypeInstance,
				Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("web")}}}}},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeLaunchTemplate,
			Tags: []types.Tag{{Key: sdkaws.String("team"), Value: sdkaws.String("net")}}}}}))
	return ltFixture{l: l, sub: *sub.SubnetId, group: *sg.GroupId, lt: *out.LaunchTemplate}
}

// CreateLaunchTemplate answers the template (version 1 default and
// latest, the creator, the tags); names are unique, shaped, and a
// template needs data, with AWS's codes.
func TestCreateLaunchTemplate(t *testing.T) {
	fx := newLTFixture(t)
	l, lt := fx.l, fx.lt
	if sdkaws.ToInt64(lt.DefaultVersionNumber) != 1 || sdkaws.ToInt64(lt.LatestVersionNumber) != 1 || sdkaws.ToString(lt.LaunchTemplateName) != "web" ||
		sdkaws.ToString(lt.CreatedBy) != "arn:aws:iam::"+credA.AccountID+":root" || len(lt.Tags) != 1 || lt.CreateTime == nil {
		t.Fatalf("created %+v", lt)
	}
	data := &types.RequestLaunchTemplateData{ImageId: sdkaws.String("ami-12345678")}
	_, err := l.a.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdkaws.String("web"), LaunchTemplateData: data})
	wantAPIErrorMessage(t, err, "InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
	_, err = l.a.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdkaws.String("bad name"), LaunchTemplateData: data})
	wantAPIError(t, err, "InvalidLaunchTemplateName.MalformedException")
	_, err = l.a.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdkaws.String("empty"), LaunchTemplateData: &types.RequestLaunchTemplateData{}})
	wantAPIError(t, err, "MissingParameter")
	_, err = l.a.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdkaws.String("iam"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: sdkaws.String("ami-12345678"),
			IamInstanceProfile: &types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: sdkaws.String("p")}}})
	wantAPIError(t, err, "InvalidParameterValue")
	// Another account may use the same name.
	must[*ec2.CreateLaunchTemplateOutput](t)(l.b.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdkaws.String("web"), LaunchTemplateData: data}))
}

// A version made from a source version inherits what it does not give;
// Describe picks versions by number, $Latest, $Default, range and filter;
// ModifyLaunchTemplate moves the default; DeleteLaunchTemplateVersions
// keeps the default and reports each version it did not delete.
func TestLaunchTemplateVersions(t *testing.T) {
	fx := newLTFixture(t)
	l, id := fx.l, fx.lt.LaunchTemplateId
	v2 := must[*ec2.CreateLaunchTemplateVersionOutput](t)(l.a.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId: id, SourceVersion: sdkaws.String("1"), VersionDescription: sdkaws.String("bigger"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{InstanceType: types.InstanceTypeT3Large}})).LaunchTemplateVersion
	if sdkaws.ToInt64(v2.VersionNumber) != 2 || sdkaws.ToBool(v2.DefaultVersion) || v2.LaunchTemplateData.InstanceType != types.InstanceTypeT3Large ||
		sdkaws.ToString(v2.LaunchTemplateData.ImageId) != "ami-12345678" || len(v2.LaunchTemplateData.NetworkInterfaces) != 1 ||
		sdkaws.ToString(v2.LaunchTemplateData.NetworkInterfaces[0].SubnetId) != fx.sub || v2.LaunchTemplateData.NetworkInterfaces[0].Groups[0] != fx.group {
		t.Fatalf("version 2 %+v", v2)
	}
	v3 := must[*ec2.CreateLaunchTemplateVersionOutput](t)(l.a.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateName: sdkaws.String("web"), LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: sdkaws.String("ami-87654321")}})).LaunchTemplateVersion
	if sdkaws.ToInt64(v3.VersionNumber) != 3 || v3.LaunchTemplateData.InstanceType != "" || len(v3.LaunchTemplateData.NetworkInterfaces) != 0 {
		t.Fatalf("version 3 without a source inherits nothing: %+v", v3.LaunchTemplateData)
	}
	_, err := l.a.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: id, SourceVersion: sdkaws.String("9"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{InstanceType: types.InstanceTypeT3Large}})
	wantAPIError(t, err, "InvalidLaunchTemplateId.VersionNotFound")

	versions := func(in *ec2.DescribeLaunchTemplateVersionsInput) []int64 {
		t.Helper()
		out := must[*ec2.DescribeLaunchTemplateVersionsOutput](t)(l.a.DescribeLaunchTemplateVersions(ctx, in))
		var ns []int64
		for _, v := range out.LaunchTemplateVersions {
			ns = append(ns, sdkaws.ToInt64(v.VersionNumber))
		}
		return ns
	}
	wantNs := func(what string, got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: versions %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: versions %v, want %v", what, got, want)
			}
		}
	}
	wantNs("all", versions(&ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: id}), 1, 2, 3)
	wantNs("$Latest", versions(&ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: id, Versions: []string{"$Latest"}}), 3)
	wantNs("$Default", versions(&ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: sdkaws.String("web"), Versions: []string{"$Default"}}), 1)
	wantNs("range", versions(&ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: id, MinVersion: sdkaws.String("2"), MaxVersion: sdkaws.String("3")}), 2, 3)
	wantNs("instance-type", versions(&ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: id, Filters: []types.Filter{filter("instance-type", "t3.*")}}), 1, 2)
	wantNs("is-default-version", versions(&ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: id, Filters: []types.Filter{filter("is-default-version", "true")}}), 1)
	wantNs("image-id", versions(&ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: id, Filters: []types.Filter{filter("image-id", "ami-8*")}}), 3)
	wantNs("all templates' latest", versions(&ec2.DescribeLaunchTemplateVersionsInput{Versions: []string{"$Latest"}}), 3)
	_, err = l.a.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: id, Filters: []types.Filter{filter("bogus", "x")}})
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = l.a.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: id, Versions: []string{"7"}})
	wantAPIError(t, err, "InvalidLaunchTemplateId.VersionNotFound")

	m := must[*ec2.ModifyLaunchTemplateOutput](t)(l.a.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: id, DefaultVersion: sdkaws.String("2")}))
	if sdkaws.ToInt64(m.LaunchTemplate.DefaultVersionNumber) != 2 || sdkaws.ToInt64(m.LaunchTemplate.LatestVersionNumber) != 3 {
		t.Fatalf("after modify: %+v", m.LaunchTemplate)
	}
	_, err = l.a.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: id, DefaultVersion: sdkaws.String("666")})
	wantAPIError(t, err, "InvalidLaunchTemplateId.VersionNotFound")

	del := must[*ec2.DeleteLaunchTemplateVersionsOutput](t)(l.a.DeleteLaunchTemplateVersions(ctx, &ec2.DeleteLaunchTemplateVersionsInput{
		LaunchTemplateId: id, Versions: []string{"3", "2", "9"}}))
	if len(del.SuccessfullyDeletedLaunchTemplateVersions) != 1 || sdkaws.ToInt64(del.SuccessfullyDeletedLaunchTemplateVersions[0].VersionNumber) != 3 ||
		len(del.UnsuccessfullyDeletedLaunchTemplateVersions) != 2 ||
		del.UnsuccessfullyDeletedLaunchTemplateVersions[1].ResponseError.Code != types.LaunchTemplateErrorCodeLaunchTemplateVersionDoesNotExist {
		t.Fatalf("delete versions: %+v", del)
	}
	d := must[*ec2.DescribeLaunchTemplatesOutput](t)(l.a.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{*id}}))
	if sdkaws.ToInt64(d.LaunchTemplates[0].LatestVersionNumber) != 2 {
		t.Fatalf("latest after deleting 3: %+v", d.LaunchTemplates[0])
	}
	v4 := must[*ec2.CreateLaunchTemplateVersionOutput](t)(l.a.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId: id, LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: sdkaws.String("ami-87654321")}})).LaunchTemplateVersion
	if sdkaws.ToInt64(v4.VersionNumber) != 4 {
		t.Fatalf("a deleted version's number is given again: %d", sdkaws.ToInt64(v4.VersionNumber))
	}
}

// DescribeLaunchTemplates by ID, by name and by every documented filter;
// DeleteLaunchTemplate; AWS's not-found answers.
func TestDescribeDeleteLaunchTemplates(t *testing.T) {
	fx := newLTFixture(t)
	l, id := fx.l, *fx.lt.LaunchTemplateId
	must[*ec2.CreateLaunchTemplateOutput](t)(l.a.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdkaws.String("db1"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: sdkaws.String("ami-12345678")}}))
	names := func(fs ...types.Filter) []string {
		t.Helper()
		out := must[*ec2.DescribeLaunchTemplatesOutput](t)(l.a.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{Filters: fs}))
		var ns []string
		for _, lt := range out.LaunchTemplates {
			ns = append(ns, *lt.LaunchTemplateName)
		}
		return ns
	}
	for _, c := range []struct {
		f    types.Filter
		want string
	}{{filter("launch-template-name", "w*"), "web"}, {filter("tag:team", "net"), "web"}, {filter("tag-key", "team"), "web"},
		{filter("create-time", fx.lt.CreateTime.UTC().Format("2006-01-02T15:04:05.000Z")), "db1 web"}} {
		got := names(c.f)
		if s := strings.Join(got, " "); s != c.want && !(c.want == "db1 web" && s == "web db1") {
			t.Errorf("filter %s=%v: %v, want %s", *c.f.Name, c.f.Values, got, c.want)
		}
	}
	_, err := l.a.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{Filters: []types.Filter{filter("image-id", "x")}})
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = l.a.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"nope"}})
	wantAPIErrorMessage(t, err, "InvalidLaunchTemplateName.NotFoundException", "At least one of the launch templates specified in the request does not exist.")
	_, err = l.a.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{"lt-0123456789abcdef0"}})
	wantAPIErrorMessage(t, err, "InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID lt-0123456789abcdef0, does not exist.")
	_, err = l.a.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{"lt-zz"}})
	wantAPIError(t, err, "InvalidLaunchTemplateId.Malformed")
	// Account B does not see A's template.
	_, err = l.b.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: &id})
	wantAPIError(t, err, "InvalidLaunchTemplateId.NotFound")

	del := must[*ec2.DeleteLaunchTemplateOutput](t)(l.a.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: sdkaws.String("web")}))
	if *del.LaunchTemplate.LaunchTemplateId != id {
		t.Fatalf("deleted %+v", del.LaunchTemplate)
	}
	_, err = l.a.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: sdkaws.String("web")})
	wantAPIErrorMessage(t, err, "InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name web, does not exist.")
	if got := names(); len(got) != 1 || got[0] != "db1" {
		t.Fatalf("after delete: %v", got)
	}
}

// RunInstances from a template (by name or ID, default, $Latest or a
// number) launches with the template's image, type, subnet, groups and
// tags, plus aws:ec2launchtemplate:*; the call's own parameters override;
// an instance-level subnet beside the template's interfaces is refused.
func TestRunInstancesFromLaunchTemplate(t *testing.T) {
	fx := newLTFixture(t)
	l, id := fx.l, fx.lt.LaunchTemplateId
	must[*ec2.CreateLaunchTemplateVersionOutput](t)(l.a.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId: id, SourceVersion: sdkaws.String("$Latest"), LaunchTemplateData: &types.RequestLaunchTemplateData{InstanceType: types.InstanceTypeT3Large}}))

	run := func(spec types.LaunchTemplateSpecification, extra func(*ec2.RunInstancesInput)) types.Instance {
		t.Helper()
		in := &ec2.RunInstancesInput{MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), LaunchTemplate: &spec}
		if extra != nil {
			extra(in)
		}
		return must[*ec2.RunInstancesOutput](t)(l.a.RunInstances(ctx, in)).Instances[0]
	}
	tags := func(i types.Instance) map[string]string {
		m := map[string]string{}
		for _, tg := range describeOne(t, l.a, *i.InstanceId).Tags {
			m[*tg.Key] = *tg.Value
		}
		return m
	}
	i := run(types.LaunchTemplateSpecification{LaunchTemplateName: sdkaws.String("web")}, nil)
	tg := tags(i)
	if i.InstanceType != types.InstanceTypeT3Micro || sdkaws.ToString(i.ImageId) != "ami-12345678" || sdkaws.ToString(i.SubnetId) != fx.sub ||
		len(i.SecurityGroups) != 1 || *i.SecurityGroups[0].GroupId != fx.group || tg["Name"] != "web" ||
		tg["aws:ec2launchtemplate:id"] != *id || tg["aws:ec2launchtemplate:version"] != "1" {
		t.Fatalf("from the default version: %+v tags %v", i, tg)
	}
	i = run(types.LaunchTemplateSpecification{LaunchTemplateId: id, Version: sdkaws.String("$Latest")}, nil)
	if i.InstanceType != types.InstanceTypeT3Large || tags(i)["aws:ec2launchtemplate:version"] != "2" {
		t.Fatalf("from $Latest: %s %v", i.InstanceType, tags(i))
	}
	i = run(types.LaunchTemplateSpecification{LaunchTemplateId: id, Version: sdkaws.String("2")}, func(in *ec2.RunInstancesInput) {
		in.InstanceType = types.InstanceTypeC5Large
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("own")}}}}
	})
	if i.InstanceType != types.InstanceTypeC5Large || tags(i)["Name"] != "own" {
		t.Fatalf("the call's own parameters override: %s %v", i.InstanceType, tags(i))
	}
	_, err := l.a.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), SubnetId: &fx.sub,
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: id}})
	wantAPIErrorMessage(t, err, "InvalidParameterCombination", "Network interfaces and an instance-level subnet ID may not be specified on the same request")
	_, err = l.a.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateId: id, Version: sdkaws.String("5")}})
	wantAPIError(t, err, "InvalidLaunchTemplateId.VersionNotFound")
	_, err = l.a.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
		LaunchTemplate: &types.LaunchTemplateSpecification{LaunchTemplateName: sdkaws.String("nope")}})
	wantAPIErrorMessage(t, err, "InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name nope, does not exist.")
}

// awsCLI runs the AWS CLI's ec2 commands against the lab as account A; a
// missing CLI fails the test in CI (roottest.Missing).
func awsCLI(t *testing.T, l *lab) func(args ...string) (string, error) {
	bin := awsCLIPath(t)
	return func(args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), bin, append([]string{"--endpoint-url", l.url, "--output", "json", "ec2"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+credA.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+credA.SecretAccessKey,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// The AWS CLI creates a template from JSON data, adds a version, sets the
// default and launches from it, as the user guide's examples do.
func TestLaunchTemplateCLI(t *testing.T) {
	fx := newLTFixture(t)
	cli := awsCLI(t, fx.l)
	out, err := cli("create-launch-template", "--launch-template-name", "cli", "--version-description", "v1",
		"--launch-template-data", `{"ImageId":"ami-12345678","InstanceType":"t3.micro","NetworkInterfaces":[{"DeviceIndex":0,"SubnetId":"`+fx.sub+`","Groups":["`+fx.group+`"]}]}`)
	if err != nil {
		t.Fatalf("create-launch-template: %v\n%s", err, out)
	}
	var created struct {
		LaunchTemplate struct{ LaunchTemplateId string }
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if out, err = cli("create-launch-template-version", "--launch-template-name", "cli", "--source-version", "1",
		"--launch-template-data", `{"InstanceType":"t3.large"}`); err != nil {
		t.Fatalf("create-launch-template-version: %v\n%s", err, out)
	}
	if out, err = cli("modify-launch-template", "--launch-template-id", created.LaunchTemplate.LaunchTemplateId, "--default-version", "2"); err != nil {
		t.Fatalf("modify-launch-template: %v\n%s", err, out)
	}
	out, err = cli("describe-launch-template-versions", "--launch-template-id", created.LaunchTemplate.LaunchTemplateId, "--versions", "$Default")
	var vs struct {
		LaunchTemplateVersions []struct {
			VersionNumber      int64
			DefaultVersion     bool
			LaunchTemplateData struct{ InstanceType, ImageId string }
		}
	}
	if err != nil || json.Unmarshal([]byte(out), &vs) != nil || len(vs.LaunchTemplateVersions) != 1 || vs.LaunchTemplateVersions[0].VersionNumber != 2 ||
		!vs.LaunchTemplateVersions[0].DefaultVersion || vs.LaunchTemplateVersions[0].LaunchTemplateData.ImageId != "ami-12345678" {
		t.Fatalf("describe-launch-template-versions $Default: %v\n%s", err, out)
	}
	out, err = cli("run-instances", "--launch-template", "LaunchTemplateName=cli", "--count", "1")
	var ran struct {
		Instances []struct{ InstanceType, SubnetId string }
	}
	if err != nil || json.Unmarshal([]byte(out), &ran) != nil || len(ran.Instances) != 1 || ran.Instances[0].InstanceType != "t3.large" || ran.Instances[0].SubnetId != fx.sub {
		t.Fatalf("run-instances --launch-template: %v\n%s", err, out)
	}
	out, err = cli("delete-launch-template", "--launch-template-name", "nope")
	if err == nil || !strings.Contains(out, "InvalidLaunchTemplateName.NotFoundException") {
		t.Fatalf("delete-launch-template of a missing one: %v\n%s", err, out)
	}
}
