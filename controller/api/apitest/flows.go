package apitest

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
)

var _ api.FlowsBackend = (*Fake)(nil)

// flowsAt is when the fake's flows started.
var flowsAt = time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)

// Flows answers with two flow directions through tr1 (a TCP connection
// prod>shared) and a ping dev>prod it denied, or their groups; an unknown
// grouping is invalid, as the controller's is.
func (f *Fake) Flows(_ context.Context, q api.FlowsQuery) (api.Flows, error) {
	a := netip.MustParseAddr
	flows := []api.Flow{
		{Gateway: "tr1", Src: a("10.1.1.10"), Dst: a("10.3.1.20"), Proto: "tcp", SrcPort: 40000, DstPort: 5432, Packets: 6, Bytes: 1320,
			Start: flowsAt, End: flowsAt.Add(time.Second), SrcDomain: "prod", DstDomain: "shared", Action: "permit"},
		{Gateway: "tr1", Src: a("10.3.1.20"), Dst: a("10.1.1.10"), Proto: "tcp", SrcPort: 5432, DstPort: 40000, Packets: 4, Bytes: 224,
			Start: flowsAt, End: flowsAt.Add(time.Second), SrcDomain: "shared", DstDomain: "prod", Action: "permit"},
		{Gateway: "tr1", Src: a("10.2.1.10"), Dst: a("10.1.1.10"), Proto: "icmp", Packets: 2, Bytes: 168,
			Start: flowsAt, End: flowsAt.Add(time.Second), SrcDomain: "dev", DstDomain: "prod", Action: "deny"},
	}
	out := api.Flows{By: q.By}
	switch q.By {
	case "":
		out.Flows = flows
	case "domain":
		out.Groups = []api.FlowGroup{{Key: "prod>shared", Flows: 1, Packets: 6, Bytes: 1320}, {Key: "shared>prod", Flows: 1, Packets: 4, Bytes: 224},
			{Key: "dev>prod", Flows: 1, Packets: 2, Bytes: 168, Denied: 1}}
	case "gateway":
		out.Groups = []api.FlowGroup{{Key: "tr1", Flows: 3, Packets: 12, Bytes: 1712, Denied: 1}}
	case "app":
		out.Groups = []api.FlowGroup{{Key: "tcp/5432", Flows: 2, Packets: 10, Bytes: 1544}, {Key: "icmp", Flows: 1, Packets: 2, Bytes: 168, Denied: 1}}
	default:
		return api.Flows{}, fmt.Errorf("%w: by %q: want domain, gateway or app", api.ErrInvalid, q.By)
	}
	if q.Top > 0 && len(out.Flows) > q.Top {
		out.Flows = out.Flows[:q.Top]
	}
	if q.Top > 0 && len(out.Groups) > q.Top {
		out.Groups = out.Groups[:q.Top]
	}
	return out, nil
}
