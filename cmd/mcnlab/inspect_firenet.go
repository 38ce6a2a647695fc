package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
)

// printFireNet writes each FireNet transit gateway's view of its
// firewalls (health, what it steered to each), each firewall's own rule
// counters (requests for the l7 engine's http and tls rules) and the l7
// engines' latest decisions, read from their management sockets. A lab
// without firewalls prints nothing.
func printFireNet(ctx context.Context, w io.Writer, lab string, p *intent.Plan, instances map[string]cloud.InstanceInfo) {
	fws := p.Firewalls()
	if len(fws) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFIRENET GATEWAY\tFIREWALL\tADDRESS\tHEALTH\tSINCE\tRTT\tPACKETS\tBYTES")
	for _, g := range p.Gateways {
		in, ok := instances[g.Key]
		if g.Role != intent.RoleTransit || !ok {
			continue
		}
		st, err := gatewayStatusOf(ctx, lab, in.ID)
		switch {
		case err != nil:
			fmt.Fprintf(w, "%s\t-\t-\tunreachable: %v\t\t\t\t\n", g.Key, err)
			continue
		case st.FireNet == nil:
			continue
		case st.FireNet.Error != "":
			fmt.Fprintf(w, "%s\t-\t-\terror: %s\t\t\t\t\n", g.Key, st.FireNet.Error)
		}
		for _, f := range st.FireNet.Firewalls {
			health := "down"
			if f.Healthy {
				health = "up"
			}
			if f.LastError != "" && !f.Healthy {
				health += " (" + f.LastError + ")"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", g.Key, f.Name, f.Address, health, age(f.Since),
				time.Duration(f.RTTMicros)*time.Microsecond, f.Packets, f.Bytes)
		}
		if tr := p.TransitOf(g.Key); st.FireNet.Egress && tr != nil {
			fmt.Fprintf(w, "  %s steers the internet egress of %s through the firewalls\n", g.Key, strings.Join(tr.FireNet.EgressFrom(), ", "))
		}
		if n := st.FireNet.NoFirewallPackets; n > 0 {
			fmt.Fprintf(w, "  %s dropped %d inspected packets while no firewall was up\n", g.Key, n)
		}
	}
	fmt.Fprintln(w, "\nFIREWALL\tRULE\tMATCH\tACTION\tPACKETS\tBYTES")
	l7 := map[string]*fwmgmt.L7Status{}
	for _, fw := range fws {
		if st := printFirewallRules(ctx, w, lab, fw.Key, instances); st != nil && st.L7 != nil {
			l7[fw.Key] = st.L7
		}
	}
	printL7Decisions(w, fws, l7)
}

// l7Shown is how many of each l7 firewall's latest decisions inspect
// shows.
const l7Shown = 10

