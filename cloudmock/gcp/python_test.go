package gcp_test

import (
	"context"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"

	"github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// pythonList builds the Python client (Debian python3-googleapi) from the
// discovery document the server serves, as cloud-clients.md §2.3 says,
// lists the project's networks and gets a missing one.
const pythonList = `
import sys, httplib2
from googleapiclient import discovery, errors
svc = discovery.build("compute", "v1", http=httplib2.Http(), cache_discovery=False,
    discoveryServiceUrl=sys.argv[1] + "/discovery/v1/apis/{api}/{apiVersion}/rest")
for n in svc.networks().list(project="proj1").execute().get("items", []):
    print("network", n["name"], n["routingConfig"]["routingMode"])
try:
    svc.networks().get(project="proj1", network="nope").execute()
except errors.HttpError as e:
    print("error", e.resp.status)
`

// TestPythonClient lists networks through the served discovery document.
func TestPythonClient(t *testing.T) {
	// Debian's package is for Debian's python3, which a pyenv shim may hide.
	py, err := exec.LookPath("/usr/bin/python3")
	if err == nil {
		err = exec.Command(py, "-c", "import googleapiclient, httplib2").Run()
	}
	if err != nil {
		roottest.Missing(t, "python3 with googleapiclient not installed (Debian: python3-googleapi)")
	}
	c := model.New()
	c.AddAccount(model.Account{ID: project, Provider: model.ProviderGCP})
	srv := httptest.NewServer(gcp.New(c, gcp.Config{Anonymous: true}))
	t.Cleanup(srv.Close)
	svc, err := compute.NewService(context.Background(), option.WithEndpoint(srv.URL+"/compute/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	must[*compute.Operation](t)(svc.Networks.Insert(project, &compute.Network{Name: "py-net", AutoCreateSubnetworks: false,
		ForceSendFields: []string{"AutoCreateSubnetworks"}, RoutingConfig: &compute.NetworkRoutingConfig{RoutingMode: "GLOBAL"}}).Do())
	out, err := exec.CommandContext(t.Context(), py, "-c", pythonList, srv.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("python client: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "network py-net GLOBAL\nerror 404" {
		t.Fatalf("python client printed %q", got)
	}
}
