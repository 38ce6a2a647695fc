package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// call makes one SDK call with the world lock of the op it belongs to
// released (cloud.Unlocked), so that Apply's other ops run meanwhile.
func call(ctx context.Context, do func(context.Context) error) error {
	var err error
	cloud.Unlocked(ctx, func() { err = do(ctx) })
	return err
}

// gone reports whether err is the API's 404: the object is not there (or
// not the caller's to see).
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/References/apierrors.htm — 404 NotAuthorizedOrNotFound
func gone(err error) bool {
	var se common.ServiceError
	return errors.As(err, &se) && se.GetHTTPStatusCode() == http.StatusNotFound
}

// await polls an object's lifecycle state, as the SDK's waiters do,
// until it is one of want; a 404 counts as TERMINATED. A state that can
// no longer become one of want (FAILED, or TERMINATED when not wanted)
// is an error.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/SDKDocs/gosdk.htm — waiters poll a resource's lifecycle state
func (p *Provider) await(ctx context.Context, what string, get func(context.Context) (string, error), want ...string) error {
	for {
		var state string
		err := call(ctx, func(ctx context.Context) error {
			var err error
			state, err = get(ctx)
			return err
		})
		switch {
		case gone(err) && slices.Contains(want, "TERMINATED"):
			return nil
		case err != nil:
			return fmt.Errorf("wait for %s: %w", what, err)
		case slices.Contains(want, state):
			return nil
		case state == "FAILED" || state == "TERMINATED":
			return fmt.Errorf("wait for %s: it is %s", what, state)
		}
		var waited error
		cloud.Unlocked(ctx, func() {
			select {
			case <-ctx.Done():
				waited = ctx.Err()
			case <-time.After(p.poll):
			}
		})
		if waited != nil {
			return fmt.Errorf("wait for %s: %w", what, waited)
		}
	}
}
