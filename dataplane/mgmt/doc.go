// Package mgmt is the gateway's management API: the wire types, an HTTP
// server over a unix socket that serves them from a Backend, and a Client.
// It holds no engine logic and touches no kernel state; the gateway engine
// (dataplane/gateway) implements Backend.
//
// # Wire format, version 1
//
// JSON over HTTP/1.1 on a unix socket (mode 0600: the private key travels
// in it). Every path starts with /v1/. Bodies are UTF-8 JSON objects;
// unknown fields in a request are refused. Addresses and prefixes are
// strings in net/netip's text form ("10.0.0.1", "10.1.0.0/24",
// "198.18.0.2:51820"); keys are base64 as printed by `wg`.
//
//	GET /v1/healthz   200 {"status":"ok","name":"gw1"}
//	GET /v1/config    200 Config (the configuration in place; {} before the first PUT)
//	PUT /v1/config    body Config: the whole desired configuration
//	                  200 Config (the configuration now in place)
//	                  400 Error  (invalid: nothing was changed)
//	                  500 Error  (applying failed part-way; GET /v1/config
//	                              shows what is in place, PUT again to retry)
//	GET /v1/status    200 Status
//
// Any other method on these paths answers 405 with an Allow header, any
// other path 404; both with an Error body {"error":"..."}.
//
// A Config is:
//
//	{
//	  "name": "gw1",                  // gateway name
//	  "asn": 65001,                   // local AS
//	  "router_id": "10.255.255.1",    // BGP identifier (IPv4)
//	  "prefixes": ["10.1.0.0/24"],    // local prefixes advertised to every session
//	  "private_key": "base64…",       // WireGuard key of every tunnel
//	  "mtu": 1420,                    // tunnel MTU; 0 means 1420
//	  "peers": [{                     // gateways reached through a tunnel each
//	    "name": "gw2",                // [a-z0-9-]{1,12}; the tunnel is interface wg-<name>
//	    "public_key": "base64…",
//	    "endpoint": "198.18.0.2:51801", // the peer's underlay address and port for this tunnel;
//	                                    // optional: without it, wait for the peer to make contact
//	    "listen_port": 51802,         // local UDP port of this tunnel
//	    "address": "10.255.12.0/31",  // local inner address; /31 or /30 (IPv6: /127 or /126)
//	    "peer_address": "10.255.12.1",// the peer's inner address; the BGP session runs between the
//	                                  // two, opened by the end with the lower address
//	    "asn": 65002,                 // the peer's AS
//	    "prepend": 0,                 // extra copies of the local AS on exported routes
//	    "import": [{"prefix":"10.0.0.0/8","le":24}], // allow-lists; empty allows all
//	    "export": [],
//	    "approval": "manual",         // as for a neighbour (below): a transit gateway holds
//	    "approved": ["10.100.0.0/24"] // what an on-prem edge gateway sends until approved
//	  }],
//	  "neighbors": [{                 // plain BGP neighbours over links (on-prem routers)
//	    "name": "onprem",             // [a-z0-9-]{1,12}, unique among peers and neighbours
//	    "address": "192.0.2.1",
//	    "asn": 65100,
//	    "local_address": "192.0.2.2", // optional source address
//	    "passive": false,
//	    "no_bfd": false,              // true: no BFD session to this neighbour
//	    "prepend": 0, "import": [], "export": [],
//	    "approval": "manual",         // "" or "auto": accept what import allows;
//	                                  // "manual": accept only the prefixes in approved
//	                                  // (exact), and of those only what import allows
//	    "approved": ["10.100.0.0/24"],
//	    "vxlan": {                    // optional: reach the neighbour over a VXLAN overlay
//	      "vni": 100,                 // 1..16777215
//	      "local": "198.18.0.1",      // the gateway's underlay address
//	      "remote": "198.18.0.2",     // the neighbour's underlay address
//	      "port": 4789,               // UDP port; 0 means 4789
//	      "address": "10.254.0.1/30", // the gateway's overlay address, /31 or /30 (IPv6 /127
//	                                  // or /126); the neighbour's address is the other end
//	      "mtu": 1450                 // 0 means 1450
//	    }
//	  }],
//	  "segmentation": {               // optional: network domains
//	    "domains": [                  // name [a-z0-9-]{1,32}, unique; prefixes of different
//	      {"name":"prod","prefixes":["10.1.0.0/16"]},   // domains may not overlap
//	      {"name":"dev","prefixes":["10.2.0.0/16"]},
//	      {"name":"shared","prefixes":["10.3.0.0/16"]}
//	    ],
//	    "connections": [["prod","shared"],["dev","shared"]] // pairs allowed to talk, both ways
//	  },
//	  "firenet": {                    // optional: steer traffic through firewalls
//	    "firewalls": [                // name unique; the firewall's address on its link
//	      {"name":"fw1","address":"169.254.10.2","address6":"fd00:f1::2","link":"fw1"},
//	      {"name":"fw2","address":"169.254.20.2","link":"fw2"}
//	    ],
//	    "domains": [{"name":"prod","prefixes":["10.1.0.0/16"]},
//	                {"name":"shared","prefixes":["10.2.0.0/16"]}],
//	    "pairs": [["prod","shared"]], // inspected both ways
//	    "egress": false,              // inspect traffic between the domains and the rest
//	    "exclude": ["10.0.0.1/32"],   // never steered (the gateway's own addresses)
//	    "hash": "5-tuple",            // or "2-tuple" (addresses only)
//	    "fail_open": false,           // no healthy firewall: drop (false) or route directly
//	    "probe_interval_ms": 200, "probe_fall": 3, "probe_rise": 2
//	  },
//	  "flow_export": {                // optional: IPFIX flow records to a collector
//	    "collector": "127.0.0.1:4739",// UDP address and port
//	    "interval_ms": 1000,          // active timeout; 0 means 1000
//	    "domain_id": 7,               // observation domain ID
//	    "domains": [{"name":"prod","prefixes":["10.1.0.0/16"]}] // optional: name the
//	                                  // records' domains without a "segmentation"
//	  }
//	}
//
// A filter {"prefix","ge","le"} matches the prefix and the prefixes inside it
// whose length lies in [ge, le]; ge and le 0 match the prefix exactly.
//
// A neighbour with "vxlan" is reached over a point-to-point VXLAN interface
// vx-<name> that the gateway makes in its namespace (VNI, local, remote,
// port, learning off, the overlay address, up): the private-line case,
// where an on-prem router peers with the gateway over an overlay across the
// line. Its BGP session and BFD run over the overlay, and the routes it
// sends point at its overlay address. Two overlays may not share a VNI on
// one port, and overlay prefixes may not overlap each other or tunnels'.
//
// Under "manual" approval (of a peer or a neighbour), received routes that
// are not approved are kept but not used: the session's "filtered" lists
// them. Changing "approval" or "approved" re-filters the routes already
// received at once, without resetting the session.
//
// With "segmentation", a forwarded packet from an address in one domain to
// an address in another is dropped unless a connection names the two (in
// either order); traffic to or from addresses in no domain, and within one
// domain, passes. The policy lives in the nftables table
// "mcnlab-segmentation" (forward hook), replaced in one transaction on
// every change, with a drop counter per denied ordered pair of domains
// (kept across changes while the pair stays denied); removing
// "segmentation" deletes the table.
//
// With "flow_export", the gateway meters the flows it forwards (the
// kernel's connection tracker, which the nftables table "mcnlab-flows"
// turns on, with its packet and byte counters and start times) and the
// IPv4 flows its segmentation drops (the flow set "denied" of
// "mcnlab-segmentation"), and sends them as IPFIX (RFC 7011, see
// dataplane/ipfix) over UDP, one record per flow direction with the
// counts since the flow started, again every interval while the flow
// carries packets. Flows to or from the gateway's own addresses are left
// out. Removing "flow_export" stops it and deletes the table.
//
// With "firenet", the gateway marks the packets of inspected pairs (and
// egress) in the nftables table "mcn-firenet" (prerouting) and routes each
// mark to its firewall (ip rule fwmark → a table whose default route goes
// via the firewall on its link); nothing is NATed, and what comes back
// from a firewall link is routed on. A flow's first packet picks a healthy
// firewall by hash (the first domain's side first, so both directions and
// both gateways of an HA pair pick alike) and the connection's conntrack
// mark keeps the choice. Each firewall is pinged every probe interval: it
// is down after probe_fall misses (its flows move to the others, the rest
// stay) and up after probe_rise answers. Removing "firenet" deletes the
// table, rules and routes.
//
// A PUT runs to completion even if the client goes away (up to two
// minutes), so a change is never left half made by a client timeout.
//
// A PUT is declarative and incremental: the gateway compares it with what is
// in place and changes only the difference. Adding or removing a peer
// creates or removes only that tunnel and session; a changed peer is updated
// in place where it can be (filters, prepend, approval, endpoint), and re-created only
// when its inner addresses change. A changed neighbour is updated in place
// (filters, prepend, approval), and re-created with its overlay when its
// address or vxlan changes. Changing asn or router_id restarts every BGP
// session (the segmentation policy stays).
//
// A Status is:
//
//	{
//	  "name": "gw1",
//	  "tunnels": [{"peer":"gw2","interface":"wg-gw2","state":"up",
//	               "endpoint":"198.18.0.2:51801","rx_bytes":1234,"tx_bytes":5678,
//	               "rx_packets":12,"tx_packets":40,"last_handshake":"2026-11-23T21:00:00Z",
//	               "state_since":"2026-11-23T21:00:01Z","probes_sent":420,
//	               "probes_received":418,"state_changes":1,"peer_restarts":0}],
//	  "sessions": [{"name":"gw2","address":"10.255.12.1","asn":65002,
//	                "state":"established","uptime_seconds":42,
//	                "received":2,"accepted":1,"advertised":1,
//	                "filtered":["10.101.0.0/24"]},
//	               {"name":"onprem","address":"10.254.0.2","asn":65100,
//	                "state":"established","uptime_seconds":40,
//	                "received":2,"accepted":1,"advertised":2,"bfd":"Up",
//	                "filtered":["10.200.0.0/24"]}],
//	  "routes": [{"prefix":"10.2.0.0/24","next_hops":["10.255.12.1"]}],
//	  "segmentation": [{"from":"dev","to":"prod","packets":0,"bytes":0},
//	                   {"from":"prod","to":"dev","packets":3,"bytes":252}],
//	  "firenet": {"hash":"5-tuple",
//	              "firewalls": [{"name":"fw1","address":"169.254.10.2","link":"fw1",
//	                             "healthy":true,"since":"2026-11-23T21:00:00Z",
//	                             "rtt_us":80,"packets":1200,"bytes":98000},
//	                            {"name":"fw2","address":"169.254.20.2","link":"fw2",
//	                             "healthy":false,"since":"2026-11-23T21:05:00Z",
//	                             "transitions":1,"last_error":"probe 169.254.20.2: no echo reply within 200ms",
//	                             "packets":800,"bytes":64000}]}
//	}
//
// A tunnel is "up" while the peer gateway answers its liveness hellos
// (UDP port 3784 on the inner addresses, every 100 ms each way; down after
// 500 ms without one), else "down"; the gateway routes nothing through a
// down tunnel, before BGP's hold timer expires; when the peer gateway
// restarted, the session to it is reset at once. Session states are those of
// RFC 4271 in lower case; "bfd" is the neighbour's BFD state (AdminDown,
// Down, Init, Up), absent for tunnel peers and neighbours without BFD;
// "filtered" (sorted, absent when empty; for peer and neighbour sessions
// alike) are the prefixes received but refused by the import policy, under
// manual approval exactly those pending approval. Routes are the kernel routes the gateway installed from BGP
// (several next hops: ECMP). "segmentation" (absent without a policy) has
// one entry per denied ordered pair of domains, sorted, with the kernel's
// counts of the packets and bytes dropped. "firenet" (absent without one)
// has each firewall's health, when it last changed, the last probe's round
// trip or error, and the packets and bytes steered to it (both directions);
// "no_firewall_packets" were dropped while none was healthy.
package mgmt
