package netns

import (
	"fmt"
	"net"
	"os"
	"testing"
)

func TestDoLeavesCallerInItsNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root to create network namespaces (CI runs it as root)")
	}
	name := fmt.Sprintf("mcn-t%d-netns", os.Getpid())
	if err := Create(name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Delete(name); err != nil {
			t.Error(err)
		}
		if Exists(name) {
			t.Errorf("%s still exists", name)
		}
	})
	if err := Create(name); err == nil {
		t.Error("creating an existing namespace succeeded")
	}
	outside, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	var inside []net.Interface
	for range 20 { // many switches: none may leak into other goroutines
		if err := Do(name, func() error {
			inside, err = net.Interfaces()
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(inside) != 1 || inside[0].Name != "lo" {
		t.Errorf("interfaces inside a new namespace = %v, want only lo", inside)
	}
	again, _ := net.Interfaces()
	if len(again) != len(outside) {
		t.Errorf("caller sees %d interfaces after Do, %d before: its thread was left in the namespace", len(again), len(outside))
	}
	if err := Do("mcn-does-not-exist", func() error { return nil }); err == nil {
		t.Error("Do in a missing namespace succeeded")
	}
}
