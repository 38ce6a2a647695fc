package lab

import (
	"context"
	"errors"

	"github.com/mcnlab/mcnlab/controller"
	"github.com/mcnlab/mcnlab/controller/tracker"
)

// Allocations is the VPC tracker of a cloud lab: every network of every
// account of its topology as the account's cloud lists it (through the
// controller's providers, without any gateway), and every site's
// advertised prefixes (controller.Allocations).
func Allocations(ctx context.Context, lab string) ([]tracker.Allocation, error) {
	cp, err := Plan(lab)
	if err != nil {
		return nil, err
	}
	providers, err := Providers(ctx, cp, lab, "")
	if err != nil {
		return nil, err
	}
	as, err := controller.Allocations(ctx, cp, providers)
	if err = errors.Join(err, CloseProviders(providers)); err != nil {
		return nil, err
	}
	return as, nil
}
