package azure_test

import (
	"testing"

	"github.com/mcnlab/mcnlab/controller/cloud/cloudtest"
)

// TestSetPower stops spoke-1 and starts it again through the API
// (cloudtest.Power).
func TestSetPower(t *testing.T) {
	e := newEnv(t)
	cloudtest.Power(t, e.p, desired(), "spoke-1", func() string {
		for _, in := range e.cloud.Instances(sub) {
			if in.PrivateIP == ip("10.1.0.10") {
				return string(in.State)
			}
		}
		return "missing"
	})
}
