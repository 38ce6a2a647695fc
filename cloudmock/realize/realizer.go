package realize

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/internet"
)

// Options configure a Realizer.
type Options struct {
	// Lab names the lab: every namespace is mcn-<Lab>-.... Required.
	Lab string
	// RetryInterval is how soon a failed pass is retried; default 1s.
	RetryInterval time.Duration
	// Record, if set, is called with a namespace's name before the
	// namespace is created, so that the lab's state lists it first (the
	// fabric rule of DESIGN.md); an error stops the creation.
	Record func(namespace string) error
	// Forget, if set, is called with a namespace's name once it is deleted.
	Forget func(namespace string)
	// GatewayCommand is the mcnlab program (argv before the "gateway"
	// subcommand) that instances launched with GatewayImage run; when it is
	// empty, such instances run no gateway.
	GatewayCommand []string
	// Circuits are the lab's private lines to customer sites. New records
	// each as a Direct Connect connection of its account in the model
	// (model.Cloud.ProvisionDXConnection, named Circuit.Name), and the
	// realizer lands the line's available private virtual interface on it.
	Circuits []Circuit
	// Logf, if set, logs the realizer's events that no API call answers (a
	// gateway daemon that died and was restarted).
	Logf func(format string, args ...any)
	// Uplinks are the lab's on-prem sites' links to the emulated internet
	// (CheckUplinks says what is valid). While there are any, the internet
	// namespace exists, with or without an internet gateway, and each
	// uplink is made whenever it is (re)created; Close deletes them.
	Uplinks []Uplink
	// Adopt: the lab's namespaces of a previous realizer of this cloud (a
	// cloud process that died, restarted on its state file) may exist; the
	// first pass adopts what of them its plan predicts, with the gateway
	// daemons running inside, instead of making them anew (adopt.go).
	Adopt bool
	// Internet, if set, is what the lab's emulated internet serves
	// (emulator/internet; FromTopology makes it from a topology's internet
	// block): the internet namespace then exists always, the servers run
	// in it (internet.go), and every VPC's router runs a resolver
	// answering the same names (resolver.go).
	Internet *internet.Config
	// InternetAddresses are more addresses the internet namespace holds
	// with Internet (the internet's client hosts).
	InternetAddresses []netip.Addr
	// FlowLogDir, if set, is the folder where each flow log's records are
	// also written, a file per flow log (FlowLogFile), for readers without
	// the API; a lab's is flowlogs/ in its state directory.
	FlowLogDir string
	// FlowLogInterval, if set, is the aggregation interval of every flow
	// log instead of its own MaxAggregationInterval (60 or 600 s), so that
	// tests and impatient labs see records sooner.
	FlowLogInterval time.Duration
}

// Circuit is a private line the lab made: its site end is the interface
// Interface in namespace Namespace (the site router's). The realizer
// creates that interface, as one end of a veth whose other end is in the
// router of the VPC a virtual interface on the line reaches, and deletes
// it again; it never creates or deletes the namespace, which the lab owns.
type Circuit struct {
	Name      string // the connection's name (connectionName)
	Account   string // the account the connection belongs to
	Namespace string // the site's namespace: mcn-...
	Interface string // the line's interface in Namespace, made by the realizer
	Region    string // the region of the line's location ("" the default region)
	// Partner: the line is the lab's partner provider's (GCP Partner
	// Interconnect), not the account's own interconnect: the partner
	// provisions the account's PARTNER VLAN attachments of Region over
	// it, and the router at Namespace is the partner's, which speaks BGP
	// with the Cloud Router (cloudmock/gcp interconnect_partner.go).
	Partner bool
}

// Realizer keeps the dataplane in step with one Cloud. Create it with New
// and Close it to remove everything it made.
type Realizer struct {
	cloud *model.Cloud
	opts  Options
	sub   *model.Subscription

	mu        sync.Mutex // guards the fields below
	cond      *sync.Cond // signalled when applied, err or closed change
	requested uint64     // bumped by every event and every Sync
	applied   uint64     // the highest request value a pass has completed
	seenSeq   uint64     // the last event sequence delivered
	seqDone   uint64     // the event sequence the last completed pass had seen
	err       error      // the last pass's error, nil once a pass succeeds
	names     []string   // the namespaces held after the last pass
	closed    bool
	wake      chan struct{}
	done      chan struct{}

	// circuits are Options.Circuits by the ID of their connection; set by
	// New, read-only after.
	circuits map[string]Circuit
	// uplinks are Options.Uplinks, checked; set by New, read-only after.
	uplinks []uplinkPlan

	// Owned by the worker goroutine (and by Close after it stopped).
	live    *liveState
	links   map[string]int // link key -> index in linkPool
	adopted bool           // the first pass adopted the existing dataplane (Options.Adopt)
	svc     services       // the internet's servers and the VPC resolvers (internet.go)

	// flows reads the flows the kernel tracks for GuardDuty's findings
	// (guardduty.go) and the flow logs (flowlogs.go); set by New, stopped
	// by Close, before the flow logs' last records are written.
	flows    *flowSource
	flowLogs *flowLogWatch

	// firewalls holds, by instance ID, the daemon verb of instances
	// launched with an appliance image (firewalls.go: daemonImages): set
	// by plan, read when their daemon starts.
	firewalls sync.Map
	// icLearned holds, by GCP VLAN attachment ID, the routes its bgpd
	// learned (gcpic.go): written by the attachment's watcher, read by
	// plan.
	icLearned sync.Map
}

