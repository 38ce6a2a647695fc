package realize

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// VPC flow logs from the flows that really happen. The flow log watch is
// a flowReader of the realizer's flow source (flows.go): it wants the
// namespaces of the running instances with an interface that a flow log
// covers (the interface itself, its subnet or its VPC), where the
// interface's security groups track every connection through it, and
// turns each tracked flow's counters into records per interface and
// direction: an interface that opened a flow sends its original direction
// (egress) and receives the reply (ingress), one that accepted it the
// other way round, with the interface's private addresses as AWS records
// them. Each poll adds the packets and bytes counted since the last one;
// once a flow log's aggregation interval has passed, its records are
// written to its log group (one stream per interface, named by its ID)
// and appended to <Options.FlowLogDir>/<flow log ID>.log, one record a
// line; an s3 flow log is written to the file only, the lab having no S3.
//
// A packet that a rule set drops makes no tracked flow (its entry is never
// confirmed); the rule that drops it counts it by flow in the table's flow
// set instead (rules.go, rejectedSet), in the instance's namespace for its
// security groups and in the VPC router's for the network ACLs, and those
// flows become REJECT records of the interface whose address they were
// from (egress) or to (ingress). Traffic an instance forwards for others
// (an appliance with its source/destination check off) is not recorded.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html — a record per flow (5-tuple) per network interface per aggregation interval
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html — a log stream per network interface, named by its ID

// watchedIface is an interface of a running instance that flow logs
// cover.
type watchedIface struct {
	eni      model.NetworkInterface
	instance string
	addrs    []netip.Addr
	logs     []string // the IDs of the flow logs that cover it
}

// flowLogState is what a flow log has aggregated in its current window.
type flowLogState struct {
	fl     model.FlowLog
	format model.LogFormat
	start  time.Time // the window's
	recs   map[recordKey]*model.FlowRecord
}

// recordKey is a record's interface, 5-tuple of one direction and action.
type recordKey struct {
	eni    string
	key    flowKey
	action string
}

// counters are a tracked flow's packets and bytes each way.
type counters struct{ op, ob, rp, rb uint64 }

// flowLogWatch makes the flow logs' records. It is used only on the flow
// source's goroutine, and by Close once the source has stopped.
type flowLogWatch struct {
	cloud      *model.Cloud
	instanceNS func(handle string) string // Realizer.instanceNS
	routerNS   func(handle string) string // Realizer.routerNS
	interval   time.Duration              // Options.FlowLogInterval
	dir        string                     // Options.FlowLogDir
	logf       func(string, ...any)
	ifaces     map[string][]watchedIface // by instance namespace, as of the last wants
	routers    map[string][]watchedIface // by router namespace, as of the last wants
	last       map[string]counters       // by namespace and original tuple (ctID), as of the last observe
	logs       map[string]*flowLogState  // by flow log ID
}

func (r *Realizer) newFlowLogWatch() *flowLogWatch {
	return &flowLogWatch{cloud: r.cloud, instanceNS: r.instanceNS, routerNS: r.routerNS, interval: r.opts.FlowLogInterval, dir: r.opts.FlowLogDir,
		logf: r.opts.Logf, last: map[string]counters{}, logs: map[string]*flowLogState{}}
}

