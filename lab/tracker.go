package lab

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/tracker"
)

// Allocations is the VPC tracker of a cloud lab: every network of every
// account of its topology as the account's cloud lists it (through the
// controller's providers, without any gateway), and every site's
// advertised prefixes (tracker.Build).
func Allocations(ctx context.Context, lab string) ([]tracker.Allocation, error) {
	cp, err := Plan(lab)
	if err != nil {
		return nil, err
	}
	providers, err := Providers(ctx, cp, lab, "")
	if err != nil {
		return nil, err
	}
	var accounts []tracker.Account
	for _, a := range cp.Accounts {
		name := a.Account.Name
		nl, ok := providers[name].(cloud.NetworkLister)
		if !ok {
			err = fmt.Errorf("account %s: the %s provider cannot list its networks", name, a.Account.Provider)
			break
		}
		ns, lerr := nl.Networks(ctx)
		if lerr != nil {
			err = fmt.Errorf("account %s: %w", name, lerr)
			break
		}
		accounts = append(accounts, tracker.Account{Name: name, Provider: a.Account.Provider, Networks: ns})
	}
	if err = errors.Join(err, CloseProviders(providers)); err != nil {
		return nil, err
	}
	return tracker.Build(cp.Topology.Name, accounts, cp.Topology.Cloud.Sites), nil
}
