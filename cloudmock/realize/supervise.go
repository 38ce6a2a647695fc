package realize

import (
	"context"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/emulator/state"
)

// Back-off of a gateway daemon's restarts: the first comes restartMin after
// it died, each failed or short-lived one doubles the wait up to
// restartMax, and a daemon that ran for restartReset starts over at
// restartMin (systemd's Restart=always with RestartSec and
// RestartSteps/RestartMaxDelaySec works the same way).
const (
	restartMin   = 100 * time.Millisecond
	restartMax   = 10 * time.Second
	restartReset = 10 * time.Second
)

// gatewayProc is the gateway daemon of one instance, supervised: started
// when the instance's namespace is wired, and started again whenever it
// exits (killed, crashed), as a service on a VM is restarted by its service
// manager, until stop. Every exit and restart is logged (Options.Logf).
type gatewayProc struct {
	r      *Realizer
	ns, id string
	cancel context.CancelFunc // ends a start in progress; closes stopped
	ctx    context.Context
	done   chan struct{} // closed when run returns

	mu       sync.Mutex    // guards the fields below
	proc     state.Process // the daemon running now (zero between a death and its restart)
	restarts int
}

// superviseGateway starts the gateway daemon of instance id in namespace ns
// and keeps it running until stop.
func (r *Realizer) superviseGateway(ns, id string) (*gatewayProc, error) {
	ctx, cancel := context.WithCancel(context.Background())
	p, exited, err := r.startGateway(ctx, ns, id)
	if err != nil {
		cancel()
		return nil, err
	}
	g := &gatewayProc{r: r, ns: ns, id: id, ctx: ctx, cancel: cancel, done: make(chan struct{}), proc: p}
	go g.run(exited)
	return g, nil
}

// process returns the daemon running now.
func (g *gatewayProc) process() state.Process {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.proc
}

// run waits for the daemon to exit and starts it again, with back-off.
func (g *gatewayProc) run(exited <-chan struct{}) {
	defer close(g.done)
	wait := restartMin
	for {
		started := time.Now()
		select {
		case <-g.ctx.Done():
			return
		case <-exited:
		}
		g.mu.Lock()
		dead := g.proc
		g.proc = state.Process{}
		g.mu.Unlock()
		if time.Since(started) >= restartReset {
			wait = restartMin
		}
		g.r.logf("gateway %s (instance %s): pid %d exited after %s; restarting it in %s",
			GatewayName(g.id), g.id, dead.PID, time.Since(started).Round(time.Millisecond), wait)
		for {
			t := time.NewTimer(wait)
			select {
			case <-g.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			wait = min(2*wait, restartMax)
			p, ex, err := g.r.startGateway(g.ctx, g.ns, g.id)
			if err != nil {
				if g.ctx.Err() != nil {
					return
				}
				g.r.logf("gateway %s (instance %s): restart failed: %v; next try in %s", GatewayName(g.id), g.id, err, wait)
				continue
			}
			g.mu.Lock()
			g.proc = p
			g.restarts++
			n := g.restarts
			g.mu.Unlock()
			g.r.logf("gateway %s (instance %s): restarted as pid %d (restart %d)", GatewayName(g.id), g.id, p.PID, n)
			exited = ex
			break
		}
	}
}

// stop ends the supervision and then the daemon (SIGTERM, then SIGKILL),
// and returns once it is gone. Idempotent.
func (g *gatewayProc) stop() error {
	g.cancel()
	<-g.done
	g.mu.Lock()
	p := g.proc
	g.proc = state.Process{}
	g.mu.Unlock()
	if p.PID == 0 {
		return nil
	}
	return stopGateway(p)
}

// logf logs through Options.Logf, if set.
func (r *Realizer) logf(format string, args ...any) {
	if r.opts.Logf != nil {
		r.opts.Logf(format, args...)
	}
}
