package oci

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/identity"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// InCompartment makes the provider work in the compartment named by
// spec (topologies.Account.Compartment): a compartment's OCID, used as
// it is, or the name of a compartment directly under the root
// compartment given to New, which Apply makes through the Identity API
// when the tenancy has none of that name. "" keeps New's compartment.
func InCompartment(spec string) Option {
	return func(p *Provider) { p.comp.want, p.comp.parent = spec, p.compartment }
}

// compartmentOf is where a Provider stands with its named compartment.
type compartmentOf struct {
	mu       sync.Mutex
	want     string // the name or OCID asked for; "" for New's compartment
	parent   string // New's compartment, where a named one is looked up and made
	resolved bool   // p.compartment holds it
}

// useCompartment resolves the named compartment into p.compartment,
// once: an OCID must be an ACTIVE compartment; a name is looked up
// among the root compartment's children and, with create, made when
// missing and waited for until ACTIVE. It reports whether the
// compartment exists; without create a missing one is not an error
// (nothing of the owner's can be in it).
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/identity/20160918/Compartment/CreateCompartment — compartmentId (the parent), name and description; CREATING until ACTIVE
func (p *Provider) useCompartment(ctx context.Context, create bool) (exists bool, err error) {
	exists, _, err = p.resolveCompartment(ctx, create)
	return exists, err
}

// compartmentRef names the compartment in a plan's calls: its OCID, or
// its name in angle brackets while it is still to be made.
func (p *Provider) compartmentRef() string {
	c := &p.comp
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.want != "" && !c.resolved {
		return "<" + c.want + ">"
	}
	return p.compartment
}

// compartmentCall is the call that makes the named compartment, as plan
// lists it.
func (p *Provider) compartmentCall() cloud.Call {
	return cloud.Call{Service: "identity", Action: "CreateCompartment", Object: p.comp.want, Detail: "compartmentId=" + p.comp.parent}
}

// inCompartment resolves the compartment for a call that reads or
// changes what is in it; a compartment still to be made holds nothing.
func (p *Provider) inCompartment(ctx context.Context) error {
	exists, err := p.useCompartment(ctx, false)
	if err == nil && !exists {
		err = fmt.Errorf("compartment %s does not exist yet (apply makes it)", p.comp.want)
	}
	return err
}

// resolveCompartment is useCompartment; created says it made the
// compartment.
func (p *Provider) resolveCompartment(ctx context.Context, create bool) (exists, created bool, err error) {
	c := &p.comp
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.want == "" || c.resolved {
		return true, false, nil
	}
	if strings.HasPrefix(c.want, "ocid1.") {
		var r identity.GetCompartmentResponse
		err := call(ctx, func(ctx context.Context) (err error) {
			r, err = p.id.GetCompartment(ctx, identity.GetCompartmentRequest{CompartmentId: &c.want, RequestMetadata: noRetry()})
			return err
		})
		if err != nil {
			return false, false, fmt.Errorf("compartment %s: %w", c.want, err)
		}
		if r.LifecycleState != identity.CompartmentLifecycleStateActive {
			return false, false, fmt.Errorf("compartment %s is %s, not ACTIVE", c.want, r.LifecycleState)
		}
		p.compartment, c.resolved = c.want, true
		return true, false, nil
	}
	id, err := p.findCompartment(ctx, c.want)
	if err != nil || id == "" && !create {
		return false, false, err
	}
	if id == "" {
		if id, err = p.createCompartment(ctx, c.want); err != nil {
			return false, false, err
		}
		created = true
	}
	if err := p.await(ctx, "compartment "+c.want, func(ctx context.Context) (string, error) {
		r, err := p.id.GetCompartment(ctx, identity.GetCompartmentRequest{CompartmentId: &id, RequestMetadata: noRetry()})
		return string(r.LifecycleState), err
	}, string(identity.CompartmentLifecycleStateActive)); err != nil {
		return false, false, err
	}
	p.compartment, c.resolved = id, true
	return true, created, nil
}

// findCompartment is the OCID of the root compartment's child named
// name that is not being deleted, or "".
func (p *Provider) findCompartment(ctx context.Context, name string) (string, error) {
	var found string
	err := pages(ctx, "compartments", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.id.ListCompartments(ctx, identity.ListCompartmentsRequest{CompartmentId: &p.comp.parent, Name: &name, Page: page})
		for _, c := range r.Items {
			if st := c.LifecycleState; found == "" && c.Name != nil && *c.Name == name &&
				st != identity.CompartmentLifecycleStateDeleting && st != identity.CompartmentLifecycleStateDeleted {
				found = *c.Id
			}
		}
		return r.OpcNextPage, err
	})
	return found, err
}

// createCompartment makes compartment name under the root compartment,
// tagged with the owner.
func (p *Provider) createCompartment(ctx context.Context, name string) (string, error) {
	var r identity.CreateCompartmentResponse
	err := call(ctx, func(ctx context.Context) (err error) {
		r, err = p.id.CreateCompartment(ctx, identity.CreateCompartmentRequest{CreateCompartmentDetails: identity.CreateCompartmentDetails{
			CompartmentId: &p.comp.parent, Name: &name, Description: common.String("mcnlab: the networks of " + p.owner), FreeformTags: p.tags(name)}})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create compartment %s: %w", name, err)
	}
	return *r.Id, nil
}

// noRetry turns the SDK's own retries off for a call: after a create the
// SDK retries a 404 for minutes (its eventual-consistency window), where
// a compartment that is not there is an error to report at once, and
// await polls by itself.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/SDKDocs/gosdkconcepts.htm#Retries — default retries, eventual consistency
func noRetry() common.RequestMetadata {
	p := common.NoRetryPolicy()
	return common.RequestMetadata{RetryPolicy: &p}
}
