package topologies

import _ "embed"

//go:embed schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) of format v1, for editors
// and other tools. It checks shape only; Parse also checks meaning (unknown
// nodes, networks, routes).
func Schema() []byte { return append([]byte(nil), schema...) }