// wants reads the flow logs and the interfaces they cover, and returns
// those interfaces' namespaces.
func (w *flowLogWatch) wants() []string {
	fls := w.cloud.AllFlowLogs()
	now := time.Now().UTC()
	keep := map[string]bool{}
	accounts := map[string][]model.FlowLog{}
	for _, fl := range fls {
		keep[fl.ID] = true
		accounts[fl.Account] = append(accounts[fl.Account], fl)
		if _, ok := w.logs[fl.ID]; !ok {
			format, err := model.ParseLogFormat(fl.LogFormat)
			if err != nil {
				continue // the model checked it
			}
			w.logs[fl.ID] = &flowLogState{fl: fl, format: format, start: now, recs: map[recordKey]*model.FlowRecord{}}
		}
	}
	for id := range w.logs {
		if !keep[id] {
			delete(w.logs, id) // a deleted flow log publishes nothing more
		}
	}
	w.ifaces, w.routers = map[string][]watchedIface{}, map[string][]watchedIface{}
	for account, fls := range accounts {
		handles := map[string]string{}
		for _, n := range w.cloud.Networks(account) {
			handles[n.ID] = n.Handle
		}
		running := map[string]model.Instance{}
		for _, i := range w.cloud.Instances(account) {
			if i.State == model.InstanceRunning {
				running[i.ID] = i
			}
		}
		for _, e := range w.cloud.NetworkInterfaces(account) {
			inst, ok := running[e.InstanceID]
			if !ok {
				continue
			}
			var ids []string
			for _, fl := range fls {
				if fl.ResourceID == e.ID || fl.ResourceID == e.SubnetID || fl.ResourceID == e.NetworkID {
					ids = append(ids, fl.ID)
				}
			}
			if len(ids) > 0 {
				x := watchedIface{eni: e, instance: inst.ID, addrs: slices.Concat([]netip.Addr{e.PrivateIP}, e.SecondaryIPs, e.IPv6Addrs), logs: ids}
				ns := w.instanceNS(inst.Handle)
				w.ifaces[ns] = append(w.ifaces[ns], x)
				if h := handles[e.NetworkID]; h != "" {
					w.routers[w.routerNS(h)] = append(w.routers[w.routerNS(h)], x)
				}
			}
		}
	}
	return append(sortedKeys(w.ifaces), sortedKeys(w.routers)...)
}

// observe adds each flow's packets and bytes since the last poll to the
// records of the interfaces it went through: the tracked flows of the
// instances' namespaces as ACCEPT, the dropped ones of the instances' and
// the routers' as REJECT; then it writes the records of the flow logs
// whose window has passed.
func (w *flowLogWatch) observe(flows map[string]nsFlows, at time.Time) {
	seen := map[string]counters{}
	// Entries of one tuple (ICMP flows that differ only in the identifier
	// the tracker keeps and does not report) are added up; a sum that fell
	// is a new entry.
	sum := map[string]counters{}
	idOf := func(kind, ns string, f flow) string { return kind + ns + "\x00" + fmt.Sprint(f.key) }
	for ns, fs := range flows {
		for _, f := range fs.tracked {
			c := sum[idOf("t", ns, f)]
			sum[idOf("t", ns, f)] = counters{c.op + f.origPackets, c.ob + f.origBytes, c.rp + f.replyPackets, c.rb + f.replyBytes}
		}
	}
	delta := func(kind, ns string, f flow) counters {
		id := idOf(kind, ns, f)
		cur, ok := sum[id]
		if !ok {
			cur = counters{f.origPackets, f.origBytes, f.replyPackets, f.replyBytes}
		}
		delete(sum, id) // the first entry of a tuple carries the sum
		prev := w.last[id]
		if cur.op < prev.op || cur.rp < prev.rp {
			prev = counters{}
		}
		seen[id] = cur
		return counters{cur.op - prev.op, cur.ob - prev.ob, cur.rp - prev.rp, cur.rb - prev.rb}
	}
	for ns, fs := range flows {
		for _, f := range fs.tracked {
			if _, first := sum[idOf("t", ns, f)]; !first {
				continue // added up in the tuple's first entry
			}
			d := delta("t", ns, f)
			for _, x := range w.ifaces[ns] {
				switch {
				case d == (counters{}):
				case slices.Contains(x.addrs, f.key.src): // the interface opened it
					w.add(x, f.key, d.op, d.ob, true, model.TrafficAccept, at)
					w.add(x, f.reply, d.rp, d.rb, false, model.TrafficAccept, at)
				case slices.Contains(x.addrs, f.key.dst): // the interface accepted it
					w.add(x, f.key, d.op, d.ob, false, model.TrafficAccept, at)
					w.add(x, f.reply, d.rp, d.rb, true, model.TrafficAccept, at)
				}
			}
		}
		for _, f := range fs.rejected {
			d := delta("r", ns, f)
			for _, x := range append(w.ifaces[ns], w.routers[ns]...) {
				switch {
				case d == (counters{}):
				case slices.Contains(x.addrs, f.key.dst):
					w.add(x, f.key, d.op, d.ob, false, model.TrafficReject, at)
				case slices.Contains(x.addrs, f.key.src):
					w.add(x, f.key, d.op, d.ob, true, model.TrafficReject, at)
				}
			}
		}
	}
	w.last = seen
	w.flush(at, false)
}

