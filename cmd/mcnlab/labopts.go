package main

import (
	"github.com/spf13/cobra"

	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// labBase is what every command gives the lab package beyond its output:
// the zero value in mcnlab itself. Tests, which run the commands in a
// test binary, set Self to a built mcnlab (the binary the lab's daemons
// run) and may shorten ConvergeTimeout.
var labBase mcnlab.Options

// labOptions are the lab.Options of a command: labBase, with progress
// lines written to the command's output.
func labOptions(cmd *cobra.Command) mcnlab.Options {
	o := labBase
	o.Out = cmd.OutOrStdout()
	return o
}
