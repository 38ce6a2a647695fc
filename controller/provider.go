package controller

import (
	"context"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
)

// NewProvider returns the SDK client of an account through the factory its
// provider registered (cloud.Register; the lab links them in through
// controller/cloud/providers): against the endpoint ep (the lab's emulated
// cloud) for credentials "lab", and against the real cloud with the SDK's
// default chain ("env") or a named profile ("profile:NAME") otherwise.
// owner tags what it creates. a.Region is the account's home region; each
// VPC of a.Desired, with what it holds, is made in its own region.
func NewProvider(ctx context.Context, a intent.Account, owner string, ep *cloud.Endpoint) (cloud.Provider, error) {
	return cloud.New(ctx, string(a.Account.Provider), cloud.Config{Owner: owner, Region: a.Region,
		Credentials: a.Account.Credentials, Compartment: a.Account.Compartment, Endpoint: ep, Known: a.Desired})
}