// printL7Decisions writes the latest decisions of each l7 firewall's
// squid, each with the rule that made it.
func printL7Decisions(w io.Writer, fws []intent.Firewall, l7 map[string]*fwmgmt.L7Status) {
	if len(l7) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFIREWALL\tTIME\tCLIENT\tSERVER\tREQUEST\tVERDICT\tRULE")
	for _, fw := range fws {
		st := l7[fw.Key]
		if st == nil {
			continue
		}
		for _, d := range st.Decisions[max(0, len(st.Decisions)-l7Shown):] {
			req := "http " + d.Host + d.Path
			if d.Protocol == "tls" {
				req = "tls " + d.SNI
			}
			verdict := "allow"
			if d.Denied {
				verdict = "deny"
			}
			if d.Status != 0 {
				verdict += fmt.Sprintf(" (%d)", d.Status)
			}
			rule := d.Rule
			switch {
			case rule == "" && d.Reason != "":
				rule = d.Reason
			case rule == "":
				rule = "none matched"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", fw.Key, d.Time.Format(time.TimeOnly), d.Client, d.Server, req, verdict, rule)
		}
	}
}

// printFirewallEgress writes a firewall's egress rows: what left by its
// egress interface (with its address and elastic IP) and what came back.
func printFirewallEgress(w io.Writer, key string, in cloud.InstanceInfo, st fwmgmt.Status) {
	if st.EgressOut == nil || st.EgressIn == nil {
		return
	}
	via := intent.FireNetEgressLink + " (no interface yet)"
	if e, link := intent.FirewallEgressInterface(in); e.PublicIP.IsValid() {
		via = fmt.Sprintf("%s %s, elastic IP %s", link, e.PrivateIP, e.PublicIP)
	}
	fmt.Fprintf(w, "%s\tegress-out\tto the internet by %s, source NAT\tallow\t%d\t%d\n", key, via, st.EgressOut.Packets, st.EgressOut.Bytes)
	fmt.Fprintf(w, "%s\tegress-in\treplies from the internet\tallow\t%d\t%d\n", key, st.EgressIn.Packets, st.EgressIn.Bytes)
}

// gatewayStatusOf reads a cloud gateway's status from its socket.
func gatewayStatusOf(ctx context.Context, lab, id string) (mgmt.Status, error) {
	c := mgmt.NewClient(emulator.GatewaySocket(lab, id))
	defer c.Close()
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return c.Status(cctx)
}

// ruleMatch writes what a rule matches: "tcp to port 22 from 10.1.0.0/16".
func ruleMatch(r fwmgmt.Rule) string {
	var s []string
	if r.Protocol != "" {
		s = append(s, r.Protocol)
	}
	if r.DstPort != 0 {
		s = append(s, fmt.Sprintf("port %d", r.DstPort))
	}
	if r.Src.IsValid() {
		s = append(s, "from "+r.Src.String())
	}
	if r.Dst.IsValid() {
		s = append(s, "to "+r.Dst.String())
	}
	for _, f := range []struct{ key, v string }{{"host", r.Host}, {"path", r.Path}, {"sni", r.SNI}} {
		if f.v != "" {
			s = append(s, f.key+" "+f.v)
		}
	}
	if len(s) == 0 {
		return "any"
	}
	return strings.Join(s, " ")
}

// printFirewallRules writes the rules of the firewall engine of instance
// key (a FireNet firewall, a PSF gateway) with their counters, read from
// its management socket, and returns its status (nil when unread).
func printFirewallRules(ctx context.Context, w io.Writer, lab, key string, instances map[string]cloud.InstanceInfo) *fwmgmt.Status {
	in, ok := instances[key]
	if !ok {
		fmt.Fprintf(w, "%s\t-\tno instance yet\t\t\t\n", key)
		return nil
	}
	cl := fwmgmt.NewClient(emulator.GatewaySocket(lab, in.ID))
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	st, err := cl.Status(cctx)
	cancel()
	cl.Close()
	if err != nil {
		fmt.Fprintf(w, "%s\t-\tunreachable: %v\t\t\t\n", key, err)
		return nil
	}
	for _, r := range st.Rules {
		if r.Protocol == "http" || r.Protocol == "tls" {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d requests\t-\n", key, r.Name, ruleMatch(r.Rule), r.Action, r.Requests)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\n", key, r.Name, ruleMatch(r.Rule), r.Action, r.Packets, r.Bytes)
	}
	if st.L7 != nil {
		fmt.Fprintf(w, "%s\tl7\thttp and tls no l7 rule matched (squid: %d http, %d tls packets)\tallow\t%d requests\t-\n",
			key, st.L7.HTTP.Packets, st.L7.TLS.Packets, st.L7.Passed)
	}
	fmt.Fprintf(w, "%s\tdefault\tnew flows no rule matched\t%s\t%d\t%d\n", key, st.Default, st.DefaultCount.Packets, st.DefaultCount.Bytes)
	fmt.Fprintf(w, "%s\testablished\tpackets of allowed connections (%d in the table)\tallow\t%d\t%d\n", key, st.Connections,
		st.Established.Packets, st.Established.Bytes)
	printFirewallEgress(w, key, in, st)
	return &st
}

// printPSF writes each Public Subnet Filtering gateway's subnets and its
// rules with their counters: a deny rule per address GuardDuty
// enforcement blocked there. A lab without one prints nothing.
func printPSF(ctx context.Context, w io.Writer, lab string, p *intent.Plan, instances map[string]cloud.InstanceInfo) {
	gs := p.PSFGateways()
	if len(gs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nPUBLIC SUBNET FILTERING GATEWAY\tRULE\tMATCH\tACTION\tPACKETS\tBYTES")
	for _, g := range gs {
		fmt.Fprintf(w, "%s\tprotects\t%s: %s (ingress route table of its internet gateway)\t\t\t\n", g.Key, g.VPC.Name, strings.Join(g.Protects, ", "))
		printFirewallRules(ctx, w, lab, g.Key, instances)
	}
}
