package state

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func useTemp(t *testing.T) {
	old := Root
	Root = filepath.Join(t.TempDir(), "run")
	t.Cleanup(func() { Root = old })
}

func TestCreateLoadList(t *testing.T) {
	useTemp(t)
	l := &Lab{Name: "a", Phase: PhaseDeploying, Owner: Self(), Nodes: []Node{{Name: "h1", Kind: "host", Namespace: "mcn-a-h1"}}}
	if err := Create(l); err != nil {
		t.Fatal(err)
	}
	if err := Create(&Lab{Name: "a"}); !errors.Is(err, ErrExists) {
		t.Errorf("second Create = %v, want ErrExists", err)
	}
	got, err := Load("a")
	if err != nil || got.Nodes[0].Namespace != "mcn-a-h1" || !got.Owner.Alive() {
		t.Errorf("Load = %+v, %v", got, err)
	}
	if _, err := Load("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load(nope) = %v, want ErrNotFound", err)
	}
	if err := Create(&Lab{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	if labs, err := List(); err != nil || len(labs) != 2 || labs[0] != "a" || labs[1] != "b" {
		t.Errorf("List = %v, %v; want [a b]", labs, err)
	}
	if err := Remove("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load after Remove = %v, want ErrNotFound", err)
	}
}

// A directory under the state root without a state file is not a lab:
// Load does not find it, List does not list it, and Remove leaves it alone
// (Create makes the directory and its state file in one step).
func TestDirWithoutStateIsNoLab(t *testing.T) {
	useTemp(t)
	if err := os.MkdirAll(filepath.Join(Root, "x", "keep"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load = %v, want ErrNotFound", err)
	}
	if labs, _ := List(); len(labs) != 0 {
		t.Errorf("List = %v, want none", labs)
	}
	if err := Remove("x"); err != nil {
		t.Errorf("Remove = %v", err)
	}
	if _, err := os.Stat(filepath.Join(Root, "x", "keep")); err != nil {
		t.Errorf("Remove removed a directory that is not a lab: %v", err)
	}
	if _, err := TryLock("x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("TryLock = %v, want ErrNotFound", err)
	}
}

// Names that are not lab names are refused by every function before it
// touches the file system, with the rule that would be valid.
func TestBadNamesRefused(t *testing.T) {
	useTemp(t)
	for _, name := range []string{"", "..", "../..", "../../etc", "a/b", "/tmp", ".", "A", "a_b", "-a", strings.Repeat("a", 25)} {
		if err := CheckName(name); !errors.Is(err, ErrBadName) {
			t.Errorf("CheckName(%q) = %v, want ErrBadName", name, err)
		}
		if _, err := Load(name); !errors.Is(err, ErrBadName) {
			t.Errorf("Load(%q) = %v, want ErrBadName", name, err)
		}
		if err := Remove(name); !errors.Is(err, ErrBadName) {
			t.Errorf("Remove(%q) = %v, want ErrBadName", name, err)
		}
		if err := Create(&Lab{Name: name}); !errors.Is(err, ErrBadName) {
			t.Errorf("Create(%q) = %v, want ErrBadName", name, err)
		}
		if _, err := TryLock(name); !errors.Is(err, ErrBadName) {
			t.Errorf("TryLock(%q) = %v, want ErrBadName", name, err)
		}
		if err := SavePart(name, "cloud", nil); !errors.Is(err, ErrBadName) {
			t.Errorf("SavePart(%q) = %v, want ErrBadName", name, err)
		}
		if d := Dir(name); filepath.Dir(d) != Root {
			t.Errorf("Dir(%q) = %s, outside %s", name, d, Root)
		}
	}
	err := CheckName("../..")
	const want = `bad lab name "../.."; use a-z, 0-9 and '-', starting and ending with a letter or digit`
	if err == nil || err.Error() != want {
		t.Errorf("CheckName(../..) = %v\nwant %s", err, want)
	}
}

func TestLock(t *testing.T) {
	useTemp(t)
	if err := Create(&Lab{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	l1, err := TryLock("a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLock("a"); !errors.Is(err, ErrLocked) {
		t.Errorf("second TryLock = %v, want ErrLocked", err)
	}
	l1.Unlock()
	l1.Unlock() // idempotent
	l2, err := TryLock("a")
	if err != nil {
		t.Errorf("TryLock after Unlock: %v", err)
	}
	l2.Unlock()
}

func TestProcessAlive(t *testing.T) {
	if !Self().Alive() {
		t.Error("Self is not alive")
	}
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Skip("no /bin/true")
	}
	if (Process{PID: cmd.Process.Pid, Start: 1}).Alive() {
		t.Error("an exited process with a made-up start time counts as alive")
	}
	p := Self()
	p.Start++
	if p.Alive() {
		t.Error("a live PID with another start time (a recycled PID) counts as alive")
	}
}

// A destroy killed while it held the lab's lock leaves the directory with
// only its lock files: the name is free again for Create (and Remove clears
// it), unless the lock is still held or anything else is in there.
func TestLockDebrisFreesTheName(t *testing.T) {
	useTemp(t)
	debris := func(name string, extra ...string) string {
		t.Helper()
		dir := filepath.Join(Root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range append([]string{"lock", "daemons.lock"}, extra...) {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	debris("a")
	if err := Create(&Lab{Name: "a"}); err != nil {
		t.Fatalf("Create over lock debris = %v, want success", err)
	}
	if _, err := Load("a"); err != nil {
		t.Errorf("Load after Create over debris = %v", err)
	}

	dir := debris("b")
	if err := Remove("b"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Remove left the lock debris: %v", err)
	}

	// A lock a live process holds: the destroy is still going on.
	dir = debris("c")
	f, err := os.Open(filepath.Join(dir, "lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if err := Create(&Lab{Name: "c"}); !errors.Is(err, ErrExists) {
		t.Errorf("Create over a held lock = %v, want ErrExists", err)
	}

	// Anything but lock files is not ours to remove.
	dir = debris("d", "notes.txt")
	if err := Create(&Lab{Name: "d"}); !errors.Is(err, ErrExists) {
		t.Errorf("Create over a directory with other files = %v, want ErrExists", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("Create removed a file that is no debris: %v", err)
	}
}
