package gcp_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestGcloud drives the server with gcloud as
// ../shared/background/cloud-clients.md §2.1 describes: the compute
// endpoint overridden, no metadata probe, and a bearer token from a file
// that the server maps to the project.
func TestGcloud(t *testing.T) {
	must, fails, base := gcloudOn(t)
	must("networks", "create", "net2", "--subnet-mode=custom", "--bgp-routing-mode=global")
	must("networks", "subnets", "create", "s2", "--network", "net2", "--region", "us-central1", "--range", "10.2.0.0/24")
	must("firewall-rules", "create", "allow-ssh", "--network", "net2", "--allow", "tcp:22,icmp", "--source-ranges", "0.0.0.0/0", "--target-tags", "web")
	must("routes", "create", "r1", "--network", "net2", "--destination-range", "10.9.0.0/16", "--next-hop-address", "10.2.0.9", "--priority", "700")

	var net struct {
		Name          string   `json:"name"`
		Subnetworks   []string `json:"subnetworks"`
		RoutingConfig struct {
			RoutingMode string `json:"routingMode"`
		} `json:"routingConfig"`
	}
	if err := json.Unmarshal([]byte(must("networks", "describe", "net2", "--format=json")), &net); err != nil {
		t.Fatal(err)
	}
	if net.RoutingConfig.RoutingMode != "GLOBAL" || len(net.Subnetworks) != 1 || !strings.HasPrefix(net.Subnetworks[0], base) {
		t.Fatalf("networks describe: %+v", net)
	}
	if out := must("networks", "subnets", "list", "--format=value(name,region.basename(),ipCidrRange)"); strings.TrimSpace(out) != "s2\tus-central1\t10.2.0.0/24" {
		t.Fatalf("subnets list: %q", out)
	}
	if out := must("firewall-rules", "list", "--format=value(name,targetTags.list(),allowed[].map().firewall_rule().list())"); !strings.Contains(out, "allow-ssh\tweb\ttcp:22,icmp") {
		t.Fatalf("firewall-rules list: %q", out)
	}
	if out := must("routes", "list", "--filter=name=r1", "--format=value(name,destRange,nextHopIp,priority)"); strings.TrimSpace(out) != "r1\t10.9.0.0/16\t10.2.0.9\t700" {
		t.Fatalf("routes list: %q", out)
	}
	gcloudInstances(t, must, fails, base)
	gcloudVPC(t, must, fails)
	fails("is already being used by", "networks", "delete", "net2", "--quiet")
	fails("Must be a match of regex", "networks", "create", "bad_name", "--subnet-mode=custom")
	fails("conflicts with existing subnetwork", "networks", "subnets", "create", "s3", "--network", "net2", "--region", "us-east1", "--range", "10.2.0.128/25")
	must("routes", "delete", "r1", "--quiet")
	must("firewall-rules", "delete", "allow-ssh", "--quiet")
	must("networks", "subnets", "delete", "s2", "--region", "us-central1", "--quiet")
	must("networks", "delete", "net2", "--quiet")
	if out := must("networks", "list", "--format=value(name)"); strings.TrimSpace(out) != "" {
		t.Fatalf("networks after delete: %q", out)
	}
}

// gcloudOn serves a one-project cloud and returns the functions that run
// gcloud compute against it (must: it succeeds; fails: it fails with an
// output containing want) and the server's URL.
func gcloudOn(t *testing.T) (must func(...string) string, fails func(want string, args ...string), base string) {
	t.Helper()
	must, fails, base, _ = gcloudOnCloud(t)
	return must, fails, base
}

// gcloudOnCloud is gcloudOn that also returns the served cloud.
func gcloudOnCloud(t *testing.T) (must func(...string) string, fails func(want string, args ...string), base string, c *model.Cloud) {
	t.Helper()
	bin, err := exec.LookPath("gcloud")
	if err != nil {
		roottest.Missing(t, "gcloud not installed (Google Cloud SDK)")
	}
	if testing.Short() {
		t.Skip("slow: starts gcloud")
	}
	c = model.New()
	c.AddAccount(model.Account{ID: project, Provider: model.ProviderGCP})
	srv := httptest.NewServer(gcp.New(c, gcp.Config{Tokens: map[string]string{"lab-token": project}}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	tok := filepath.Join(dir, "token")
	if err := os.WriteFile(tok, []byte("lab-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	gcloud := func(args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), bin, append([]string{"compute"}, args...)...)
		cmd.Env = append(os.Environ(), "CLOUDSDK_CONFIG="+filepath.Join(dir, "gcloud"), "CLOUDSDK_CORE_CHECK_GCE_METADATA=false",
			"CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true", "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true",
			"CLOUDSDK_SURVEY_DISABLE_PROMPTS=true", "CLOUDSDK_CORE_DISABLE_PROMPTS=1", "CLOUDSDK_CORE_PROJECT="+project,
			"CLOUDSDK_AUTH_ACCESS_TOKEN_FILE="+tok, "CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE="+srv.URL+"/compute/v1/")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must = func(args ...string) string {
		t.Helper()
		out, err := gcloud(args...)
		if err != nil {
			t.Fatalf("gcloud compute %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	fails = func(want string, args ...string) {
		t.Helper()
		out, err := gcloud(args...)
		if err == nil || !strings.Contains(out, want) {
			t.Fatalf("gcloud compute %s: %v, want an error with %q:\n%s", strings.Join(args, " "), err, want, out)
		}
	}
	return must, fails, srv.URL, c
}
