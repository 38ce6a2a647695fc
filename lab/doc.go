// Package lab is the lab supervisor: it starts, records, restarts and
// stops a lab's daemons (its emulated cloud, its controller and the
// supervisor that watches them), defines the lab contract once (the names
// of the daemons, their logs and state files, the lab account's
// credentials), orchestrates a deploy, and measures the reachability
// matrix that `mcnlab reach`, `mcnlab simulate` and scenarios share.
//
// It sits between the command line and the controller: cmd/mcnlab parses
// flags and prints, calling lab; lab must not import cmd, scenarios or
// bench. The lab's daemons are the mcnlab binary itself (Options.Self),
// run detached in the root network namespace; whatever waits takes a
// context.Context.
package lab
