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

// The CI run: a fixed seed, 30 cases on AWS, 3 across clouds (OCI joins
// two of them) and 2 on OCI alone. `make soak SEED=... N=... MULTI=...
// CLOUD=... CLOUDN=...` sets other ones.
var (
	seed     = flag.Uint64("differential.seed", 2201, "seed of the random cloud topologies")
	cases    = flag.Int("differential.n", 30, "how many cases to draw on AWS (Generate)")
	multi    = flag.Int("differential.multi", 3, "how many cases to draw across clouds (GenerateMulti), after those on AWS")
	onClouds = flag.String("differential.clouds", OCI, "comma-separated clouds (azure, gcp, oci) to draw one-cloud cases on (GenerateOn), after those across clouds")
	perCloud = flag.Int("differential.cloudn", 2, "how many cases to draw on each of -differential.clouds")
	only     = flag.Int("differential.case", -1, "run only this case of the seed (-1: all)")
	parallel = flag.Int("differential.parallel", 1, "labs at a time")
)

func TestMain(m *testing.M) {
	code := m.Run()
	roottest.Cleanup()
	os.Exit(code)
}

// Every drawn cloud topology deploys and behaves as `mcnlab simulate`
// says: for each case (on AWS, then across two to four clouds, then on
// each other cloud alone: OCI in CI), every
// ordered pair of workloads and site hosts is pinged on the deployed lab
// and compared with the simulation. A failing
// case keeps its topology and both outputs under
// os.TempDir()/mcnlab-soak-SEED-CASE (-multi-CASE, -CLOUD-CASE) and prints how to draw it again.
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
	others := otherClouds(t)
	t.Logf("differential run: seed %d, %d cases on AWS, %d across clouds and %d on each of %v, %d at a time (reproduce with `make soak SEED=%d N=%d MULTI=%d CLOUD=%s CLOUDN=%d`)",
		*seed, *cases, *multi, *perCloud, others, *parallel, *seed, *cases, *multi, *onClouds, *perCloud)
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
		cloud string // a one-cloud case's, other than AWS
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
				switch {
				case j.multi:
					lab = fmt.Sprintf("dm%d%d", os.Getpid()%100000, w) + fmt.Sprint(i)
					kind, c = " across clouds", GenerateMulti(*seed, i, lab)
				case j.cloud != "":
					lab = fmt.Sprintf("d%s%d%d", j.cloud[:1], os.Getpid()%100000, w) + fmt.Sprint(i)
					kind, c = " on "+j.cloud, GenerateOn(*seed, i, lab, j.cloud)
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
	for _, cl := range others {
		for i := range *perCloud {
			if *only >= 0 && i != *only {
				continue
			}
			work <- job{i: i, cloud: cl}
		}
	}
	close(work)
	wg.Wait()
	t.Logf("seed %d: %d cases passed (%d drawn across clouds, %d on each of %v), %d failed, %d pairs compared (%d not compared: they depend on addresses the cloud chooses), in %s",
		*seed, passed, *multi, *perCloud, others, len(failed), pairs, depends, time.Since(start).Round(time.Second))
}

// otherClouds are the clouds of -differential.clouds; a cloud the
// generator does not draw one-cloud cases on fails the test.
func otherClouds(t *testing.T) []string {
	var out []string
	for _, cl := range strings.Split(*onClouds, ",") {
		switch cl = strings.TrimSpace(cl); cl {
		case "":
		case Azure, GCP, OCI:
			out = append(out, cl)
		default:
			t.Fatalf("-differential.clouds: %q is not azure, gcp or oci", cl)
		}
	}
	return out
}

// testLog writes the runner's lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
