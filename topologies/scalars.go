package topologies

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Limits of format v1.
const (
	MaxLabName       = 24    // bytes in a lab name
	MaxNodeName      = 32    // bytes in a node name
	MaxInterfaceName = 32    // bytes in a friendly interface name; longer than 15 gets a derived kernel name
	MinMTU           = 68    // smallest IPv4 MTU
	MinMTUv6         = 1280  // smallest MTU of a link that carries IPv6
	MaxMTU           = 65535 // largest MTU
	DefaultMTU       = 1500  // MTU when neither the link nor defaults set one
)

// The range of a link's rate, what deploy's token bucket (the kernel's tbf
// qdisc, with a bucket of 64 KiB or 10 ms of traffic and a queue of 50 ms
// more; emulator/deploy.go) can be set to.
const (
	// MinRate, 8 kbit/s. Below 8 bit/s the kernel's rate, in bytes/s, is
	// 0 and it refuses the qdisc; below about 1.9 kbit/s the time to send
	// the 64 KiB bucket overflows tc's 32-bit count of 64 ns ticks, and
	// the bucket set is not the one asked for.
	MinRate = 8_000
	// MaxRate, 400 Gbit/s, the fastest Ethernet in use. Above about 570
	// Gbit/s the queue limit (60 ms of traffic, in bytes) overflows the
	// kernel's 32 bits.
	MaxRate = 400_000_000_000
)

