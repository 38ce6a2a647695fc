package bench

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/cloudmock/persist"
)

// TestAPIBenchState runs bench api with a state file over three repeats
// (rounds cut by a repeat's end must not exhaust the VPC quota) and checks
// that the file holds the cloud the bench left.
func TestAPIBenchState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	res, err := APIState(context.Background(), 2, 200*time.Millisecond, 3, path)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls < 8 || res.CallsPerSec.Median <= 0 {
		t.Errorf("no measurement: %+v", res)
	}
	st, err := persist.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := model.New()
	if ok, err := st.Load(c); !ok || err != nil {
		t.Fatalf("the bench's state file holds no cloud: %v, %v", ok, err)
	}
	if len(c.Accounts()) != 1 || c.Seq() < uint64(res.Calls)/2 {
		t.Errorf("saved cloud: %d accounts, Seq %d after %d calls", len(c.Accounts()), c.Seq(), res.Calls)
	}
	if _, err := APIState(context.Background(), 1, 10*time.Millisecond, 1, path); err == nil {
		t.Error("bench api reused an existing state file")
	}
}
