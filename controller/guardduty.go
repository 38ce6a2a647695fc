package controller

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/topologies"
)

// GuardDuty enforcement: for each account whose topology turns GuardDuty
// on, the controller publishes the threat list (Options.ThreatLists),
// makes the detector and its threat intel set through the cloud's API,
// and, with enforce, reads the findings every poll interval and blocks
// each malicious caller that is not excluded with a deny entry in the
// network ACL of the subnet it probed and, where the subnet's VPC has a
// Public Subnet Filtering gateway, at that gateway (psf.go). Each action
// is an event of the
// store's log (kind EventGuardDuty), which `mcnlab inspect` shows.
// Aviatrix: https://docs.aviatrix.com/documentation/latest/security/guardduty.html — the controller polls GuardDuty findings and blocks the malicious IP addresses in the VPC's network ACL

// EventGuardDuty is the event log kind of GuardDuty's actions.
const EventGuardDuty = "guardduty"

// ThreatListName is the name of the threat intel set the controller makes.
const ThreatListName = "mcnlab-threats"

// GuardDutyBlock is one block the controller put in place.
type GuardDutyBlock struct {
	Account, Subnet string
	Remote          netip.Addr
	Rule            int
	// Gateway is the Public Subnet Filtering gateway of the subnet's VPC
	// that blocks Remote too (psf.go), or empty.
	Gateway       string
	Finding       string
	FirstSeen, At time.Time
}

// guardDutyState is what the enforcement loops share with the API.
type guardDutyState struct {
	mu      sync.Mutex // guards blocks
	blocks  []GuardDutyBlock
	blocked map[string]bool // account|subnet|address, in blocks
	// psf serializes the pushes to the PSF gateways (psf.go), so that a
	// push of an older list never follows a newer one.
	psf sync.Mutex
}

// GuardDutyBlocks returns the blocks made since the controller started.
func (c *Controller) GuardDutyBlocks() []GuardDutyBlock {
	c.gd.mu.Lock()
	defer c.gd.mu.Unlock()
	return slices.Clone(c.gd.blocks)
}

// startGuardDuty starts an enforcement loop per account with GuardDuty;
// the function it returns waits for them to end (after ctx).
func (c *Controller) startGuardDuty(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for _, a := range c.plan.Accounts {
		if a.Account == nil || a.Account.GuardDuty == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.guardDutyLoop(ctx, a.Account)
		}()
	}
	return wg.Wait
}

// guardDutyLoop turns GuardDuty on in account a (retrying each second)
// and, with enforce, polls its findings until ctx ends.
func (c *Controller) guardDutyLoop(ctx context.Context, a *topologies.Account) {
	g := a.GuardDuty
	td, ok := c.opts.Providers[a.Name].(cloud.ThreatDetector)
	if !ok {
		c.event("account %s: GuardDuty is not available with its provider", a.Name)
		return
	}
	det := td.ThreatDetection("")
	threats := c.plan.Topology.ResolveThreats(g.Threats)
	exclude := c.plan.Topology.ResolveThreats(g.Exclude)
	poll := g.Poll
	if poll == 0 {
		poll = topologies.DefaultGuardDutyPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	on := false
	for {
		if !on {
			on = c.guardDutyOn(ctx, a.Name, det, threats)
		} else if g.Enforce {
			c.enforce(ctx, a.Name, det, exclude)
		}
		if on && !g.Enforce {
			return // detection only: the findings stay for the user to read
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// guardDutyOn publishes the threat list and makes the detector and its
// set; it reports whether all is in place.
func (c *Controller) guardDutyOn(ctx context.Context, account string, det cloud.ThreatDetection, threats []netip.Prefix) bool {
	if c.opts.ThreatLists == nil {
		c.warnOnce("guardduty "+account, "account %s: GuardDuty: no way to publish a threat list (Options.ThreatLists)", account)
		return false
	}
	loc, err := c.opts.ThreatLists(account, threats)
	if err == nil {
		var calls []cloud.Call
		calls, err = det.Ensure(ctx, ThreatListName, loc)
		for _, call := range calls {
			c.log.Printf("%s: %s", account, call)
			c.event("account %s: %s", account, call)
		}
	}
	if err != nil {
		c.warnOnce("guardduty on "+account+err.Error(), "account %s: GuardDuty: %v (retrying)", account, err)
		return false
	}
	c.event("account %s: GuardDuty on with threat list %s (%d entries) at %s", account, ThreatListName, len(threats), loc)
	return true
}

// enforce reads the findings once and blocks each new malicious caller
// that is not excluded.
func (c *Controller) enforce(ctx context.Context, account string, det cloud.ThreatDetection, exclude []netip.Prefix) {
	callers, err := det.Callers(ctx)
	if err != nil {
		c.warnOnce("guardduty findings "+account+err.Error(), "account %s: GuardDuty findings: %v", account, err)
		return
	}
	for _, f := range callers {
		key := account + "|" + f.Subnet + "|" + f.Remote.String()
		c.gd.mu.Lock()
		done := c.gd.blocked[key]
		c.gd.mu.Unlock()
		if done {
			continue
		}
		if slices.ContainsFunc(exclude, func(p netip.Prefix) bool { return p.Contains(f.Remote) }) {
			if c.markOnce("excluded " + key) {
				c.event("account %s: not blocking %s (finding %s, instance %s): excluded", account, f.Remote, f.FindingID, f.Instance)
			}
			continue
		}
		rule, call, err := det.Block(ctx, f.Subnet, f.Remote)
		if err != nil {
			c.warnOnce("guardduty block "+key+err.Error(), "account %s: block %s in subnet %s: %v", account, f.Remote, f.Subnet, err)
			continue
		}
		b := GuardDutyBlock{Account: account, Subnet: f.Subnet, Remote: f.Remote, Rule: rule, Finding: f.FindingID, FirstSeen: f.FirstSeen, At: time.Now().UTC()}
		if g := c.psfOfSubnet(f.Subnet); g != nil {
			b.Gateway = g.Key
		}
		c.gd.mu.Lock()
		if c.gd.blocked == nil {
			c.gd.blocked = map[string]bool{}
		}
		c.gd.blocked[key] = true
		c.gd.blocks = append(c.gd.blocks, b)
		c.gd.mu.Unlock()
		if call != nil {
			c.log.Printf("%s: %s", account, call)
		}
		since := ""
		if !f.FirstSeen.IsZero() {
			since = fmt.Sprintf(", %s after its first occurrence", b.At.Sub(f.FirstSeen).Round(time.Millisecond))
		}
		c.event("account %s: blocked %s (finding %s, instance %s, %d occurrences): deny rule %d in the network ACL of subnet %s%s",
			account, f.Remote, f.FindingID, f.Instance, f.Count, rule, f.Subnet, since)
		if b.Gateway != "" {
			c.blockAtPSF(ctx, b)
		}
	}
}

// markOnce reports whether key is new to warnOnce's set, adding it.
func (c *Controller) markOnce(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.warned["event "+key] {
		return false
	}
	c.warned["event "+key] = true
	return true
}

// event logs a GuardDuty action in the store's event log and the log.
func (c *Controller) event(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.log.Printf("guardduty: %s", msg)
	if c.opts.Store != nil {
		_ = c.opts.Store.Log(EventGuardDuty, msg)
	}
}
