package bench

import (
	"context"
	"testing"
	"time"
)

func TestAPIBench(t *testing.T) {
	res, err := API(context.Background(), 2, 300*time.Millisecond, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls < 8 || res.CallsPerSec.Median <= 0 || res.LatencyP50 <= 0 || res.LatencyP99 < res.LatencyP50 {
		t.Errorf("no measurement: %+v", res)
	}
}
