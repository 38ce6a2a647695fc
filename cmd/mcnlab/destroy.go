package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
)

func listLabs() ([]string, error) { return state.List() }

func newDestroy() *cobra.Command {
	var lab, file string
	var all bool
	cmd := &cobra.Command{
		Use:   "destroy --lab NAME | -t FILE | --all",
		Short: "Remove everything a lab made (idempotent; needs no topology file)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n := 0
			for _, set := range []bool{lab != "", file != "", all} {
				if set {
					n++
				}
			}
			if n != 1 {
				return errors.New("destroy needs exactly one of --lab NAME, -t FILE or --all")
			}
			if err := needRoot("destroy"); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var labs []string
			switch {
			case all:
				var err error
				if labs, err = state.List(); err != nil {
					return err
				}
			case file != "":
				t, _, err := loadTopology(file)
				if err != nil {
					return err
				}
				labs = []string{t.Name}
			default:
				labs = []string{lab}
			}
			var errs []error
			for _, l := range labs {
				err := emulator.Destroy(cmd.Context(), l, emulator.NewPrinter(os.Stdout))
				switch {
				case errors.Is(err, state.ErrNotFound):
					fmt.Fprintf(out, "lab %s: nothing to destroy\n", l)
				case err != nil:
					errs = append(errs, err)
				default:
					fmt.Fprintf(out, "lab %s destroyed\n", l)
				}
			}
			if all {
				left, err := emulator.Leftovers()
				if err != nil {
					errs = append(errs, err)
				} else if len(left) > 0 {
					if err := emulator.RemoveLeftovers(left); err != nil {
						errs = append(errs, err)
					} else {
						fmt.Fprintf(out, "removed %d namespaces named mcn-… that no lab recorded: %v\n", len(left), left)
					}
				}
				if len(labs) == 0 && len(left) == 0 {
					fmt.Fprintln(out, "no labs on this machine")
				}
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name")
	cmd.Flags().StringVarP(&file, "topology", "t", "", "the topology file the lab was deployed from (its name is read from it)")
	cmd.Flags().BoolVar(&all, "all", false, "every mcnlab lab on this machine, and leftover mcn-… namespaces")
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
	return cmd
}
