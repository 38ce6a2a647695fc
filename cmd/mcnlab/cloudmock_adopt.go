package main

import (
	"strings"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// removeUnadopted deletes the namespaces that a dead cloud of the lab
// recorded (left) and its successor did not adopt (held lists what the
// realizer holds): objects the restored model no longer has, whose
// deletion the dead cloud had saved but not yet made. Only recorded
// namespaces of the lab are touched.
func (cl *cloudLab) removeUnadopted(left []state.Node, held []string) {
	keep := map[string]bool{}
	for _, ns := range held {
		keep[ns] = true
	}
	var gone []string
	for _, n := range left {
		if !keep[n.Namespace] && strings.HasPrefix(n.Namespace, emulator.NamespaceName(cl.rec.Name, "")) {
			_ = emulator.KillNamespace(n.Namespace)
			err := netns.Delete(n.Namespace)
			if err == nil || !netns.Exists(n.Namespace) {
				gone = append(gone, n.Namespace)
			}
			cloudLog.Printf("removed namespace %s, left by the dead cloud for no object of the restored model (%v)", n.Namespace, err)
		}
	}
	for _, ns := range gone {
		cl.forget(ns)
	}
}
