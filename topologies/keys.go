package topologies

// objectKeys lists, for each kind of mapping in format v1, the keys it may
// hold, in the order Marshal writes them. schema.json must list the same
// properties under $defs (a test keeps them equal).
var objectKeys = map[string][]string{
	"topology": {"name", "version", "defaults", "nodes", "links"},
	"defaults": {"mtu"},
	"node":     {"kind", "routes", "exec"},
	"route":    {"to", "via"},
	"link":     {"endpoints", "mtu", "rate"},
	"endpoint": {"node", "interface", "address"},
}

// requiredKeys lists the keys each mapping must hold.
var requiredKeys = map[string][]string{
	"topology": {"name", "version", "nodes"},
	"defaults": {},
	"node":     {"kind"},
	"route":    {"to", "via"},
	"link":     {"endpoints"},
	"endpoint": {"node", "interface"},
}

// missingHint tells what to write for a missing required key.
var missingHint = map[string]string{
	"name":      "a lab name such as three-tier",
	"version":   "version: 1",
	"nodes":     "a mapping of node names to nodes",
	"kind":      "host or router",
	"to":        `"default" or a prefix such as 10.0.2.0/24`,
	"via":       "a next-hop address such as 10.0.1.1",
	"endpoints": "a list of the 2 ends, such as [h1:eth0, r1:eth0]",
	"node":      "the name of a node",
	"interface": "an interface name such as eth0",
}
