package gateway

import (
	"testing"

	"github.com/google/nftables"

	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestSegmentationRulesInKernel: each policy of TestSegmentationRules,
// applied to a fresh namespace's kernel, reads back as the same text, and
// the gateway's drop counters read from it.
func TestSegmentationRulesInKernel(t *testing.T) {
	roottest.Require(t)
	for _, tc := range segCases() {
		t.Run(tc.name, func(t *testing.T) {
			ns := roottest.NewNamespaces(t, "seg")[0]
			c, err := nftables.New(nftables.WithNetNSFd(int(ns.Handle)))
			if err != nil {
				t.Fatal(err)
			}
			nft := nftPolicy{conn: c}
			if err := nft.start(); err != nil {
				t.Fatal(err)
			}
			if err := nft.setSegmentation(&tc.seg); err != nil {
				t.Fatal(err)
			}
			got, err := policy.Dump(c, segTable)
			if err != nil || got != tc.want {
				t.Errorf("kernel holds (%v):\n%s\nwant:\n%s", err, got, tc.want)
			}
			drops, err := nft.drops(&tc.seg)
			if err != nil || len(drops) != len(tc.seg.denied()) {
				t.Errorf("drops = %v, %v; want one per denied pair", drops, err)
			}
			if err := nft.close(); err != nil {
				t.Fatal(err)
			}
			if got, err := policy.Dump(c, segTable, mssTable); err != nil || got != "" {
				t.Errorf("after close the kernel holds (%v):\n%s", err, got)
			}
		})
	}
}
