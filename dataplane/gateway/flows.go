package gateway

import (
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/google/nftables"

	"github.com/mcnlab/mcnlab/dataplane/flowexport"
)

// The engine's flow export component: a flowexport.Exporter started by
// the first Config that has a FlowExport, re-started when it changes,
// closed when a Config drops it or the engine closes. It names each
// address's domain from the segmentation in place, and reads the flows the
// segmentation drops from its flow set (deniedSet, nft.go).

// flowExporter is a running export (*flowexport.Exporter).
type flowExporter interface {
	// SetDomain changes how addresses are named to domains.
	SetDomain(func(netip.Addr) string)
	// Close stops the export; it is idempotent.
	Close() error
}

// kernelFlows starts an exporter on the namespace's connection tracker
// and the segmentation's flow set of denied flows, each with an nftables
// connection of its own (its reads run beside Apply's batches).
func kernelFlows(cfg flowexport.Config, domain func(netip.Addr) string, log *slog.Logger) (flowExporter, error) {
	readNFT, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("flow export: nftables: %w", err)
	}
	src, err := flowexport.NewKernelSource(readNFT, flowexport.DeniedSet{Table: segTable.Name, Set: deniedSet})
	if err != nil {
		return nil, err
	}
	applyNFT, err := nftables.New()
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("flow export: nftables: %w", err)
	}
	x, err := flowexport.Start(cfg, applyNFT, src, domain, log)
	if err != nil {
		src.Close()
		return nil, err
	}
	return x, nil
}

// applyFlowExportLocked starts, re-starts or stops the export as the plan
// says, and names domains by the segmentation in place.
func (e *Engine) applyFlowExportLocked(a *applying) {
	if a.plan.FlowExport {
		if err := e.closeFlowExportLocked(); err != nil {
			a.fail(err)
		}
		if want := a.want.FlowExport; want != nil {
			if e.sys.startFlows == nil {
				a.fail(fmt.Errorf("flow export: not supported here"))
				return
			}
			x, err := e.sys.startFlows(want.Config, domainOf(e.cur.Segmentation, want.Domains), e.log)
			if err != nil {
				a.fail(fmt.Errorf("start flow export: %w", err))
				return
			}
			e.flows = x
			e.cur.FlowExport = cloneConfig(Config{FlowExport: want}).FlowExport
		}
		return
	}
	if a.plan.Segmentation && e.flows != nil {
		e.flows.SetDomain(domainOf(e.cur.Segmentation, e.cur.FlowExport.Domains))
	}
}

// closeFlowExportLocked stops the export.
func (e *Engine) closeFlowExportLocked() error {
	if e.flows == nil {
		return nil
	}
	err := e.flows.Close()
	e.flows, e.cur.FlowExport = nil, nil
	if err != nil {
		return fmt.Errorf("close flow export: %w", err)
	}
	return nil
}

func flowExportEqual(a, b *FlowExport) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Config == b.Config && segEqual(&Segmentation{Domains: a.Domains}, &Segmentation{Domains: b.Domains})
}

// domainOf names an address's domain under s, or without s by the
// domains of names ("" for none).
func domainOf(s *Segmentation, names []Domain) func(netip.Addr) string {
	s = cloneSegmentation(s)
	if s == nil {
		s = cloneSegmentation(&Segmentation{Domains: names})
	}
	return func(a netip.Addr) string {
		for _, d := range s.Domains {
			for _, p := range d.Prefixes {
				if p.Contains(a) {
					return d.Name
				}
			}
		}
		return ""
	}
}
