package lab

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// A lab's daemons are recorded in place (destroy stops them in the order
// first started), found by name, forgotten when stopped on purpose, and a
// dead one (not the supervisor) is named with the end of its log; none of
// it needs root.
func TestDaemonRecord(t *testing.T) {
	roottest.UseTempState(t)
	const lab = "rec1"
	if err := state.Create(&state.Lab{Name: lab}); err != nil {
		t.Fatal(err)
	}
	self, err := state.StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	alive := state.Process{PID: os.Getpid(), Start: self}
	dead := state.Process{PID: os.Getpid(), Start: self + 1} // same pid, another start: not this process
	for _, d := range []struct {
		name string
		p    state.Process
	}{{CloudDaemon, alive}, {ControllerDaemon, alive}, {SupervisorDaemon, dead}, {CloudDaemon, alive}} {
		if err := RecordDaemon(lab, d.name, d.p); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := state.Load(lab)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range rec.Daemons {
		names = append(names, d.Name)
	}
	if got := strings.Join(names, " "); got != "cloud controller supervisor" {
		t.Errorf("recorded daemons %q, want cloud controller supervisor (each once, in first-start order)", got)
	}
	if p, ok := DaemonOf(lab, ControllerDaemon); !ok || p != alive {
		t.Errorf("DaemonOf controller: %v %v", p, ok)
	}
	if err := DeadDaemon(lab); err != nil {
		t.Errorf("a dead supervisor counts as a dead daemon: %v", err)
	}
	if err := os.WriteFile(LogFile(lab, ControllerDaemon), []byte("one\ntwo\nthree\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RecordDaemon(lab, ControllerDaemon, dead); err != nil {
		t.Fatal(err)
	}
	err = DeadDaemon(lab)
	want := "the lab's controller (pid " + strconv.Itoa(dead.PID) + ") died; its log " + LogFile(lab, ControllerDaemon) + " ends:\none\ntwo\nthree\n"
	if err == nil || err.Error() != want {
		t.Errorf("DeadDaemon: %v\nwant %s", err, want)
	}
	if err := ForgetDaemon(lab, ControllerDaemon); err != nil {
		t.Fatal(err)
	}
	if _, ok := DaemonOf(lab, ControllerDaemon); ok {
		t.Errorf("a forgotten controller is still recorded")
	}
	if err := DeadDaemon(lab); err != nil {
		t.Errorf("after forgetting the controller: %v", err)
	}
}

// Tail keeps the last n lines of a log, all of a shorter one.
func TestTail(t *testing.T) {
	p := t.TempDir() + "/log"
	if err := os.WriteFile(p, []byte("a\nb\nc\nd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{1: "d\n", 2: "c\nd\n", 4: "a\nb\nc\nd\n", 10: "a\nb\nc\nd\n"} {
		if got := Tail(p, n); got != want {
			t.Errorf("Tail(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Tail(p+".missing", 3); got != "" {
		t.Errorf("Tail of a missing file = %q", got)
	}
}

// The zero Options run this executable and wait DefaultConvergeTimeout;
// Self and ConvergeTimeout replace them.
func TestOptions(t *testing.T) {
	exe, _ := os.Executable()
	if self, err := (Options{}).self(); err != nil || self != exe {
		t.Errorf("zero Options run %q (%v), want %q", self, err, exe)
	}
	if self, _ := (Options{Self: "/bin/mcnlab"}).self(); self != "/bin/mcnlab" {
		t.Errorf("Options.Self: %q", self)
	}
	if d := (Options{}).convergeTimeout(); d != DefaultConvergeTimeout {
		t.Errorf("zero ConvergeTimeout: %s", d)
	}
}
