package lab

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/topologies"
)

// cloudLab is a cloud lab's compiled plan with a provider per account,
// built once for an operation that needs both.
type cloudLab struct {
	plan      *intent.Plan
	providers map[string]cloud.Provider
}

// openCloudLab compiles lab's topology and builds its accounts'
// providers; Close closes them.
func openCloudLab(ctx context.Context, lab string) (*cloudLab, error) {
	t, err := topologies.Load(TopologyFile(lab))
	if err != nil {
		return nil, err
	}
	cp, err := intent.Compile(t)
	if err != nil {
		return nil, err
	}
	providers, err := Providers(ctx, cp, lab, "")
	if err != nil {
		return nil, err
	}
	return &cloudLab{plan: cp, providers: providers}, nil
}

// Close closes the lab's providers.
func (c *cloudLab) Close() { CloseProviders(c.providers) }

// instances reads every account's instances from its cloud.
func (c *cloudLab) instances(ctx context.Context) (map[string]cloud.InstanceInfo, error) {
	instances := map[string]cloud.InstanceInfo{}
	for name, p := range c.providers {
		inv, err := p.Observe(ctx)
		if err != nil {
			return nil, fmt.Errorf("observe account %s: %w", name, err)
		}
		maps.Copy(instances, inv.Instances)
	}
	return instances, nil
}

// provider returns the provider of the account that holds instance
// key, or an error naming the lab's instances.
func (c *cloudLab) provider(lab, key string) (cloud.Provider, error) {
	var keys []string
	for _, a := range c.plan.Accounts {
		for _, in := range a.Desired.Instances {
			keys = append(keys, in.Key)
			if in.Key == key {
				return c.providers[a.Account.Name], nil
			}
		}
	}
	slices.Sort(keys)
	return nil, fmt.Errorf("lab %s has no cloud instance %q (there are: %v)", lab, key, keys)
}

// SetPower stops (on false) or starts a cloud lab's instance (a
// firewall, a gateway or a workload instance, by its key: fw1, prod-1)
// through its cloud's API, as the console or CLI would, and returns once
// the cloud reports it stopped or running.
func SetPower(ctx context.Context, lab, key string, on bool) error {
	cl, err := openCloudLab(ctx, lab)
	if err != nil {
		return err
	}
	defer cl.Close()
	p, err := cl.provider(lab, key)
	if err != nil {
		return err
	}
	pw, ok := p.(cloud.Powerer)
	if !ok {
		return fmt.Errorf("instance %s: its cloud's provider cannot stop or start instances", key)
	}
	return pw.SetPower(ctx, key, on)
}

// RouteTable reads the route table of a cloud lab workload's subnet
// through its cloud's API (as FlightPath lays it out), with the lab's
// instances to name route targets.
func RouteTable(ctx context.Context, lab, workload string) (cloud.TableState, map[string]cloud.InstanceInfo, error) {
	cl, err := openCloudLab(ctx, lab)
	if err != nil {
		return cloud.TableState{}, nil, err
	}
	defer cl.Close()
	i := slices.IndexFunc(cl.plan.Endpoints, func(e intent.Endpoint) bool { return e.Name == workload && e.Instance != "" })
	if i < 0 {
		return cloud.TableState{}, nil, fmt.Errorf("lab %s has no cloud workload %q", lab, workload)
	}
	key := cl.plan.Endpoints[i].Instance
	p, err := cl.provider(lab, key)
	if err != nil {
		return cloud.TableState{}, nil, err
	}
	pr, ok := p.(cloud.PathReader)
	if !ok {
		return cloud.TableState{}, nil, fmt.Errorf("workload %s: its cloud's provider cannot read route tables", workload)
	}
	end, err := pr.ReadEnd(ctx, key)
	if err != nil {
		return cloud.TableState{}, nil, fmt.Errorf("read route table of %s: %w", workload, err)
	}
	instances, err := cl.instances(ctx)
	if err != nil {
		return cloud.TableState{}, nil, err
	}
	return end.Table, instances, nil
}
