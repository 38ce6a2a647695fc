package scenario

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Kinds are the step keys a scenario may use: actions, then assertions.
var Kinds = []string{
	"deploy", "wait", "kill", "restart", "link", "withdraw", "advertise", "approve", "cli", "exec", "mcnlab", "sleep", "stop", "start", "serve",
	"reach", "connect", "route", "session", "flightpath", "outage", "capture", "counter",
}

// step decodes one step: the scalar deploy or a one-key mapping. Inside an
// outage (nested), assertions and deploy are refused.
func (d *decoder) step(n *yaml.Node, path string, nested bool) (Step, bool) {
	s := Step{Line: n.Line}
	var key, val *yaml.Node
	switch {
	case n.Kind == yaml.ScalarNode && n.Value == "deploy":
		s.Kind, s.Deploy = "deploy", true
		if nested {
			d.errf(n, path, "deploy cannot run inside an outage")
		}
		return s, !nested
	case n.Kind == yaml.MappingNode && len(n.Content) == 2:
		key, val = n.Content[0], n.Content[1]
	default:
		d.errf(n, path, "want a step: deploy, or a mapping with one of %s", strings.Join(Kinds[1:], ", "))
		return s, false
	}
	s.Kind = key.Value
	p := path + "." + key.Value
	before := len(d.errs)
	switch key.Value {
	case "wait":
		s.Wait = d.oneOf(val, p, "converged")
	case "kill":
		s.Kill = d.str(val, p)
	case "restart":
		s.Restart = d.str(val, p)
	case "serve":
		m := d.fields(val, p, []string{"node", "port"})
		if m != nil && d.required(val, p, m, "node", "port") {
			s.Serve = &Serve{Node: d.str(m["node"], p+".node"), Port: d.port(m["port"], p+".port")}
		}
	case "stop":
		s.Stop = d.str(val, p)
	case "start":
		s.Start = d.str(val, p)
	case "cli":
		s.CLI = d.cli(val, p)
	case "sleep":
		s.Sleep = d.duration(val, p)
	case "approve":
		s.Approve = d.approve(val, p)
	case "link":
		s.Link = d.link(val, p)
	case "withdraw", "advertise":
		if a := d.approve(val, p); a != nil {
			s.Announce = &Announce{Router: a.Site, Prefix: a.Prefix, Advertise: key.Value == "advertise"}
		}
	case "exec":
		s.Exec = d.exec(val, p)
	case "mcnlab":
		if s.MCNLab = strings.Fields(d.str(val, p)); len(s.MCNLab) > 0 && (strings.Contains(val.Value, "--lab") || s.MCNLab[0] == "destroy" || s.MCNLab[0] == "deploy") {
			d.errf(val, p, "give mcnlab's arguments without --lab (the step adds it), and not deploy or destroy")
		}
	case "reach":
		s.Reach = d.reach(val, p)
	case "connect":
		s.Connect = d.connect(val, p)
	case "route":
		s.Route = d.route(val, p)
	case "session":
		s.Session = d.session(val, p)
	case "flightpath":
		s.FlightPath = d.flightpath(val, p)
	case "outage":
		s.Outage = d.outage(val, p, nested)
	case "capture":
		s.Capture = d.capture(val, p, nested)
	case "counter":
		s.Counter = d.counter(val, p, nested)
	default:
		d.errf(key, p, "unknown step (valid: %s)", strings.Join(Kinds, ", "))
	}
	if nested && s.IsAssertion() {
		d.errf(key, p, "an outage's steps are faults and actions; put the assertion after the outage")
	}
	return s, len(d.errs) == before
}

// cloudCLIs are the programs a cli step may run: the providers' CLIs,
// node for OCI, which has no CLI here: its TypeScript SDK (npm oci-core)
// is the client; and mcnlab's own CLI, whose commands a user runs beside
// them (vpn login, with a password on standard input).
var cloudCLIs = []string{"aws", "az", "gcloud", "node", "mcnlab"}

func (d *decoder) cli(n *yaml.Node, path string) string {
	v := d.str(n, path)
	if n.Kind == yaml.ScalarNode && CLIOf(v) == "" {
		d.errf(n, path, "%q runs no cloud CLI (valid: a command line of %s; use exec for other commands)", firstLine(v), strings.Join(cloudCLIs, ", "))
	}
	return v
}

