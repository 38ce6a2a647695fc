package roottest

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// StartIn starts argv in the named namespace (`ip netns exec`), and stops
// it when the test ends: SIGTERM, then SIGKILL if it has not exited within
// 5 s. It also gets SIGTERM if the test process dies.
func StartIn(t *testing.T, ns string, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, argv...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v in %s: %v", argv, ns, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return cmd
}
