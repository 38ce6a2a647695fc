package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mcnlab/mcnlab/controller/gwconf"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/s2c"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// Deployment is what Deploy builds.
type Deployment struct {
	// Topology is the parsed topology, read from File (as the user
	// named it) whose bytes are Source.
	Topology *topologies.Topology
	File     string
	Source   []byte
	// Lab is the lab's name.
	Lab string
	// Retain keeps a lab that does not come up (or converge) as it is,
	// in phase failed, instead of destroying it.
	Retain bool
}

// Deploy builds a lab and waits until it is ready, printing progress to
// o.Out. A topology with cloud intent gets the site routers and hosts in
// the emulator, then the lab's emulated cloud and its controller; once the
// controller reports the lab converged, a supervisor that restarts them.
// Any other is built in the emulator and its gateways configured. A
// deploy that fails after the fabric was made destroys the lab, or keeps
// it with d.Retain.
func Deploy(ctx context.Context, d Deployment, o Options) error {
	t, lab, file := d.Topology, d.Lab, d.File
	if err := topologies.CheckLabName("--lab", lab); err != nil {
		return err
	}
	if t.Cloud != nil {
		return deployCloud(ctx, d, o)
	}
	plan, err := emulator.NewPlan(lab, t)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(file)
	out := o.out()
	fmt.Fprintf(out, "deploying lab %s from %s: %d nodes, %d links\n", lab, file, len(plan.Nodes), len(plan.Links))
	start := time.Now()
	pr := o.progress()
	self, err := o.self()
	if err != nil {
		return err
	}
	if err := emulator.Deploy(ctx, plan, emulator.Options{TopologyFile: abs, Source: d.Source, Progress: pr, GatewayCommand: emulator.GatewayProgram(self), Issuer: S2CIssuer(lab)}); err != nil {
		return err
	}
	if err := gwconf.Apply(ctx, lab, Nodes{Lab: lab}, t, pr); err != nil {
		return deployFailed(lab, pr, d.Retain, err)
	}
	if err := ipsec.MakeCerts(lab, t.NodeSite2Cloud(), S2CIssuer(lab)); err != nil {
		return deployFailed(lab, pr, d.Retain, err)
	}
	if err := s2c.Up(ctx, lab, t); err != nil {
		return deployFailed(lab, pr, d.Retain, err)
	}
	if err := gwconf.WaitSite2Cloud(ctx, Nodes{Lab: lab}, t, pr); err != nil {
		return deployFailed(lab, pr, d.Retain, err)
	}
	fmt.Fprintf(out, "lab %s ready in %s; `mcnlab inspect --lab %s` shows it, `mcnlab destroy --lab %s` removes it\n", lab, time.Since(start).Round(time.Millisecond), lab, lab)
	return nil
}

// deployCloud deploys a topology with cloud intent: the site routers and
// hosts in the emulator, then the lab's emulated cloud and its controller,
// and waits until the controller reports the lab converged.
func deployCloud(ctx context.Context, d Deployment, o Options) error {
	t, lab, file, src := d.Topology, d.Lab, d.File, d.Source
	out := o.out()
	cp, err := intent.Compile(t)
	if err != nil {
		return fmt.Errorf("%s:%w", file, err)
	}
	et := *t
	et.Nodes = append(slices.Clone(t.Nodes), cp.SiteNodes...)
	et.Links = append(slices.Clone(t.Links), cp.SiteLinks...)
	eplan, err := emulator.NewPlan(lab, &et)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(file)
	fmt.Fprintf(out, "deploying lab %s from %s: %d VPCs, %d gateways, %d sites\n", lab, file, len(t.Cloud.VPCs), len(cp.Gateways), len(t.Cloud.Sites))
	start := time.Now()
	pr := o.progress()
	self, err := o.self()
	if err != nil {
		return err
	}
	if err := emulator.Deploy(ctx, eplan, emulator.Options{TopologyFile: abs, Source: src, Progress: pr, GatewayCommand: emulator.GatewayProgram(self), Issuer: S2CIssuer(lab)}); err != nil {
		return err
	}
	fail := func(err error) error { return deployFailed(lab, pr, d.Retain, err) }
	if err := os.WriteFile(TopologyFile(lab), src, 0o644); err != nil {
		return fail(fmt.Errorf("keep topology: %w", err))
	}
	if _, err := MakeCA(lab); err != nil {
		return fail(err)
	}
	// The topology's own gateway nodes and site2cloud connections beside
	// the cloud (topologies/access.yaml's branches): configured as in a
	// lab without cloud intent.
	if err := gwconf.Apply(ctx, lab, Nodes{Lab: lab}, t, pr); err != nil {
		return fail(err)
	}
	if err := ipsec.MakeCerts(lab, t.NodeSite2Cloud(), S2CIssuer(lab)); err != nil {
		return fail(err)
	}
	if err := s2c.Up(ctx, lab, t); err != nil {
		return fail(err)
	}
	if err := gwconf.WaitSite2Cloud(ctx, Nodes{Lab: lab}, t, pr); err != nil {
		return fail(err)
	}
	if err := StartCloud(ctx, lab, cp, o); err != nil {
		return fail(err)
	}
	fmt.Fprintf(out, "emulated cloud up (%s)\n", time.Since(start).Round(time.Millisecond))
	if err := StartController(ctx, lab, o); err != nil {
		return fail(err)
	}
	fmt.Fprintf(out, "controller up (%s); waiting for the gateways to converge\n", time.Since(start).Round(time.Millisecond))
	if err := WaitConverged(ctx, out, lab, o.convergeTimeout()); err != nil {
		return fail(err)
	}
	if err := upCloudS2C(ctx, lab, cp); err != nil {
		return fail(err)
	}
	// From here on a supervisor restarts the cloud or the controller if
	// one dies.
	if err := StartSupervisor(lab, o); err != nil {
		return fail(err)
	}
	fmt.Fprintf(out, "lab %s ready in %s; `mcnlab inspect --lab %s` shows it, `mcnlab destroy --lab %s` removes it\n", lab, time.Since(start).Round(time.Millisecond), lab, lab)
	return nil
}

// deployFailed ends a deploy that failed once the lab's fabric was made:
// the lab is destroyed, or, with retain, kept as it is, in phase failed
// with the error recorded, for inspect, exec and reach to look at (a lab
// that does not converge is best understood while it runs).
func deployFailed(lab string, pr emulator.Progress, retain bool, err error) error {
	if retain {
		rec, lerr := state.Load(lab)
		if lerr == nil {
			rec.Phase, rec.Error = state.PhaseFailed, err.Error()
			lerr = state.Save(rec)
		}
		if lerr == nil {
			return fmt.Errorf("%w (lab %s kept as it is: `mcnlab inspect --lab %s` shows it, `mcnlab destroy --lab %s` removes it)", err, lab, lab, lab)
		}
		err = fmt.Errorf("%w (and keeping the lab failed: %v)", err, lerr)
	}
	if derr := emulator.Destroy(context.Background(), lab, pr); derr != nil {
		return fmt.Errorf("%w (and destroying the lab failed: %v)", err, derr)
	}
	return fmt.Errorf("%w (lab %s destroyed)", err, lab)
}