// cliRE finds a cloud CLI run in a command line: at its start or after a
// shell operator, a $( or a backquote.
var cliRE = regexp.MustCompile("(?:^|[\\s;|&($`])(aws|az|gcloud|node|mcnlab)\\s")

// CLIOf is the first cloud CLI a command line runs, or "".
func CLIOf(line string) string {
	if m := cliRE.FindStringSubmatch(line); m != nil {
		return m[1]
	}
	return ""
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

func (d *decoder) approve(n *yaml.Node, path string) *Approve {
	m := d.fields(n, path, []string{"site", "prefix"})
	if m == nil || !d.required(n, path, m, "site", "prefix") {
		return nil
	}
	return &Approve{Site: d.str(m["site"], path+".site"), Prefix: d.prefix(m["prefix"], path+".prefix")}
}

// link decodes {down: [A, B]} or {up: [A, B]}.
func (d *decoder) link(n *yaml.Node, path string) *Link {
	m := d.fields(n, path, []string{"down", "up"})
	if m == nil {
		return nil
	}
	if (m["down"] == nil) == (m["up"] == nil) {
		d.errf(n, path, "want exactly one of down: [A, B] or up: [A, B]")
		return nil
	}
	l := &Link{Up: m["up"] != nil}
	v, p := m["down"], path+".down"
	if l.Up {
		v, p = m["up"], path+".up"
	}
	if v.Kind != yaml.SequenceNode || len(v.Content) != 2 {
		d.errf(v, p, "want the two nodes the link joins, such as [dc, tgw1]")
		return nil
	}
	l.A, l.B = d.str(v.Content[0], p+"[0]"), d.str(v.Content[1], p+"[1]")
	return l
}

func (d *decoder) exec(n *yaml.Node, path string) *Exec {
	m := d.fields(n, path, []string{"node", "command", "expect"})
	if m == nil || !d.required(n, path, m, "node", "command") {
		return nil
	}
	e := &Exec{Node: d.str(m["node"], path+".node"), Command: d.str(m["command"], path+".command")}
	if v := m["expect"]; v != nil {
		x, err := strconv.Atoi(v.Value)
		switch {
		case v.Value == "fail":
			x = ExpectFail
		case err != nil || x < 0 || x > 255:
			d.errf(v, path+".expect", "%s is not an exit status (valid: 0-255, or fail: any but 0)", describe(v))
		}
		e.Expect = x
	}
	return e
}

// within is an assertion's optional deadline.
func (d *decoder) within(m map[string]*yaml.Node, path string) time.Duration {
	if v := m["within"]; v != nil {
		return d.duration(v, path+".within")
	}
	return 0
}

func (d *decoder) reach(n *yaml.Node, path string) *Reach {
	if n.Kind == yaml.ScalarNode {
		if d.oneOf(n, path, "simulate") == "" {
			return nil
		}
		return &Reach{Simulate: true}
	}
	m := d.fields(n, path, []string{"from", "to", "expect", "within"})
	if m == nil || !d.required(n, path, m, "from", "to", "expect") {
		return nil
	}
	a := &Reach{
		Expect: d.oneOf(m["expect"], path+".expect", "reach", "blocked") == "reach",
		Within: d.within(m, path),
	}
	froms, tos := d.names(m["from"], path+".from"), d.names(m["to"], path+".to")
	a.From, a.To = strings.Join(froms, ","), strings.Join(tos, ",")
	if m["from"].Kind == yaml.SequenceNode || m["to"].Kind == yaml.SequenceNode {
		for _, f := range froms {
			for _, t := range tos {
				if f != t {
					a.Pairs = append(a.Pairs, [2]string{f, t})
				}
			}
		}
		if len(a.Pairs) == 0 {
			d.errf(n, path, "the lists make no pair of two different names")
		}
	}
	return a
}

// names is one name or a non-empty list of names.
func (d *decoder) names(n *yaml.Node, path string) []string {
	if n.Kind != yaml.SequenceNode {
		return []string{d.str(n, path)}
	}
	if len(n.Content) == 0 {
		d.errf(n, path, "want a name or a non-empty list of names")
	}
	var out []string
	for i, c := range n.Content {
		out = append(out, d.str(c, index(path, i)))
	}
	return out
}

func (d *decoder) connect(n *yaml.Node, path string) *Connect {
	m := d.fields(n, path, []string{"from", "to", "port", "expect", "within"})
	if m == nil || !d.required(n, path, m, "from", "to", "port", "expect") {
		return nil
	}
	return &Connect{
		From: d.str(m["from"], path+".from"), To: d.str(m["to"], path+".to"),
		Port: d.port(m["port"], path+".port"), Expect: d.oneOf(m["expect"], path+".expect", "open", "refused", "blocked"),
		Within: d.within(m, path),
	}
}

func (d *decoder) route(n *yaml.Node, path string) *Route {
	m := d.fields(n, path, []string{"gateway", "workload", "prefix", "present", "via", "within"})
	if m == nil || !d.required(n, path, m, "prefix") {
		return nil
	}
	if (m["gateway"] == nil) == (m["workload"] == nil) {
		d.errf(n, path, "want exactly one of gateway: NAME (its FIB) or workload: NAME (its subnet's cloud route table)")
		return nil
	}
	r := &Route{Prefix: d.prefix(m["prefix"], path+".prefix"), Present: true, Within: d.within(m, path)}
	if v := m["gateway"]; v != nil {
		r.Gateway = d.str(v, path+".gateway")
	} else {
		r.Workload = d.str(m["workload"], path+".workload")
	}
	if v := m["present"]; v != nil {
		r.Present = d.oneOf(v, path+".present", "true", "false") == "true"
	}
	if v := m["via"]; v != nil {
		if !r.Present {
			d.errf(v, path+".via", "via needs present: true")
		}
		if r.Workload != "" {
			r.Target = d.str(v, path+".via")
			return r
		}
		a, err := netip.ParseAddr(v.Value)
		if err != nil {
			d.errf(v, path+".via", "%s is not an address (valid: 10.1.0.1)", describe(v))
		}
		r.Via = a
	}
	return r
}

// sessionStates are GoBGP's FSM states as the gateway reports them.
var sessionStates = []string{"established", "idle", "active", "connect", "opensent", "openconfirm"}

func (d *decoder) session(n *yaml.Node, path string) *Session {
	m := d.fields(n, path, []string{"gateway", "peer", "state", "bfd", "within"})
	if m == nil || !d.required(n, path, m, "gateway", "peer") {
		return nil
	}
	s := &Session{Gateway: d.str(m["gateway"], path+".gateway"), Peer: d.str(m["peer"], path+".peer"), State: "established", Within: d.within(m, path)}
	if v := m["state"]; v != nil {
		s.State = d.oneOf(v, path+".state", sessionStates...)
	}
	if v := m["bfd"]; v != nil {
		s.BFD = d.oneOf(v, path+".bfd", "up", "down", "init", "admindown")
	}
	return s
}

func (d *decoder) flightpath(n *yaml.Node, path string) *FlightPath {
	m := d.fields(n, path, []string{"from", "to", "proto", "port", "verdict", "blocked-by"})
	if m == nil || !d.required(n, path, m, "from", "to", "verdict") {
		return nil
	}
	f := &FlightPath{From: d.str(m["from"], path+".from"), To: d.str(m["to"], path+".to"), Proto: "icmp",
		Reachable: d.oneOf(m["verdict"], path+".verdict", "reachable", "blocked") == "reachable"}
	if v := m["proto"]; v != nil {
		f.Proto = d.oneOf(v, path+".proto", "icmp", "tcp", "udp")
	}
	if v := m["port"]; v != nil {
		f.Port = d.port(v, path+".port")
	}
	if f.Proto != "icmp" && f.Port == 0 && m["port"] == nil {
		d.errf(n, path, "proto %s needs a port", f.Proto)
	}
	if v := m["blocked-by"]; v != nil {
		f.BlockedBy = d.str(v, path+".blocked-by")
		if f.Reachable {
			d.errf(v, path+".blocked-by", "blocked-by needs verdict: blocked")
		}
	}
	return f
}

func (d *decoder) outage(n *yaml.Node, path string, nested bool) *Outage {
	if nested {
		d.errf(n, path, "outages do not nest")
		return nil
	}
	m := d.fields(n, path, []string{"from", "to", "max", "interval", "during"})
	if m == nil || !d.required(n, path, m, "from", "to", "max", "during") {
		return nil
	}
	o := &Outage{From: d.str(m["from"], path+".from"), To: d.str(m["to"], path+".to"), Max: d.duration(m["max"], path+".max"), Interval: 100 * time.Millisecond}
	if v := m["interval"]; v != nil {
		o.Interval = d.duration(v, path+".interval")
	}
	o.During = d.during(m["during"], path+".during")
	return o
}
