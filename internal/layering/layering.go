// Package layering checks mcnlab's packages against the architecture that
// DESIGN.md sets down: imports run downward only, cmd → scenarios/bench →
// lab → controller → cloudmock/dataplane → emulator → topologies; the
// controller never imports cloudmock (it reaches a cloud through the SDK
// calls it would make against the real one) nor, outside its tests, the
// emulator or its probes (it reaches gateways and nodes through the seams
// of controller/nodes); and every package has one doc comment. Its tests apply the checks to the whole module through `go list`.
//
// It only reads: it lists packages with the go command and parses their
// package clauses; it never builds or changes the tree.
package layering

import (
	"fmt"
	"strings"
)

// Ranks gives each top-level folder its layer: a package may import one of
// a lower rank, never one of a higher rank, and never one of another folder
// of the same rank (cloudmock and dataplane, scenarios and bench are
// independent of each other). Packages of one folder may import each other
// (Go refuses cycles). A folder missing here is reported, so that a new
// folder gets its place in DESIGN.md's order before it gets code.
var Ranks = map[string]int{
	"cmd":        7,
	"scenarios":  6,
	"bench":      6,
	"lab":        5,
	"controller": 4,
	"cloudmock":  3,
	"dataplane":  3,
	"emulator":   2,
	"topologies": 1,
}

// internalCeiling is the highest rank that a package under internal/ may
// import. internal/ holds helpers (root-test helpers, a TCP load generator)
// that any package may import, tests of emulator included; they may
// therefore rest on the emulator and the topology format only.
const internalCeiling = 2

// Import is one import of a module package by another, both named by their
// path inside the module ("controller/cloud/aws").
type Import struct {
	From, To string
	// Test: only _test.go files of From import To.
	Test bool
}

func (i Import) String() string {
	if i.Test {
		return i.From + " imports " + i.To + " (in its tests)"
	}
	return i.From + " imports " + i.To
}

// Exception allows an import that the rules refuse, for a reason written
// down. From and To match a package and the packages below it.
type Exception struct {
	From, To string
	// TestOnly: the exception covers imports from _test.go files only.
	TestOnly bool
	Reason   string
}

// Exceptions are today's imports that break a rule on purpose. Keep the
// list short: each entry says why the rule does not apply.
var Exceptions = []Exception{
	{From: "cloudmock/realize", To: "dataplane/policy",
		Reason: "DESIGN.md: dataplane/policy is the one nftables builder, used by the gateway's segmentation and by the realizer's rule sets"},
	{From: "cloudmock/realize", To: "dataplane/mgmt", TestOnly: true,
		Reason: "the realizer starts instances of the gateway image as `mcnlab gateway` daemons; its tests ask those daemons over their management API that they run (the realizer itself only starts them)"},
	{From: "cloudmock/realize", To: "dataplane/wg", TestOnly: true,
		Reason: "the realizer's gateway tests configure WireGuard tunnels between the gateway daemons it started, to send packets through them"},
}

const direction = "imports run downward only: cmd → scenarios/bench → lab → controller → cloudmock/dataplane → emulator → topologies (DESIGN.md)"

// Check returns the rule that imp breaks, or "" when it breaks none (or an
// Exception allows it). The message names both packages and the rule.
func Check(imp Import) string {
	rule := check(imp)
	if rule == "" {
		return ""
	}
	for _, e := range Exceptions {
		if under(imp.From, e.From) && under(imp.To, e.To) && (imp.Test || !e.TestOnly) {
			return ""
		}
	}
	return imp.String() + ": " + rule
}

func check(imp Import) string {
	from, to := top(imp.From), top(imp.To)
	if from == "internal" {
		if to == "internal" {
			return ""
		}
		if r, ok := Ranks[to]; !ok || r > internalCeiling {
			return "helpers under internal/ may import only emulator and topologies, so that every layer may use them"
		}
		return ""
	}
	rf, ok := Ranks[from]
	if !ok {
		return fmt.Sprintf("folder %q has no place in DESIGN.md's order of layers (add it to layering.Ranks)", from)
	}
	if to == "internal" {
		return ""
	}
	rt, ok := Ranks[to]
	if !ok {
		return fmt.Sprintf("folder %q has no place in DESIGN.md's order of layers (add it to layering.Ranks)", to)
	}
	if from == to {
		if from == "cloudmock" && under(imp.From, "cloudmock/model") && !under(imp.To, "cloudmock/model") {
			return "cloudmock's model is provider-neutral and imports none of its front-ends or the realizer; they import it (DESIGN.md)"
		}
		return ""
	}
	if from == "controller" && to == "cloudmock" && !(imp.Test && strings.HasPrefix(imp.From, "controller/cloud/")) {
		return "the controller never imports cloudmock: it reaches a cloud through the same SDK calls it would make against the real one; only tests under controller/cloud/* may import cloudmock (DESIGN.md)"
	}
	if from == "controller" && !imp.Test && (imp.To == "emulator" || under(imp.To, "emulator/probe")) {
		return "the controller reaches gateways and nodes only through its two seams (controller/nodes: management dial, diagnostics), which the lab implements with sockets and namespaces; it imports neither emulator nor emulator/probe outside its tests (DESIGN.md)"
	}
	switch {
	case rf < rt:
		return "imports upward; " + direction
	case rf == rt:
		return fmt.Sprintf("%s and %s are one layer and independent of each other; %s", from, to, direction)
	}
	return ""
}

// top is the top-level folder of a module path.
func top(p string) string {
	f, _, _ := strings.Cut(p, "/")
	return f
}

// under says whether p is the package prefix or one below it.
func under(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}
