package scenario

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/probe"
	"github.com/mcnlab/mcnlab/lab"
)

// settleFor is how long an outage's probes must all be answered after its
// steps before the outage is judged over.
const settleFor = 2 * time.Second

// probeResult is one echo request of an outage's stream.
type probeResult struct {
	sent     time.Time
	answered bool
}

// outage runs its steps while pinging From to To every Interval, waits
// until the replies have been steady for settleFor (at most the run's
// deadline) and judges the longest run of lost probes: from the first
// lost probe's send to the next answered probe's.
func (r *run) outage(o *Outage) (failure, detail string) {
	src, dst, err := r.targets(r.ctx, o.From, o.To)
	if err != nil {
		return err.Error(), ""
	}
	p, err := probe.NewPinger(src.Namespace)
	if err != nil {
		return err.Error(), ""
	}
	defer p.Close()
	var mu sync.Mutex
	var probes []probeResult
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(o.Interval)
		defer t.Stop()
		for seq := 1; ctx.Err() == nil; seq++ {
			sent := time.Now()
			_, err := p.Ping(dst.Address, seq, o.Interval)
			mu.Lock()
			probes = append(probes, probeResult{sent: sent, answered: err == nil})
			mu.Unlock()
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		}
	}()
	var stepErr error
	for _, s := range o.During {
		if stepErr = r.act(s); stepErr != nil {
			stepErr = fmt.Errorf("line %d: %s: %w", s.Line, s.Kind, stepErr)
			break
		}
	}
	deadline := time.Now().Add(r.within(0))
	for stepErr == nil && time.Now().Before(deadline) && !steady(&mu, &probes, settleFor) {
		time.Sleep(o.Interval)
	}
	cancel()
	<-done
	worst, lost := lossWindow(probes)
	detail = fmt.Sprintf("%d probes %s -> %s every %s, %d lost, longest loss %s", len(probes), o.From, o.To, o.Interval, lost, worst.Round(time.Millisecond))
	switch {
	case stepErr != nil:
		return stepErr.Error(), detail
	case !steady(&mu, &probes, settleFor):
		return fmt.Sprintf("traffic did not recover within %s", r.within(0)), detail
	case worst > o.Max:
		return fmt.Sprintf("outage of %s, more than %s", worst.Round(time.Millisecond), o.Max), detail
	}
	return "", detail
}

// steady says the probes of the last d were all answered.
func steady(mu *sync.Mutex, probes *[]probeResult, d time.Duration) bool {
	mu.Lock()
	defer mu.Unlock()
	ps := *probes
	if len(ps) == 0 || time.Since(ps[0].sent) < d {
		return false
	}
	for i := len(ps) - 1; i >= 0 && time.Since(ps[i].sent) <= d; i-- {
		if !ps[i].answered {
			return false
		}
	}
	return true
}

// lossWindow is the longest time from a lost probe's send to the next
// answered probe's send, and how many probes were lost.
func lossWindow(ps []probeResult) (worst time.Duration, lost int) {
	var first time.Time
	for _, p := range ps {
		switch {
		case !p.answered:
			lost++
			if first.IsZero() {
				first = p.sent
			}
		case !first.IsZero():
			worst = max(worst, p.sent.Sub(first))
			first = time.Time{}
		}
	}
	if !first.IsZero() && len(ps) > 0 {
		worst = max(worst, ps[len(ps)-1].sent.Sub(first))
	}
	return worst, lost
}

// state is what a failed action leaves to look at: the gateway's log for
// kill and restart, the controller's for the rest of a cloud lab.
func (r *run) state(s Step) string {
	gw := s.Kill + s.Restart
	if g, err := lab.FindGateway(r.ctx, r.lab, gw); gw != "" && err == nil {
		return lab.Tail(emulator.GatewayLog(r.lab, g.Node), 20)
	}
	switch {
	case lab.IsCloudLab(r.lab):
		return lab.Tail(lab.LogFile(r.lab, lab.ControllerDaemon), 20)
	}
	return ""
}
