package bench

import (
	"context"
	"errors"
)

// strongSwan is the outside baseline: charon with kernel-libipsec in both
// gateways.
type strongSwan struct {
	pids []int
}

// startStrongSwan is filled in below when charon is installed.
func startStrongSwan(ctx context.Context, l *hpeLab) (*strongSwan, string, error) {
	return nil, "strongSwan baseline not implemented yet", errors.ErrUnsupported
}

func (s *strongSwan) PIDs() []int  { return s.pids }
func (s *strongSwan) Close() error { return nil }
