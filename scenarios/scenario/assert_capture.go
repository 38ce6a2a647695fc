package scenario

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/lab"
)

// captureReady bounds the wait for `mcnlab capture` to open its socket.
const captureReady = 30 * time.Second

// during runs an assertion's steps in order; the first that fails ends it.
func (r *run) during(steps []Step) error {
	for _, s := range steps {
		if err := r.act(s); err != nil {
			return fmt.Errorf("line %d: %s: %w", s.Line, s.Kind, err)
		}
	}
	return nil
}

// capture runs `mcnlab capture` on the node while the steps run, as a
// user would, then reads the pcap file it wrote.
func (r *run) capture(c *Capture) (failure, detail string) {
	self, err := r.self()
	if err != nil {
		return err.Error(), ""
	}
	file := filepath.Join(state.Dir(r.lab), fmt.Sprintf("scenario-capture-%d.pcap", time.Now().UnixNano()))
	defer os.Remove(file)
	args := []string{"capture", c.Node + ":" + c.Interface, "-w", file, "--lab", r.lab}
	if c.Filter != "" {
		args = append(args, "--filter", c.Filter)
	}
	cmd := exec.CommandContext(r.ctx, self, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err.Error(), ""
	}
	if err := cmd.Start(); err != nil {
		return fmt.Sprintf("mcnlab capture: %v", err), ""
	}
	// It says "capturing on …" once its socket is open and filtered.
	type start struct {
		err  error
		said string
	}
	ready := make(chan start, 1)
	go func() {
		var said strings.Builder
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			said.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "capturing on ") {
				ready <- start{said: said.String()}
				io.Copy(io.Discard, stderr)
				return
			}
		}
		ready <- start{err: errors.New("it exited before capturing"), said: said.String()}
	}()
	var st start
	select {
	case st = <-ready:
	case <-time.After(captureReady):
		st.err = fmt.Errorf("not capturing after %s", captureReady)
	}
	if st.err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Sprintf("mcnlab %s: %v", strings.Join(args, " "), st.err), st.said
	}
	stepErr := r.during(c.During)
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		return fmt.Sprintf("mcnlab capture: %v", err), st.said
	}
	n, summary, err := readPcap(file)
	if err != nil {
		return err.Error(), st.said
	}
	detail = fmt.Sprintf("%d packets matched %q on %s:%s%s", n, c.Filter, c.Node, c.Interface, summary)
	switch {
	case stepErr != nil:
		return stepErr.Error(), detail
	case n < c.AtLeast:
		return fmt.Sprintf("captured %d packets, want at least %d", n, c.AtLeast), detail
	case c.AtMost >= 0 && n > c.AtMost:
		return fmt.Sprintf("captured %d packets, want at most %d", n, c.AtMost), detail
	}
	return "", detail
}

// readPcap counts a pcap file's packets and describes the first few.
func readPcap(file string) (int, string, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, "", fmt.Errorf("read capture: %w", err)
	}
	defer f.Close()
	rd, err := pcapgo.NewReader(f)
	if err != nil {
		return 0, "", fmt.Errorf("read capture %s: %w", file, err)
	}
	var lines []string
	n := 0
	for {
		data, _, err := rd.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, "", fmt.Errorf("read capture %s: packet %d: %w", file, n+1, err)
		}
		n++
		if n <= 5 {
			lines = append(lines, "\n  "+describePacket(gopacket.NewPacket(data, rd.LinkType(), gopacket.Lazy)))
		}
	}
	return n, strings.Join(lines, ""), nil
}

// describePacket is a one-line summary: addresses and the innermost
// layer gopacket decoded.
func describePacket(p gopacket.Packet) string {
	ls := p.Layers()
	if len(ls) == 0 {
		return "undecoded"
	}
	top := ls[len(ls)-1].LayerType().String()
	if ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
		return fmt.Sprintf("%s > %s %s", ip.SrcIP, ip.DstIP, top)
	}
	if ip, ok := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
		return fmt.Sprintf("%s > %s %s", ip.SrcIP, ip.DstIP, top)
	}
	return top
}

// counter reads the counter, runs the steps, reads it again.
func (r *run) counter(c *Counter) (failure, detail string) {
	read := r.gatewayDrops
	what := fmt.Sprintf("gateway %s drops %s -> %s", c.Gateway, c.Domains[0], c.Domains[1])
	if len(c.Firewalls) > 0 {
		read = r.firewallsCount
		what = fmt.Sprintf("firewall %s %s packets", strings.Join(c.Firewalls, "+"), orAll(c.Rule))
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.within(0))
	defer cancel()
	before, err := read(ctx, c)
	if err != nil {
		return err.Error(), ""
	}
	stepErr := r.during(c.During)
	after, err := read(ctx, c)
	if err != nil {
		return err.Error(), ""
	}
	detail = fmt.Sprintf("%s: %d before, %d after (+%d)", what, before, after, after-before)
	switch {
	case stepErr != nil:
		return stepErr.Error(), detail
	case after < before+c.GrewBy:
		return fmt.Sprintf("%s grew by %d, want at least %d", what, after-before, c.GrewBy), detail
	}
	return "", detail
}

