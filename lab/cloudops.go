package lab

import (
	"context"
	"fmt"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// accountProvider finds the provider of the account that holds instance
// key in a cloud lab and calls f with it; it closes the providers after.
func accountProvider(ctx context.Context, lab, key string, f func(cloud.Provider) error) error {
	t, err := topologies.Load(TopologyFile(lab))
	if err != nil {
		return err
	}
	cp, err := intent.Compile(t)
	if err != nil {
		return err
	}
	providers, err := Providers(ctx, cp, lab, "")
	if err != nil {
		return err
	}
	defer CloseProviders(providers)
	var keys []string
	for _, a := range cp.Accounts {
		for _, in := range a.Desired.Instances {
			keys = append(keys, in.Key)
			if in.Key == key {
				return f(providers[a.Account.Name])
			}
		}
	}
	slices.Sort(keys)
	return fmt.Errorf("lab %s has no cloud instance %q (there are: %v)", lab, key, keys)
}

// SetPower stops (on false) or starts a cloud lab's instance (a
// firewall, a gateway or a workload instance, by its key: fw1, prod-1)
// through its cloud's API, as the console or CLI would, and returns once
// the cloud reports it stopped or running.
func SetPower(ctx context.Context, lab, key string, on bool) error {
	return accountProvider(ctx, lab, key, func(p cloud.Provider) error {
		pw, ok := p.(cloud.Powerer)
		if !ok {
			return fmt.Errorf("instance %s: its cloud's provider cannot stop or start instances", key)
		}
		return pw.SetPower(ctx, key, on)
	})
}

// RouteTable reads the route table of a cloud lab workload's subnet
// through its cloud's API (as FlightPath lays it out), with the lab's
// instances to name route targets.
func RouteTable(ctx context.Context, lab, workload string) (cloud.TableState, map[string]cloud.InstanceInfo, error) {
	cp, instances, err := PlanAndInstances(ctx, lab)
	if err != nil {
		return cloud.TableState{}, nil, err
	}
	i := slices.IndexFunc(cp.Endpoints, func(e intent.Endpoint) bool { return e.Name == workload && e.Instance != "" })
	if i < 0 {
		return cloud.TableState{}, nil, fmt.Errorf("lab %s has no cloud workload %q", lab, workload)
	}
	var table cloud.TableState
	err = accountProvider(ctx, lab, cp.Endpoints[i].Instance, func(p cloud.Provider) error {
		pr, ok := p.(cloud.PathReader)
		if !ok {
			return fmt.Errorf("workload %s: its cloud's provider cannot read route tables", workload)
		}
		end, err := pr.ReadEnd(ctx, cp.Endpoints[i].Instance)
		table = end.Table
		return err
	})
	return table, instances, err
}
