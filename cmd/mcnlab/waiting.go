package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/api"
)

// maxWaitingLines bounds how many of the controller's waiting lines a
// progress report prints.
const maxWaitingLines = 20

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
		fmt.Fprint(out, waitingLines(st.Waiting, "    "))
	}
	return st.Waiting
}

// waitingLines writes the waiting lines as a list, at most
// maxWaitingLines of them.
func waitingLines(lines []string, indent string) string {
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
	return fmt.Errorf("lab %s did not converge within %s; it was waiting for:\n%s", lab, limit, strings.TrimRight(waitingLines(last, "  "), "\n"))
}
