package bench

import (
	"context"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"
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

// TestAPIAzureBench: a short run through the Azure SDK makes whole rounds
// (13 ARM requests each) without an error.
func TestAPIAzureBench(t *testing.T) {
	res, err := APIAzure(context.Background(), 2, 500*time.Millisecond, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls < 13 || res.CallsPerSec.Median <= 0 || res.LatencyP50 <= 0 || res.LatencyP99 < res.LatencyP50 {
		t.Errorf("no measurement: %+v", res)
	}
}

func TestAPIEffect(t *testing.T) {
	roottest.Require(t)
	lab := roottest.LabName(t, "ae")
	res, err := APIEffect(context.Background(), lab, 3)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changes != 6 || res.RouteInLab.P50 <= 0 || res.SGInLab.P50 <= 0 || res.SGModel.P50 <= 0 {
		t.Errorf("missing measurements: %+v", res)
	}
	if !res.PingAfterSG {
		t.Error("the first ping after the ICMP rule's call returned was not answered: the call returned before its change was in force")
	}
	roottest.AssertGone(t, lab)
}

// TestAPIGCPBench runs the GCP API benchmark briefly: every round's calls
// succeed and it reports a rate.
func TestAPIGCPBench(t *testing.T) {
	res, err := APIGCP(t.Context(), 2, 300*time.Millisecond, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls < 9 || res.CallsPerSec.Median <= 0 {
		t.Fatalf("GCP bench: %d calls, %.0f/s", res.Calls, res.CallsPerSec.Median)
	}
}

func TestAPIOCIBench(t *testing.T) {
	res, err := APIOCI(t.Context(), 2, 300*time.Millisecond, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls < 9 || res.CallsPerSec.Median <= 0 || res.CPUPerCall <= 0 {
		t.Fatalf("OCI bench: %d calls, %.0f/s, %.2f CPU ms a call", res.Calls, res.CallsPerSec.Median, res.CPUPerCall)
	}
}
