package policy_test

import (
	"testing"

	"github.com/google/nftables"

	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// nsConn makes a namespace for the test (removed even when it fails) and
// an nftables connection into it.
func nsConn(t *testing.T) (*roottest.NS, *nftables.Conn) {
	t.Helper()
	roottest.Require(t)
	ns := roottest.NewNamespaces(t, "pol")[0]
	c, err := nftables.New(nftables.WithNetNSFd(int(ns.Handle)))
	if err != nil {
		t.Fatalf("nftables in %s: %v", ns.Name, err)
	}
	return ns, c
}

// TestKernelHoldsWhatFakeRenders: every case of TestApplyRendersIntendedState,
// applied to a fresh namespace, reads back from the kernel as the same text.
func TestKernelHoldsWhatFakeRenders(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := nsConn(t)
			if err := policy.Apply(c, tc.tables...); err != nil {
				t.Fatal(err)
			}
			got, err := policy.Dump(c, tc.tables...)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("kernel holds:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
