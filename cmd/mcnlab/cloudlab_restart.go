package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mcnlab/mcnlab/controller"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// labCloudState is the state file in which a lab's cloud keeps its model
// (cloudmock serve --state).
func labCloudState(lab string) string { return filepath.Join(state.Dir(lab), "cloud.db") }

// hasCloudState reports whether the lab's cloud keeps a state file, so that
// a restarted cloud comes back with its model and adopts its dataplane.
func hasCloudState(lab string) bool {
	_, err := os.Stat(labCloudState(lab))
	return err == nil
}

// restartLabCloud starts the lab's cloud again after it died: on its state
// file (the model comes back with every ID; the namespaces, links and
// gateway daemons it made are adopted, not remade, so traffic keeps
// flowing), with the account key and the loopback address it had, so that
// the controller, which keeps running, reaches it as before.
func restartLabCloud(ctx context.Context, lab string, cp *intent.Plan) error {
	prev, err := controller.ReadLabCloud(lab)
	if err != nil {
		return err
	}
	u, err := url.Parse(prev.URL)
	if err != nil || u.Host == "" || prev.AccessKeyID == "" {
		return fmt.Errorf("restart the cloud of lab %s: %s records no address and key (%q)", lab, controller.LabCloudFile(lab), prev.URL)
	}
	return startLabCloudAs(ctx, lab, cp, prev, u.Host)
}

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
