package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// gcloudScript runs gcloud as a user of the lab does after
// `eval "$(mcnlab cloudmock env --provider gcp)"`.
const gcloudScript = `set -e
eval "$LINES"
echo "config=$CLOUDSDK_CONFIG project=$CLOUDSDK_CORE_PROJECT"
gcloud compute networks create net1 --subnet-mode=custom
gcloud compute networks subnets create s1 --network net1 --region europe-west1 --range 10.5.0.0/24
gcloud compute firewall-rules create allow-web --network net1 --allow tcp:80,tcp:443 --target-tags web
echo "subnet=$(gcloud compute networks subnets describe s1 --region europe-west1 --format='value(gatewayAddress)')"
echo "rule=$(gcloud compute firewall-rules list --format='value(name,sourceRanges.list())')"
gcloud compute instances create vm1 --zone europe-west1-b --subnet s1 --tags web --machine-type e2-micro \
  --image https://www.googleapis.com/compute/v1/projects/debian-cloud/global/images/debian-12-bookworm-v20250610
echo "netns=$(ip netns list | grep -c "^mcn-$LAB-i-")"
echo "vm=$(gcloud compute instances list --format='value(name,networkInterfaces[0].networkIP,tags.items.list())')"
gcloud compute instances delete vm1 --zone europe-west1-b --quiet
`

// TestGcloudThroughEnv: with cloudmock serve --provider gcp --lab, a
// shell that evals what `mcnlab cloudmock env --provider gcp` prints runs
// plain gcloud commands against the lab's project, with its token, and
// the instance it makes is realized (its namespace exists); with
// CLOUDSDK_CONFIG set the lines keep it, without it they use
// ~/.config/gcloud-mcnlab-LAB.
func TestGcloudThroughEnv(t *testing.T) {
	lab, lines := serveForEnv(t, "gcp", "gcloud", "gcloud not installed (Google Cloud SDK)")
	home := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "mine")
	for _, set := range []bool{true, false} {
		env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LINES=" + lines, "LAB=" + lab}
		want := filepath.Join(home, ".config", "gcloud-mcnlab-"+lab)
		script := gcloudScript
		if set {
			env, want = append(env, "CLOUDSDK_CONFIG="+cfg), cfg
		} else {
			script = "set -e\neval \"$LINES\"\necho \"config=$CLOUDSDK_CONFIG\"\n" +
				`echo "subnet=$(gcloud compute networks subnets describe s1 --region europe-west1 --format='value(gatewayAddress)')"` + "\n"
		}
		cmd := exec.CommandContext(t.Context(), "bash", "-c", script)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("gcloud through cloudmock env (CLOUDSDK_CONFIG set: %v): %v\n%s", set, err, out)
		}
		got := string(out)
		for _, w := range []string{"config=" + want, "subnet=10.5.0.1\n"} {
			if !strings.Contains(got, w) {
				t.Errorf("CLOUDSDK_CONFIG set %v: output lacks %q:\n%s", set, w, got)
			}
		}
		if set && (!strings.Contains(got, "rule=allow-web\t0.0.0.0/0\n") || !strings.Contains(got, "vm=vm1\t10.5.0.2\tweb\n") || !strings.Contains(got, "netns=1\n")) {
			t.Errorf("output lacks the firewall rule, the instance or its realized namespace:\n%s", got)
		}
	}
}

// serveForEnv serves a provider's API for a new lab (root) and returns
// the lab and what `cloudmock env` prints for it; the provider's CLI tool
// must be installed (missing is a failure in CI).
func serveForEnv(t *testing.T, provider, tool, missing string) (lab, lines string) {
	t.Helper()
	roottest.Require(t)
	if _, err := exec.LookPath(tool); err != nil {
		roottest.Missing(t, "%s", missing)
	}
	roottest.UseTempState(t)
	lab = roottest.LabName(t, provider)
	startServe(t, "--provider", provider, "--lab", lab)
	lines, _, err := run(t, "cloudmock", "env", "--lab", lab, "--provider", provider)
	if err != nil {
		t.Fatalf("cloudmock env --provider %s: %v\n%s", provider, err, lines)
	}
	return lab, lines
}

// TestGCPServeCircuit: `cloudmock serve --provider gcp --lab L --circuit
// line1=NS:dx0:us-central1` makes the lab's private line a Dedicated
// Interconnect of the project, which gcloud lists ACTIVE and on which a
// DEDICATED VLAN attachment is made (its Cloud Router's link-local
// address given) whose line reaches the site's namespace (dx0 there, up
// with the customer's address); without --lab the flag is refused.
func TestGCPServeCircuit(t *testing.T) {
	if _, stderr, err := run(t, "cloudmock", "serve", "--provider", "gcp", "--circuit", "line1=mcn-x-colo:dx0"); err == nil ||
		!strings.Contains(stderr+err.Error(), "--circuit needs --lab") {
		t.Errorf("--circuit without --lab: err %v, stderr %q; want --circuit needs --lab", err, stderr)
	}
	roottest.Require(t)
	if _, err := exec.LookPath("gcloud"); err != nil {
		roottest.Missing(t, "gcloud not installed (Google Cloud SDK)")
	}
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "gic")
	colo := roottest.NewNamespaces(t, "colo")[0] // the site's router, where the line ends
	startServe(t, "--provider", "gcp", "--lab", lab, "--circuit", "line1="+colo.Name+":dx0:us-central1")
	lines, _, err := run(t, "cloudmock", "env", "--lab", lab, "--provider", "gcp")
	if err != nil {
		t.Fatalf("cloudmock env: %v\n%s", err, lines)
	}
	script := `set -e
eval "$LINES"
echo "ic=$(gcloud compute interconnects list --format='value(name,interconnectType,state)')"
gcloud compute networks create vpc --subnet-mode=custom
gcloud compute routers create r1 --network vpc --region us-central1 --asn 64514
gcloud compute interconnects attachments dedicated create a1 --region us-central1 --router r1 --interconnect line1 --candidate-subnets 169.254.10.0/29
echo "att=$(gcloud compute interconnects attachments describe a1 --region us-central1 --format='value(type,cloudRouterIpAddress)')"
echo "dx0=$(ip -n $COLO -br -4 addr show dx0 | awk '{print $2, $3}')"
`
	cmd := exec.CommandContext(t.Context(), "bash", "-c", script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LINES=" + lines, "COLO=" + colo.Name}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gcloud: %v\n%s", err, out)
	}
	for _, w := range []string{"ic=line1\tDEDICATED\tACTIVE\n", "att=DEDICATED\t169.254.10.1/29\n", "dx0=UP 169.254.10.2/29\n"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("gcloud output lacks %q:\n%s", w, out)
		}
	}
}
