package scenario

import _ "embed"

//go:embed schema.json
var schema []byte

// Schema is the JSON Schema (draft 2020-12) of scenario files, for
// editors; Load checks the same and more, with file:line errors.
func Schema() []byte { return schema }