// add counts packets of one direction of a flow through an interface in
// the records of its flow logs that record the action.
func (w *flowLogWatch) add(x watchedIface, k flowKey, packets, bytes uint64, egress bool, action string, at time.Time) {
	if packets == 0 {
		return
	}
	if k.proto == unix.IPPROTO_ICMP {
		k.srcPort, k.dstPort = 0, 0 // AWS records no ports for ICMP
	}
	for _, id := range x.logs {
		st, ok := w.logs[id]
		if !ok || !st.fl.Records(action) {
			continue
		}
		rk := recordKey{x.eni.ID, k, action}
		rec := st.recs[rk]
		if rec == nil {
			rec = &model.FlowRecord{Account: x.eni.Account, InterfaceID: x.eni.ID, NetworkID: x.eni.NetworkID, SubnetID: x.eni.SubnetID,
				InstanceID: x.instance, Region: x.eni.Region, Src: k.src, Dst: k.dst, SrcPort: k.srcPort, DstPort: k.dstPort,
				Protocol: k.proto, Start: at, Action: action, Egress: egress}
			st.recs[rk] = rec
		}
		rec.Packets += packets
		rec.Bytes += bytes
		rec.End = at
	}
}

// windowOf is a flow log's aggregation interval.
func (w *flowLogWatch) windowOf(fl model.FlowLog) time.Duration {
	if w.interval > 0 {
		return w.interval
	}
	return time.Duration(fl.MaxAggregationInterval) * time.Second
}

// flush writes the records of each flow log whose window has passed (all,
// with final) and starts its next window.
func (w *flowLogWatch) flush(at time.Time, final bool) {
	for _, id := range sortedKeys(w.logs) {
		st := w.logs[id]
		if !final && at.Sub(st.start) < w.windowOf(st.fl) {
			continue
		}
		recs := st.recs
		st.start, st.recs = at, map[recordKey]*model.FlowRecord{}
		if len(recs) == 0 {
			continue
		}
		if err := w.deliver(st, recs); err != nil && w.logf != nil {
			w.logf("flow logs: deliver %s: %v", id, err)
		}
	}
}

// deliver writes a window's records, in time order, to the flow log's log
// group (a stream per interface) and its file.
func (w *flowLogWatch) deliver(st *flowLogState, recs map[recordKey]*model.FlowRecord) error {
	all := make([]*model.FlowRecord, 0, len(recs))
	for _, r := range recs {
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b *model.FlowRecord) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(st.format.Render(*a), st.format.Render(*b))
	})
	streams := map[string][]model.LogEvent{}
	var lines strings.Builder
	for _, r := range all {
		msg := st.format.Render(*r)
		streams[r.InterfaceID] = append(streams[r.InterfaceID], model.LogEvent{Timestamp: r.Start.UnixMilli(), Message: msg})
		lines.WriteString(msg + "\n")
	}
	var errs []error
	if st.fl.DestinationType == model.DestinationCloudWatchLogs {
		for _, eni := range sortedKeys(streams) {
			errs = append(errs, w.cloud.DeliverLogEvents(st.fl.Account, st.fl.Region, st.fl.LogGroupName, eni, streams[eni], true))
		}
	}
	if w.dir != "" {
		errs = append(errs, appendFile(FlowLogFile(w.dir, st.fl.ID), lines.String()))
	}
	return errors.Join(errs...)
}

// appendFile appends text to a file only its owner reads, making its
// folder if needed.
func appendFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("flow log folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("flow log file: %w", err)
	}
	_, err = f.WriteString(text)
	return errors.Join(err, f.Close())
}

// FlowLogFile is where a lab's realizer with Options.FlowLogDir dir
// writes a flow log's records.
func FlowLogFile(dir, flowLogID string) string { return filepath.Join(dir, flowLogID+".log") }
