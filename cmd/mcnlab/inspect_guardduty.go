package main

import (
	"fmt"
	"io"
	"os"

	"github.com/mcnlab/mcnlab/controller"
	"github.com/mcnlab/mcnlab/controller/store"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// printGuardDuty writes the controller's GuardDuty actions, if any: the
// detector and threat list it made and each malicious caller it blocked
// (or left alone, excluded), from the controller's event log.
func printGuardDuty(w io.Writer, lab string) {
	if _, err := os.Stat(mcnlab.DBFile(lab)); err != nil {
		return
	}
	st, err := store.Open(mcnlab.DBFile(lab))
	if err != nil {
		return
	}
	defer st.Close()
	evs, err := st.Events(0)
	if err != nil {
		return
	}
	header := false
	for _, e := range evs {
		if e.Kind != controller.EventGuardDuty {
			continue
		}
		if !header {
			fmt.Fprintf(w, "\nGUARDDUTY EVENT\tAT\n")
			header = true
		}
		fmt.Fprintf(w, "%s\t%s\n", e.Msg, e.At.Format("15:04:05.000"))
	}
}
