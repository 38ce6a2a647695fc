package differential

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// The CI run: a fixed seed and at least 30 cases. `make soak SEED=... N=...`
// sets other ones.
var (
	seed     = flag.Uint64("differential.seed", 2201, "seed of the random cloud topologies")
	cases    = flag.Int("differential.n", 30, "how many cases to draw")
	only     = flag.Int("differential.case", -1, "run only this case of the seed (-1: all)")
	parallel = flag.Int("differential.parallel", 1, "labs at a time")
)

func TestMain(m *testing.M) {
	code := m.Run()
	roottest.Cleanup()
	os.Exit(code)
}

// Every drawn cloud topology deploys and behaves as `mcnlab simulate`
// says: for each case, every ordered pair of workloads and site hosts is
// pinged on the deployed lab and compared with the simulation. A failing
// case keeps its topology and both outputs under
// os.TempDir()/mcnlab-soak-SEED-CASE and prints how to draw it again.
func TestDifferential(t *testing.T) {
	roottest.Require(t)
	for _, tool := range []string{"vtysh", "bird"} {
		if _, err := exec.LookPath(tool); err != nil {
			roottest.Missing(t, "%s is not installed: %v", tool, err)
		}
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		roottest.Missing(t, "no TUN device: %v", err)
	}
	bin := roottest.MCNLab(t)
	roottest.UseTempState(t)
	t.Logf("differential run: seed %d, %d cases, %d at a time (reproduce with `make soak SEED=%d N=%d`)", *seed, *cases, *parallel, *seed, *cases)
	r := &Runner{Bin: bin, Env: []string{"MCNLAB_STATE_ROOT=" + state.Root}, StateRoot: state.Root, Log: testLog{t}}
	start := time.Now()
	var (
		mu                     sync.Mutex
		passed, pairs, depends int
		failed                 []string
	)
	work := make(chan int)
	var wg sync.WaitGroup
	for w := range max(*parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				lab := fmt.Sprintf("df%d%d", os.Getpid()%100000, w) + fmt.Sprint(i)
				res := r.Run(context.Background(), Generate(*seed, i, lab), lab)
				mu.Lock()
				pairs += res.Pairs
				depends += res.Depends
				if res.Failed() {
					var b strings.Builder
					fmt.Fprintf(&b, "case %d of seed %d (%s) failed after %s; kept in %s; draw it again with `make soak SEED=%d N=%d CASE=%d`",
						i, *seed, res.Case.Drawn, res.Took.Round(time.Millisecond), res.Dir, *seed, i+1, i)
					if res.Err != nil {
						fmt.Fprintf(&b, "\n  %v", res.Err)
					}
					for _, d := range res.Disagree {
						fmt.Fprintf(&b, "\n  %s", d)
					}
					failed = append(failed, b.String())
					t.Error(b.String())
				} else {
					passed++
					t.Logf("case %d passed in %s: %d pairs (%d depend on cloud-chosen addresses); %s", i, res.Took.Round(time.Millisecond), res.Pairs, res.Depends, res.Case.Drawn)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range *cases {
		if *only >= 0 && i != *only {
			continue
		}
		work <- i
	}
	close(work)
	wg.Wait()
	t.Logf("seed %d: %d cases passed, %d failed, %d pairs compared (%d not compared: they depend on addresses the cloud chooses), in %s",
		*seed, passed, len(failed), pairs, depends, time.Since(start).Round(time.Second))
}

// testLog writes the runner's lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
