package aws

import (
	"net/http/httptest"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/held"
)

// The EC2 and Direct Connect front-ends mark every Describe and Get as a
// read for the wrappers around them (cloudmock/held), and nothing else, so
// that a read is never held back, or failed, while another call's change is
// brought in force.
func TestReadsAreMarked(t *testing.T) {
	for action, want := range map[string]bool{
		"DescribeRouteTables": true, "DescribeVpcs": true, "GetManagedPrefixListEntries": true, "DescribeVirtualInterfaces": true,
		"CreateRoute": false, "DeleteVpc": false, "RunInstances": false, "CreatePrivateVirtualInterface": false, "": false,
	} {
		rec := held.NewResponse()
		markRead(rec, action)
		if rec.Read() != want {
			t.Errorf("%q marked read: %v, want %v", action, rec.Read(), want)
		}
	}
	markRead(httptest.NewRecorder(), "DescribeVpcs") // a plain writer is left alone
}
