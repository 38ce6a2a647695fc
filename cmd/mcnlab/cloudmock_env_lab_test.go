package main

import (
	"slices"
	"testing"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestCloudmockEnvLab: in a deployed cloud lab, a user who evals what
// `mcnlab cloudmock env` prints lists the lab's VPCs with plain `aws ec2
// describe-vpcs`, from an environment with no AWS set-up of its own, with
// --lab and, as the only lab, without it.
func TestCloudmockEnvLab(t *testing.T) {
	lab := deployCloudLab(t, "testdata/aws-edge.yaml", "cme")
	bin := roottest.MCNLab(t)
	want := []string{"app-vpc", "transit-vpc"}
	for _, env := range []string{bin + " cloudmock env --lab " + lab, bin + " cloudmock env"} {
		script := `set -e; eval "$(` + env + `)"; aws ec2 describe-vpcs --output json`
		if got := vpcNames(t, cleanAWSEnv(t), script); !slices.Equal(got, want) {
			t.Errorf("eval \"$(%s)\"; aws ec2 describe-vpcs lists the VPCs named %q; want the lab's %q", env, got, want)
		}
	}
}
