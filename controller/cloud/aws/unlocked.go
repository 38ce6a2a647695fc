package aws

import (
	"context"

	"github.com/aws/smithy-go/middleware"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// unlockedCalls releases the world lock of the op a call belongs to
// (cloud.Unlocked) for the whole of each API call, retries included, so
// that Apply's other ops run while it is on the wire; it is the first
// middleware of the SDK clients' stacks.
func unlockedCalls(s *middleware.Stack) error {
	return s.Initialize.Add(middleware.InitializeMiddlewareFunc("mcnlabUnlocked",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (out middleware.InitializeOutput, md middleware.Metadata, err error) {
			cloud.Unlocked(ctx, func() { out, md, err = next.HandleInitialize(ctx, in) })
			return out, md, err
		}), middleware.Before)
}

// waitUnlocked runs an SDK waiter (its calls and its sleeps between them)
// with the op's world lock released.
func waitUnlocked(ctx context.Context, wait func(context.Context) error) error {
	var err error
	cloud.Unlocked(ctx, func() { err = wait(ctx) })
	return err
}