var (
	labNameRE   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	nodeNameRE  = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$`)
	ifaceNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	rateRE      = regexp.MustCompile(`^([0-9]+)(?:\.([0-9]+))?([kmg]?bit)?$`)
)

// checkLabName says what is wrong with a lab name, or "".
func checkLabName(s string) string {
	switch {
	case s == "":
		return "lab name is empty; use 1 to 24 of a-z, 0-9 and '-'"
	case len(s) > MaxLabName:
		return fmt.Sprintf("lab name %q is %d bytes long; the limit is %d (namespaces are named mcn-<lab>-<node>)", s, len(s), MaxLabName)
	case !labNameRE.MatchString(s):
		return fmt.Sprintf("bad lab name %q; use a-z, 0-9 and '-', starting and ending with a letter or digit", s)
	}
	return ""
}

// checkNodeName says what is wrong with a node name, or "".
func checkNodeName(s string) string { return checkName("node", s) }

// checkName says what is wrong with the name of an object of a kind
// ("node", "vpc", ...), or "". Every name in a topology but the lab's and
// interfaces' follows the node name rule.
func checkName(kind, s string) string {
	switch {
	case s == "":
		return kind + " name is empty; use 1 to 32 of a-z, 0-9, '_' and '-'"
	case len(s) > MaxNodeName:
		return fmt.Sprintf("%s name %q is %d bytes long; the limit is %d", kind, s, len(s), MaxNodeName)
	case !nodeNameRE.MatchString(s):
		return fmt.Sprintf("bad %s name %q; use a-z, 0-9, '_' and '-', starting and ending with a letter or digit", kind, s)
	}
	return ""
}

// checkInterfaceName says what is wrong with an interface name, or "".
func checkInterfaceName(s string) string {
	switch {
	case s == "":
		return "interface name is empty; use 1 to 32 of A-Z, a-z, 0-9, '_', '.' and '-'"
	case len(s) > MaxInterfaceName:
		return fmt.Sprintf("interface name %q is %d bytes long; the limit is %d (names over 15 bytes get a short kernel name)", s, len(s), MaxInterfaceName)
	case s == "lo" || s == "." || s == "..":
		return fmt.Sprintf("interface name %q is reserved; pick another such as eth0", s)
	case !ifaceNameRE.MatchString(s):
		return fmt.Sprintf("bad interface name %q; use A-Z, a-z, 0-9, '_', '.' and '-'", s)
	}
	return ""
}

// parseRate reads a rate such as 100mbit, 1.25gbit or 64000 into bits per
// second.
func parseRate(s string) (uint64, error) {
	const hint = "use an integer number of bits/s or a number with kbit, mbit or gbit, such as 100mbit or 1.25gbit"
	m := rateRE.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		if strings.HasSuffix(strings.ToLower(s), "bps") {
			return 0, fmt.Errorf("bad rate %q: 'bps' is ambiguous (tc reads it as bytes/s); %s", s, hint)
		}
		return 0, fmt.Errorf("bad rate %q; %s", s, hint)
	}
	exp := map[string]int{"": 0, "bit": 0, "kbit": 3, "mbit": 6, "gbit": 9}[m[3]]
	digits, frac := m[1], m[2]
	// Shift the decimal point by exp places; what is left after it must be zeros.
	for exp > 0 {
		if frac == "" {
			digits += "0"
		} else {
			digits += frac[:1]
			frac = frac[1:]
		}
		exp--
	}
	if strings.Trim(frac, "0") != "" {
		return 0, fmt.Errorf("bad rate %q: not a whole number of bits/s", s)
	}
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad rate %q: too large", s)
	}
	if v == 0 {
		return 0, fmt.Errorf("rate %q is zero; leave rate out for no cap", s)
	}
	return v, nil
}

// checkRateRange says what is wrong with a rate outside MinRate..MaxRate,
// or "".
func checkRateRange(r uint64) string {
	show := formatRate(r)
	if !strings.HasSuffix(show, "bit") {
		show += " bit/s"
	}
	switch {
	case r < MinRate:
		return fmt.Sprintf("rate %s is below the minimum of %s; use %s..%s (the kernel's token bucket filter that caps the link cannot be set up for a slower rate)", show, formatRate(MinRate), formatRate(MinRate), formatRate(MaxRate))
	case r > MaxRate:
		return fmt.Sprintf("rate %s is above the maximum of %s; use %s..%s, or leave rate out for no cap", show, formatRate(MaxRate), formatRate(MinRate), formatRate(MaxRate))
	}
	return ""
}

// formatRate writes bits per second in the shortest exact unit.
func formatRate(r uint64) string {
	switch {
	case r >= 1e9 && r%1e9 == 0:
		return strconv.FormatUint(r/1e9, 10) + "gbit"
	case r >= 1e6 && r%1e6 == 0:
		return strconv.FormatUint(r/1e6, 10) + "mbit"
	case r >= 1e3 && r%1e3 == 0:
		return strconv.FormatUint(r/1e3, 10) + "kbit"
	}
	return strconv.FormatUint(r, 10)
}

// parseAddress reads an interface address with its prefix length, such as
// 10.0.1.10/24.
func parseAddress(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		if a, err := netip.ParseAddr(s); err == nil {
			return netip.Prefix{}, fmt.Errorf("address %s has no prefix length; write it with one, such as %s/%d", s, s, map[bool]int{true: 24, false: 64}[a.Is4()])
		}
		return netip.Prefix{}, fmt.Errorf("bad address %q; write an address with its prefix length, such as 10.0.1.10/24 or 2001:db8::1/64", s)
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad address %q (%s); write an address with its prefix length, such as 10.0.1.10/24", s, netipReason(err))
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("bad address %q: IPv4-mapped IPv6 addresses are not allowed; write the IPv4 address", s)
	}
	return p, nil
}

// parseDestination reads a route's destination: "default" or a CIDR. v6
// selects ::/0 for "default".
func parseDestination(s string, v6 bool) (netip.Prefix, error) {
	if s == "default" {
		if v6 {
			return netip.PrefixFrom(netip.IPv6Unspecified(), 0), nil
		}
		return netip.PrefixFrom(netip.IPv4Unspecified(), 0), nil
	}
	if !strings.Contains(s, "/") {
		if a, err := netip.ParseAddr(s); err == nil {
			return netip.Prefix{}, fmt.Errorf("%s is an address, not a prefix; write %s/%d for the single host, or \"default\"", s, s, a.BitLen())
		}
		return netip.Prefix{}, fmt.Errorf("bad destination %q; write \"default\" or a prefix such as 10.0.2.0/24", s)
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad destination %q (%s); write \"default\" or a prefix such as 10.0.2.0/24", s, netipReason(err))
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("bad destination %q: IPv4-mapped IPv6 prefixes are not allowed; write the IPv4 prefix", s)
	}
	return p, nil
}

// parseNextHop reads a route's next hop, a plain address.
func parseNextHop(s string) (netip.Addr, error) {
	if strings.Contains(s, "/") {
		return netip.Addr{}, fmt.Errorf("next hop %q has a prefix length; write the address alone, such as %s", s, strings.SplitN(s, "/", 2)[0])
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bad next hop %q (%s); write an address such as 10.0.1.1", s, netipReason(err))
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("bad next hop %q: zones are not allowed", s)
	}
	if a.Is4In6() {
		return netip.Addr{}, fmt.Errorf("bad next hop %q: IPv4-mapped IPv6 addresses are not allowed; write %s", s, a.Unmap())
	}
	return a, nil
}

// netipReason is the reason in a net/netip parse error, without the input
// that the error repeats.
func netipReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		return msg[i+3:]
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// mtuInRange says whether m is a usable MTU.
func mtuInRange(m int) bool { return m >= MinMTU && m <= MaxMTU }

// CheckLabName returns an error naming the flag or field when s is not a
// valid lab name (the --lab flag overrides the topology's name).
func CheckLabName(field, s string) error {
	if msg := checkLabName(s); msg != "" {
		return fmt.Errorf("%s: %s", field, msg)
	}
	return nil
}
