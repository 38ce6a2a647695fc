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

// The CI run: a fixed seed, 30 cases on AWS and 3 across clouds. `make
// soak SEED=... N=... MULTI=...` sets other ones.
var (
	seed     = flag.Uint64("differential.seed", 2201, "seed of the random cloud topologies")
	cases    = flag.Int("differential.n", 30, "how many cases to draw on AWS (Generate)")
	multi    = flag.Int("differential.multi", 3, "how many cases to draw across clouds (GenerateMulti), after those on AWS")
	only     = flag.Int("differential.case", -1, "run only this case of the seed (-1: all)")
	parallel = flag.Int("differential.parallel", 1, "labs at a time")
)

func TestMain(m *testing.M) {
	code := m.Run()
	roottest.Cleanup()
	os.Exit(code)
}

// Every drawn cloud topology deploys and behaves as `mcnlab simulate`
// says: for each case (on AWS, then across two or three clouds), every
// ordered pair of workloads and site hosts is pinged on the deployed lab
// and compared with the simulation. A failing
// case keeps its topology and both outputs under
// os.TempDir()/mcnlab-soak-SEED-CASE (-multi-CASE) and prints how to draw it again.
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
	t.Logf("differential run: seed %d, %d cases on AWS and %d across clouds, %d at a time (reproduce with `make soak SEED=%d N=%d MULTI=%d`)",
		*seed, *cases, *multi, *parallel, *seed, *cases, *multi)
	r := &Runner{Bin: bin, Env: []string{"MCNLAB_STATE_ROOT=" + state.Root}, StateRoot: state.Root, Log: testLog{t}}
	start := time.Now()
	var (
		mu                     sync.Mutex
		passed, pairs, depends int
		failed                 []string
	)
	type job struct {
		i     int
		multi bool
	}
	work := make(chan job)
	var wg sync.WaitGroup
	for w := range max(*parallel, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				i, kind := j.i, ""
				lab := fmt.Sprintf("df%d%d", os.Getpid()%100000, w) + fmt.Sprint(i)
				c := Generate(*seed, i, lab)
				if j.multi {
					lab = fmt.Sprintf("dm%d%d", os.Getpid()%100000, w) + fmt.Sprint(i)
					kind, c = " across clouds", GenerateMulti(*seed, i, lab)
				}
				res := r.Run(context.Background(), c, lab)
				mu.Lock()
				pairs += res.Pairs
				depends += res.Depends
				if res.Failed() {
					var b strings.Builder
					fmt.Fprintf(&b, "case %d%s of seed %d (%s) failed after %s; kept in %s; draw it again with `%s`",
						i, kind, *seed, res.Case.Drawn, res.Took.Round(time.Millisecond), res.Dir, c.Reproduce())
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
					t.Logf("case %d%s passed in %s: %d pairs (%d depend on cloud-chosen addresses); %s", i, kind, res.Took.Round(time.Millisecond), res.Pairs, res.Depends, res.Case.Drawn)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range *cases {
		if *only >= 0 && i != *only {
			continue
		}
		work <- job{i: i}
	}
	for i := range *multi {
		if *only >= 0 && i != *only {
			continue
		}
		work <- job{i: i, multi: true}
	}
	close(work)
	wg.Wait()
	t.Logf("seed %d: %d cases passed (%d drawn across clouds), %d failed, %d pairs compared (%d not compared: they depend on addresses the cloud chooses), in %s",
		*seed, passed, *multi, len(failed), pairs, depends, time.Since(start).Round(time.Second))
}

// testLog writes the runner's lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
