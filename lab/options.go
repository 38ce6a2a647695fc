package lab

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
)

// DefaultConvergeTimeout bounds a deploy's wait for the lab's gateways to
// converge once its cloud and controller are up (Options.ConvergeTimeout).
const DefaultConvergeTimeout = 90 * time.Second

// cloudReadyTimeout bounds a lab's start of its emulated cloud and of its
// controller.
const cloudReadyTimeout = 30 * time.Second

// Options are what a command gives the lab: where progress goes and which
// binary the lab's daemons run. The zero value is what `mcnlab` itself
// uses.
type Options struct {
	// Self is the mcnlab binary that the lab's daemons (cloud,
	// controller, supervisor, gateways) run; empty: this executable.
	// Tests, which run a test binary, point it at a built mcnlab.
	Self string
	// Out receives a deploy's progress lines; nil: discarded.
	Out io.Writer
	// Progress receives the emulator's steps; nil: a printer on stdout.
	Progress emulator.Progress
	// ConvergeTimeout bounds a deploy's wait for convergence; zero:
	// DefaultConvergeTimeout.
	ConvergeTimeout time.Duration
}

// self returns the binary the lab's daemons run.
func (o Options) self() (string, error) {
	if o.Self != "" {
		return o.Self, nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find mcnlab binary: %w", err)
	}
	return self, nil
}

func (o Options) out() io.Writer {
	if o.Out == nil {
		return io.Discard
	}
	return o.Out
}

func (o Options) progress() emulator.Progress {
	if o.Progress == nil {
		return emulator.NewPrinter(os.Stdout)
	}
	return o.Progress
}

func (o Options) convergeTimeout() time.Duration {
	if o.ConvergeTimeout == 0 {
		return DefaultConvergeTimeout
	}
	return o.ConvergeTimeout
}
