// Package labs holds the training labs, one YAML file each, embedded in
// the mcnlab binary so that `mcnlab lab` works from any directory. The
// format is scenarios/training's.
package labs

import "embed"

// Files are the training labs' files.
//
//go:embed *.yaml
var Files embed.FS