// New starts a realizer for cloud: it realizes the model as it is now and
// then follows every change. It returns once the first pass has finished
// or ctx ends; on failure it removes what it made.
func New(ctx context.Context, cloud *model.Cloud, opts Options) (*Realizer, error) {
	if opts.Lab == "" {
		return nil, errors.New("realize: Options.Lab is required")
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = time.Second
	}
	uplinks, err := planUplinks(opts.Uplinks)
	if err == nil {
		err = checkUplinkEnds(uplinks, opts.Circuits)
	}
	if err != nil {
		return nil, fmt.Errorf("realize lab %s: %w", opts.Lab, err)
	}
	opts.Internet = withServices(opts.Internet)
	svc, err := newServices(opts.Internet)
	if err != nil {
		return nil, fmt.Errorf("realize lab %s: %w", opts.Lab, err)
	}
	circuits, err := provisionCircuits(cloud, opts)
	if err != nil {
		return nil, fmt.Errorf("realize lab %s: %w", opts.Lab, err)
	}
	r := &Realizer{cloud: cloud, opts: opts, wake: make(chan struct{}, 1), done: make(chan struct{}),
		live: newLiveState(), links: map[string]int{}, circuits: circuits, uplinks: uplinks, svc: svc}
	r.cond = sync.NewCond(&r.mu)
	// Stops and starts wait for this realizer to put them in force
	// (model/powertransit.go).
	cloud.SetPowerTransitions(true)
	r.sub = cloud.Subscribe(r.onEvent)
	go r.run()
	r.flowLogs = r.newFlowLogWatch()
	r.flows = startFlowSource(opts.Logf, r.newFindingWatch(), r.flowLogs)
	if err := r.Sync(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("realize lab %s: %w", opts.Lab, err), r.Close())
	}
	return r, nil
}

func (r *Realizer) onEvent(e model.Event) {
	r.mu.Lock()
	r.requested++
	r.seenSeq = max(r.seenSeq, e.Seq)
	r.mu.Unlock()
	r.poke()
}

func (r *Realizer) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run is the worker: one reconciliation pass at a time, each against a
// fresh read of the model.
func (r *Realizer) run() {
	defer close(r.done)
	var retry <-chan time.Time
	for {
		select {
		case <-r.wake:
		case <-retry:
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return
		}
		req, seq := r.requested, r.seenSeq
		r.mu.Unlock()

		err := r.reconcile()
		names := r.live.namespaces()

		r.mu.Lock()
		r.applied, r.seqDone, r.err = req, seq, err
		r.names = names
		more := r.requested > req
		r.cond.Broadcast()
		r.mu.Unlock()
		retry = nil
		if err != nil {
			retry = time.After(r.opts.RetryInterval)
		} else if more {
			r.poke()
		}
	}
}

// Sync returns once every change committed to the model before the call is
// in force in the dataplane, or with the error of the pass that tried, or
// when ctx ends. An API front-end calls it before answering, so that a
// change is true when its call returns.
func (r *Realizer) Sync(ctx context.Context) error {
	r.mu.Lock()
	r.requested++
	want := r.requested
	r.mu.Unlock()
	r.poke()
	return r.waitFor(ctx, func() bool { return r.applied >= want })
}

// WaitApplied returns once the change event with sequence seq (Event.Seq)
// and every earlier one are in force, or with the error of the pass that
// tried, or when ctx ends.
func (r *Realizer) WaitApplied(ctx context.Context, seq uint64) error {
	return r.waitFor(ctx, func() bool { return r.seqDone >= seq })
}

func (r *Realizer) waitFor(ctx context.Context, ok func() bool) error {
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		switch {
		case r.closed:
			return errors.New("realize: realizer closed")
		case ok():
			return r.err
		case ctx.Err() != nil:
			return fmt.Errorf("realize: wait for dataplane: %w", ctx.Err())
		}
		r.cond.Wait()
	}
}

// Close stops following the model, stops the gateway daemons it started,
// and removes every namespace and link the realizer made. It is
// idempotent.
func (r *Realizer) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.cond.Broadcast()
	r.mu.Unlock()
	r.sub.Close()
	r.cloud.SetPowerTransitions(false)
	r.poke()
	<-r.done
	r.flows.close()
	r.flowLogs.flush(time.Now().UTC(), true)
	// The services' sockets first: they would keep the namespaces alive.
	return errors.Join(r.svc.close(), r.removeVPNs(), r.removeICs(), r.live.teardown())
}
