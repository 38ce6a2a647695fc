package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestSecurityBenchShortRun runs the security benchmark's own code path
// briefly (300 ms, one round): every case carries traffic, the egress
// case's streams are each allowed by the filter's rule and the FireNet
// case's packets cross the firewalls, and the table puts each beside
// plain forwarding. The numbers are for the log: the machine is shared.
func TestSecurityBenchShortRun(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	lab := roottest.LabName(t, "bs")
	var log bytes.Buffer
	res, err := Security(context.Background(), SecurityOptions{Lab: lab, Streams: 2, Duration: 300 * time.Millisecond, Repeats: 1, Log: &log})
	roottest.AssertGone(t, lab)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for _, c := range res.Cases {
		if c.Gbps.Median <= 0 {
			t.Errorf("case %s carried nothing: %+v", c.Name, c)
		}
	}
	if c := res.Cases[1]; c.Name != "fqdn-egress" || c.Crossed != 2 {
		t.Errorf("egress case %+v: want both streams allowed by the filter's rule", c)
	}
	if c := res.Cases[2]; c.Name != "firenet-pair" || c.Crossed == 0 {
		t.Errorf("FireNet case %+v: want packets through the firewalls", c)
	}
	var tb strings.Builder
	res.WriteTable(&tb)
	for _, want := range []string{"| plain |", "| fqdn-egress |", "| firenet-pair |", "1.00x"} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
	t.Log("\n" + tb.String())
}
