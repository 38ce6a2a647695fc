package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Flow sets: a dynamic set whose elements are IPv4 flows, added or
// refreshed by rules (Rule.Track) with a counter each, so that a reader
// (ReadFlows) learns which flows hit a rule and how many packets and
// bytes they carried, without a listening socket: a rule that drops
// records what it dropped.

// TrackTimeout is how long a flow stays in a flow set after its last
// packet.
const TrackTimeout = 2 * time.Minute

// trackKey is a flow set's key: source and destination address, protocol,
// source and destination port (each padded to 4 bytes).
var trackKey = nftables.MustConcatSetType(nftables.TypeIPAddr, nftables.TypeIPAddr, nftables.TypeInetProto,
	nftables.TypeInetService, nftables.TypeInetService)

func trackSet(t *nftables.Table, tfam Family, s Set) (*nftables.Set, error) {
	if len(s.Prefixes) > 0 || s.Family != FamilyIPv4 || tfam == FamilyIPv6 {
		return nil, fmt.Errorf("set %s: a flow set is of IPv4 flows, in an ip or inet table, and has no prefixes", s.Name)
	}
	return &nftables.Set{Table: t, Name: s.Name, ID: setIDs.Add(1), KeyType: trackKey, Concatenation: true,
		Dynamic: true, HasTimeout: true, Timeout: TrackTimeout}, nil
}

// track loads the packet's flow into the registers of a concatenation and
// updates the flow set with it, counting the packet.
func (e *env) track(name string) ([]expr.Any, error) {
	s, ok := e.sets[name]
	if !ok || !s.Dynamic {
		return nil, fmt.Errorf("no flow set %q", name)
	}
	const r0 = 8 // NFT_REG32_00: concatenations take 32-bit registers
	return []expr.Any{
		&expr.Payload{DestRegister: r0, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
		&expr.Payload{DestRegister: r0 + 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: r0 + 2},
		&expr.Payload{DestRegister: r0 + 3, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 2},
		&expr.Payload{DestRegister: r0 + 4, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Dynset{SrcRegKey: r0, SetName: s.Name, SetID: s.ID, Operation: unix.NFT_DYNSET_OP_UPDATE,
			Exprs: []expr.Any{&expr.Counter{}}},
	}, nil
}

// TrackedFlow is one flow of a flow set with what it counted. For ICMP the
// ports are the type and code, and the checksum.
type TrackedFlow struct {
	Src, Dst         [4]byte
	Proto            uint8
	SrcPort, DstPort uint16
	Packets, Bytes   uint64
}

// ReadFlows reads the flows of an ip table's flow set through c; a table
// or set that does not exist has none.
func ReadFlows(c Conn, table, set string) ([]TrackedFlow, error) {
	return ReadFlowsOf(c, FamilyIPv4, table, set)
}

// ReadFlowsOf reads the flows of a flow set of a table of family fam (ip
// or inet) through c; a table or set that does not exist has none.
func ReadFlowsOf(c Conn, fam Family, table, set string) ([]TrackedFlow, error) {
	tables, err := c.ListTablesOfFamily(fam.table())
	if err != nil {
		return nil, fmt.Errorf("policy: read flow set %s %s: %w", table, set, err)
	}
	i := slices.IndexFunc(tables, func(t *nftables.Table) bool { return t.Name == table })
	if i < 0 {
		return nil, nil
	}
	sets, err := c.GetSets(tables[i])
	if err != nil {
		return nil, fmt.Errorf("policy: read flow set %s %s: %w", table, set, err)
	}
	j := slices.IndexFunc(sets, func(s *nftables.Set) bool { return s.Name == set })
	if j < 0 {
		return nil, nil
	}
	elems, err := c.GetSetElements(sets[j])
	if err != nil {
		return nil, fmt.Errorf("policy: read flow set %s %s: %w", table, set, err)
	}
	out := make([]TrackedFlow, 0, len(elems))
	for _, el := range elems {
		k := el.Key
		if len(k) < 20 {
			continue
		}
		f := TrackedFlow{Proto: k[8], SrcPort: uint16(k[12])<<8 | uint16(k[13]), DstPort: uint16(k[16])<<8 | uint16(k[17])}
		copy(f.Src[:], k[0:4])
		copy(f.Dst[:], k[4:8])
		if el.Counter != nil {
			f.Packets, f.Bytes = el.Counter.Packets, el.Counter.Bytes
		}
		out = append(out, f)
	}
	return out, nil
}
