package emulator

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// Progress receives a deploy's or destroy's progress: phase name, items done
// and items in all. It is called from one goroutine at a time.
type Progress interface {
	Step(phase string, done, total int)
}

// Silent is a Progress that reports nothing.
type Silent struct{}

// Step does nothing.
func (Silent) Step(string, int, int) {}

// Printer writes progress to a writer: on a terminal it redraws one line per
// phase as counts grow; elsewhere it prints one line per finished phase.
type Printer struct {
	W     io.Writer
	tty   bool
	mu    sync.Mutex // guards the fields below
	phase string
	start time.Time
	last  time.Time
}

// NewPrinter returns a Printer on w.
func NewPrinter(w io.Writer) *Printer {
	p := &Printer{W: w}
	if f, ok := w.(*os.File); ok {
		p.tty = term.IsTerminal(int(f.Fd()))
	}
	return p
}

// Step reports progress of a phase.
func (p *Printer) Step(phase string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if phase != p.phase {
		p.phase, p.start = phase, now
	}
	finished := done >= total
	if p.tty && !finished && now.Sub(p.last) < 50*time.Millisecond {
		return
	}
	p.last = now
	line := fmt.Sprintf("  %-12s %5d/%-5d", phase, done, total)
	switch {
	case finished:
		line += fmt.Sprintf(" %8s", now.Sub(p.start).Round(time.Millisecond))
		if p.tty {
			fmt.Fprintf(p.W, "\r%s\033[K\n", line)
		} else {
			fmt.Fprintln(p.W, line)
		}
	case p.tty:
		fmt.Fprintf(p.W, "\r%s\033[K", line)
	}
}