func orAll(rule string) string {
	if rule == "" {
		return "all"
	}
	return rule
}

// firewallsCount adds up the firewalls' counters.
func (r *run) firewallsCount(ctx context.Context, c *Counter) (uint64, error) {
	var sum uint64
	for _, fw := range c.Firewalls {
		n, err := r.firewallCount(ctx, fw, c.Rule)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// firewallCount reads a firewall's counter from its management socket.
func (r *run) firewallCount(ctx context.Context, fw, rule string) (uint64, error) {
	g, err := r.gateway(ctx, fw)
	if err != nil {
		return 0, err
	}
	cl := fwmgmt.NewClient(emulator.GatewaySocket(r.lab, g.ID))
	defer cl.Close()
	st, err := cl.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("firewall %s does not answer on its management socket (is its instance running?): %w", fw, err)
	}
	named := map[string]uint64{"default": st.DefaultCount.Packets, "established": st.Established.Packets, "invalid": st.Invalid.Packets}
	total := st.DefaultCount.Packets + st.Established.Packets + st.Invalid.Packets
	var names []string
	for _, rc := range st.Rules {
		named[rc.Name] = rc.Packets + rc.Requests
		total += rc.Packets + rc.Requests
		names = append(names, rc.Name)
	}
	if rule == "" {
		return total, nil
	}
	v, ok := named[rule]
	if !ok {
		return 0, fmt.Errorf("firewall %s has no rule %q (there are: %s, default, established, invalid)", fw, rule, strings.Join(names, ", "))
	}
	return v, nil
}

// gatewayDrops reads the packets a gateway dropped between two domains.
func (r *run) gatewayDrops(ctx context.Context, c *Counter) (uint64, error) {
	st, err := r.status(ctx, c.Gateway)
	if err != nil {
		return 0, err
	}
	var pairs []string
	for _, d := range st.Segmentation {
		if d.From == c.Domains[0] && d.To == c.Domains[1] {
			return d.Packets, nil
		}
		pairs = append(pairs, d.From+" -> "+d.To)
	}
	return 0, fmt.Errorf("gateway %s counts no drops from %s to %s (it counts: %s)", c.Gateway, c.Domains[0], c.Domains[1], strings.Join(pairs, ", "))
}

// cloudRoute looks for a prefix in the cloud route table of a workload's
// subnet, read through its cloud's API.
func (r *run) cloudRoute(ctx context.Context, a *Route) (string, string) {
	table, instances, err := lab.RouteTable(ctx, r.lab, a.Workload)
	if err != nil {
		return err.Error(), ""
	}
	var found *cloud.RouteState
	var all []string
	for i, rt := range table.Routes {
		line := fmt.Sprintf("%s -> %s %s", rt.Destination, rt.Kind, targetName(rt.Target, instances))
		if rt.Inactive {
			line += " (inactive)"
		}
		all = append(all, line)
		if rt.Destination == a.Prefix && !rt.Inactive {
			found = &table.Routes[i]
		}
	}
	seen := "no route to " + a.Prefix.String()
	if found != nil {
		seen = fmt.Sprintf("%s -> %s %s", found.Destination, found.Kind, targetName(found.Target, instances))
	}
	detail := fmt.Sprintf("%s in the route table of %s's subnet (%s):\n%s", seen, a.Workload, table.ID, strings.Join(all, "\n"))
	switch {
	case a.Present && found == nil:
		return fmt.Sprintf("no route to %s in the route table of %s's subnet", a.Prefix, a.Workload), detail
	case !a.Present && found != nil:
		return fmt.Sprintf("the route table of %s's subnet still routes %s to %s", a.Workload, a.Prefix, targetName(found.Target, instances)), detail
	case a.Present && a.Target != "" && a.Target != string(found.Kind) && a.Target != targetName(found.Target, instances):
		return fmt.Sprintf("%s goes to %s %s, not %s", a.Prefix, found.Kind, targetName(found.Target, instances), a.Target), detail
	}
	return "", detail
}

// targetName names a route's target by the instance key it belongs to
// (its ID or an interface's), else by its ID.
func targetName(id string, instances map[string]cloud.InstanceInfo) string {
	for k, in := range instances {
		if id != "" && (id == in.ID || id == in.Interface || id == in.Second.ID || id == in.PrivateIP.String()) {
			return k
		}
	}
	return id
}
