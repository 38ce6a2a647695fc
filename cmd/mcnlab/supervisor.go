package main

import (
	"log"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

func newSupervise() *cobra.Command {
	var lab string
	cmd := &cobra.Command{
		Use:    "supervise --lab NAME",
		Short:  "Restart a cloud lab's cloud and controller when they die (what deploy starts)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := state.Load(lab); err != nil {
				return err
			}
			return mcnlab.Supervise(cmd.Context(), lab, log.New(os.Stderr, "supervisor: ", log.LstdFlags|log.Lmicroseconds), labOptions(cmd))
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name")
	_ = cmd.MarkFlagRequired(labFlag)
	return cmd
}
