package cloud_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// phases of the test plans.
const (
	phNet = iota
	phHost
	phAttach
	nPh
)

// TestRunOpsConcurrent: a phase's ops on different objects are on the
// wire together (each waits, unlocked, until all of them have started:
// one after another they would never finish), the ops of one object keep
// their order, each phase starts after the one before is done, and the
// ops share what they record without a lock of their own (the world
// lock; -race checks it).
func TestRunOpsConcurrent(t *testing.T) {
	const n = 8
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	world := map[string]int{} // what the ops record, as a provider's world
	var log []string          // op order, by the world lock too
	started := make(chan struct{}, n)
	all := make(chan struct{})
	go func() {
		for range n {
			<-started
		}
		close(all)
	}()
	p := cloud.NewPhased(nPh)
	for i := range n {
		obj := fmt.Sprintf("net%d", i)
		p.Add(phNet, cloud.Call{Service: "t", Action: "Create", Object: obj}, "create "+obj, func(ctx context.Context) error {
			started <- struct{}{}
			var err error
			cloud.Unlocked(ctx, func() {
				select {
				case <-all:
				case <-ctx.Done():
					err = ctx.Err()
				}
			})
			world[obj] = 1
			log = append(log, "create "+obj)
			return err
		})
		p.Add(phNet, cloud.Call{Service: "t", Action: "Modify", Object: obj}, "modify "+obj, func(context.Context) error {
			if world[obj] != 1 {
				return fmt.Errorf("%s modified before it was made", obj)
			}
			world[obj] = 2
			return nil
		})
	}
	p.Add(phHost, cloud.Call{Service: "t", Action: "Run", Object: "host"}, "run host", func(context.Context) error {
		for i := range n {
			if k := fmt.Sprintf("net%d", i); world[k] != 2 {
				return fmt.Errorf("host before %s was done", k)
			}
		}
		return nil
	})
	made, err := cloud.RunOps(ctx, p.Ops())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(made, cloud.Calls(p.Ops())) {
		t.Errorf("made %v, want every call in plan order %v", made, cloud.Calls(p.Ops()))
	}
	if len(log) != n {
		t.Errorf("%d creates logged, want %d", len(log), n)
	}
}

// TestRunOpsChain: an op naming another object's chain runs after that
// object's ops of the phase, never beside them.
func TestRunOpsChain(t *testing.T) {
	var mu sync.Mutex
	var order []string
	rec := func(s string) func(context.Context) error {
		return func(ctx context.Context) error {
			cloud.Unlocked(ctx, func() { time.Sleep(10 * time.Millisecond) })
			mu.Lock()
			defer mu.Unlock()
			order = append(order, s)
			return nil
		}
	}
	p := cloud.NewPhased(nPh)
	p.Add(phAttach, cloud.Call{Object: "gw1"}, "modify gw1", rec("gw1"))
	p.AddChained(phAttach, "gw1", cloud.Call{Object: "gw1/eth1"}, "attach gw1/eth1", rec("gw1/eth1"))
	if _, err := cloud.RunOps(context.Background(), p.Ops()); err != nil {
		t.Fatal(err)
	}
	if want := []string{"gw1", "gw1/eth1"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
}

// TestRunOpsStops: after an op fails, no later phase runs, the calls that
// succeeded come back in plan order and the error names the op.
func TestRunOpsStops(t *testing.T) {
	boom := errors.New("InvalidParameterValue")
	ok := func(context.Context) error { return nil }
	ran := false
	p := cloud.NewPhased(nPh)
	p.Add(phNet, cloud.Call{Action: "Create", Object: "a"}, "create a", ok)
	p.Add(phHost, cloud.Call{Action: "Create", Object: "b"}, "create b", func(context.Context) error { return boom })
	p.Add(phHost, cloud.Call{Action: "Tag", Object: "b"}, "tag b", func(context.Context) error { ran = true; return nil })
	p.Add(phAttach, cloud.Call{Action: "Run", Object: "h"}, "run h", func(context.Context) error { ran = true; return nil })
	made, err := cloud.RunOps(context.Background(), p.Ops())
	if !errors.Is(err, boom) || err.Error() != "create b: InvalidParameterValue" {
		t.Errorf("error %v, want create b: InvalidParameterValue", err)
	}
	if want := []cloud.Call{{Action: "Create", Object: "a"}}; !slices.Equal(made, want) {
		t.Errorf("made %v, want %v", made, want)
	}
	if ran {
		t.Error("an op ran after its chain's op or its phase failed")
	}
}
