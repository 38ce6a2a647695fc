package model

import (
	"errors"
	"reflect"
	"testing"
)

// A launch template keeps its versions, default and latest through a
// snapshot; version numbers are never given twice; the default version
// cannot be deleted.
func TestLaunchTemplateVersionsAndSnapshot(t *testing.T) {
	c := New()
	c.AddAccount(Account{ID: acct})
	no := false
	lt, err := c.CreateLaunchTemplate(acct, "us-east-1", "web", "first", LaunchData{ImageID: "ami-1", DisableAPITermination: &no,
		Interfaces: []LaunchInterface{{SubnetID: "subnet-1", GroupIDs: []string{"sg-1"}}}}, map[string]string{"team": "net"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLaunchTemplate(acct, "us-east-1", "web", "", LaunchData{ImageID: "ami-1"}, nil); CodeOf(err) != CodeAlreadyExists {
		t.Fatalf("same name again: %v", err)
	}
	if _, err := c.CreateLaunchTemplate(acct, "eu-west-1", "web", "", LaunchData{ImageID: "ami-1"}, nil); err != nil {
		t.Fatalf("same name in another region: %v", err)
	}
	for range 2 {
		if _, _, err := c.CreateLaunchTemplateVersion(acct, lt.ID, 1, "", func(src LaunchData) (LaunchData, error) {
			src.InstanceType = "t3.large"
			return src, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	_, res, err := c.DeleteLaunchTemplateVersions(acct, lt.ID, []int64{3, 1, 7})
	if err != nil || res[3] != nil || !errors.Is(res[1], ErrVersionDefault) || !errors.Is(res[7], ErrVersionMissing) {
		t.Fatalf("delete versions: %v %v", res, err)
	}
	_, v, err := c.CreateLaunchTemplateVersion(acct, lt.ID, 0, "", func(LaunchData) (LaunchData, error) { return LaunchData{ImageID: "ami-2"}, nil })
	if err != nil || v.Number != 4 {
		t.Fatalf("next version %d (%v), want 4", v.Number, err)
	}
	before, _ := c.LaunchTemplate(acct, lt.ID)
	if before.LatestVersion != 4 || len(before.Versions) != 3 || before.Versions[1].Data.InstanceType != "t3.large" || before.Versions[1].Data.ImageID != "ami-1" {
		t.Fatalf("template %+v", before)
	}
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := New()
	if err := r.Restore(b); err != nil {
		t.Fatal(err)
	}
	after, err := r.LaunchTemplate(acct, lt.ID)
	if err != nil || !reflect.DeepEqual(before, after) {
		t.Fatalf("restored %+v (%v), want %+v", after, err, before)
	}
	if _, err := r.DeleteLaunchTemplate(acct, lt.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.LaunchTemplateNamed(acct, "us-east-1", "web"); CodeOf(err) != CodeNotFound {
		t.Fatalf("deleted template found: %v", err)
	}
}
