package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// tsSDKDir holds the pinned OCI TypeScript SDK (oci-core, oci-common) and
// the script that drives it; .ci/run installs it with npm ci.
const tsSDKDir = "../../cloudmock/oci/tssdk"

// ociTypeScript runs the OCI TypeScript SDK (cloudmock/oci/tssdk/vcn.js)
// in an environment of only what `cloudmock env --provider oci` set
// (configFile, profile, endpoint) and checks what it saw: a VCN, a
// subnet, a security list and a DRG made and waited for by the SDK's
// waiters, a stale If-Match 412 NoEtagMatch on each, a wrong key 401
// NotAuthenticated, the deletes TERMINATED.
func ociTypeScript(t *testing.T, configFile, profile, endpoint string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		roottest.Missing(t, "node is not installed: the TypeScript SDK test needs it")
	}
	if _, err := os.Stat(filepath.Join(tsSDKDir, "node_modules", "oci-core")); err != nil {
		roottest.Missing(t, "the OCI TypeScript SDK is not installed: npm ci --prefix cloudmock/oci/tssdk")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "vcn.js")
	cmd.Dir = tsSDKDir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"OCI_CONFIG_FILE=" + configFile, "OCI_CLI_PROFILE=" + profile, "MCNLAB_OCI_ENDPOINT=" + endpoint,
		// The script waits with its own waiters; a refused call must answer at once.
		"OCI_SDK_DEFAULT_RETRY_ENABLED=false", "OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED=false"}
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("the TypeScript SDK: %v\n%s\n%s", err, out, stderr)
	}
	var seen map[string]any
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	if err := json.Unmarshal(lines[len(lines)-1], &seen); err != nil {
		t.Fatalf("the TypeScript SDK printed %q: %v", out, err)
	}
	want := map[string]any{"vcnCreated": "PROVISIONING", "vcnWaited": "AVAILABLE", "vcnDomain": "tsvcn.oraclevcn.com",
		"subnet": "10.7.1.0/24 AVAILABLE router 10.7.1.1", "subnets": 1.0, "list": "1 in 1 out", "drg": "AVAILABLE", "drgTables": 2.0,
		"vcnRenamed": "ts-vcn-2", "staleVcn": "412 NoEtagMatch", "staleSubnet": "412 NoEtagMatch", "staleList": "412 NoEtagMatch",
		"staleDrg": "412 NoEtagMatch", "wrongKey": "401 NotAuthenticated", "subnetDeleted": "TERMINATED", "vcnDeleted": "TERMINATED", "vcnsLeft": 0.0}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("the TypeScript SDK saw %s = %v, want %v", k, seen[k], v)
		}
	}
}
