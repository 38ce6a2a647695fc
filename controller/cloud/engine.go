package cloud

import "context"

// Engine is what a provider's Plan, Apply and Observe are made of, over
// its own picture W of the account: validate the desired state, observe
// the account, plan the operations from the two, run them (RunOps) and
// remember what was seen (for SyncRoutes). A provider keeps its methods
// and hands them to an Engine.
type Engine[W any] struct {
	Validate  func(Desired) error
	Observe   func(context.Context) (W, error)
	Plan      func(Desired, W) ([]Op, error)
	Remember  func(W)
	Inventory func(W) Inventory
}

// diff validates d, observes the account and returns the operations that
// bring it to d, with the picture they act on.
func (e Engine[W]) diff(ctx context.Context, d Desired) ([]Op, W, error) {
	var none W
	if err := e.Validate(d); err != nil {
		return nil, none, err
	}
	w, err := e.Observe(ctx)
	if err != nil {
		return nil, none, err
	}
	ops, err := e.Plan(d, w)
	if err != nil {
		return nil, none, err
	}
	return ops, w, nil
}

// PlanCalls returns the calls ApplyOps would make now, in order, making
// none.
func (e Engine[W]) PlanCalls(ctx context.Context, d Desired) ([]Call, error) {
	ops, _, err := e.diff(ctx, d)
	if err != nil {
		return nil, err
	}
	return Calls(ops), nil
}

// ApplyOps makes those calls and returns the inventory afterwards and the
// calls made; on an error, what exists so far and the calls that
// succeeded.
func (e Engine[W]) ApplyOps(ctx context.Context, d Desired) (Inventory, []Call, error) {
	ops, w, err := e.diff(ctx, d)
	if err != nil {
		return Inventory{}, nil, err
	}
	made, err := RunOps(ctx, ops)
	e.Remember(w)
	return e.Inventory(w), made, err
}

// ObserveInventory returns the inventory of the account as it is,
// making no changes.
func (e Engine[W]) ObserveInventory(ctx context.Context) (Inventory, error) {
	w, err := e.Observe(ctx)
	if err != nil {
		return Inventory{}, err
	}
	e.Remember(w)
	return e.Inventory(w), nil
}
