package state

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
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

// A deploy killed between creating the directory and writing the state
// leaves a lab that loads as deploying with nothing recorded.
func TestLoadEmptyDir(t *testing.T) {
	useTemp(t)
	if err := os.MkdirAll(Dir("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := Load("x")
	if err != nil || l.Phase != PhaseDeploying || len(l.Nodes) != 0 {
		t.Errorf("Load = %+v, %v", l, err)
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
