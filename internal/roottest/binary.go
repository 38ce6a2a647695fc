package roottest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// MCNLab builds cmd/mcnlab once per test process and returns its path, for
// tests that start `mcnlab gateway` in a namespace. The package's TestMain
// calls Cleanup after the tests.
func MCNLab(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "mcnlab-bin-"); binErr != nil {
			return
		}
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			gobin = "go"
		}
		binPath = filepath.Join(binDir, "mcnlab")
		out, err := exec.Command(gobin, "build", "-o", binPath, "github.com/mcnlab/mcnlab/cmd/mcnlab").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build cmd/mcnlab: %w\n%s", err, out)
			return
		}
		// The slim gateway beside it, as make build puts it: the labs'
		// gateways run it (emulator.GatewayProgram).
		// Static, without cgo, as make build builds it.
		gw := exec.Command(gobin, "build", "-o", filepath.Join(binDir, "mcnlab-gateway"), "github.com/mcnlab/mcnlab/cmd/mcnlab-gateway")
		gw.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err = gw.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build cmd/mcnlab-gateway: %w\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// Cleanup removes what MCNLab built.
func Cleanup() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}
