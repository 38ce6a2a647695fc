package lab

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
)

// maxWaitingLines bounds how many of the controller's waiting lines a
// progress report prints.
const maxWaitingLines = 20

// WaitConverged waits until the lab's controller reports convergence,
// within limit, printing to out what is still missing every few seconds.
// A daemon of the lab that dies fails it at once, with its log.
func WaitConverged(ctx context.Context, out io.Writer, lab string, limit time.Duration) error {
	c, err := API(lab)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	var waiting []string // what the controller waits for, last seen
	for {
		// A daemon that died fails the deploy at once, with its log.
		if err := DeadDaemon(lab); err != nil {
			return err
		}
		st, err := c.Status(ctx)
		if err == nil && st.Converged {
			return nil
		}
		if time.Since(last) > 3*time.Second {
			last = time.Now()
			if err != nil {
				fmt.Fprintf(out, "  waiting: %v\n", err)
			} else {
				waiting = waitingReport(out, st, waiting)
			}
		}
		select {
		case <-ctx.Done():
			if st, err := c.Status(context.Background()); err == nil {
				waiting = st.Waiting
			}
			return notConverged(lab, limit.String(), waiting)
		case <-tick.C:
		}
	}
}

// waitingReport prints a not yet converged lab's progress: its sessions
// count, and what the controller waits for (api.Status.Waiting) when that
// changed since prev. It returns the lines to compare with next time.
func waitingReport(out io.Writer, st api.Status, prev []string) []string {
	up, all := 0, 0
	for _, g := range st.Gateways {
		up += g.SessionsUp
		all += g.Sessions
	}
	fmt.Fprintf(out, "  waiting: %d of %d BGP sessions established\n", up, all)
	if !slices.Equal(st.Waiting, prev) {
		fmt.Fprint(out, WaitingLines(st.Waiting, "    "))
	}
	return st.Waiting
}

// WaitingLines writes what the controller waits for (api.Status.Waiting)
// as a list, each line after indent, at most maxWaitingLines of them.
func WaitingLines(lines []string, indent string) string {
	var b strings.Builder
	for i, l := range lines {
		if i == maxWaitingLines {
			fmt.Fprintf(&b, "%s(and %d more: `mcnlab inspect` lists them all)\n", indent, len(lines)-i)
			break
		}
		fmt.Fprintf(&b, "%s- %s\n", indent, l)
	}
	return b.String()
}

// notConverged is the error of a deploy whose lab did not converge in
// time: it names what the lab was still waiting for.
func notConverged(lab, limit string, last []string) error {
	if len(last) == 0 {
		return fmt.Errorf("lab %s did not converge within %s (`mcnlab inspect --lab %s` shows why)", lab, limit, lab)
	}
	return fmt.Errorf("lab %s did not converge within %s; it was waiting for:\n%s", lab, limit, strings.TrimRight(WaitingLines(last, "  "), "\n"))
}
