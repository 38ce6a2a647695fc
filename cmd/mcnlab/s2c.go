package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

func newS2C() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "s2c",
		Short: "Site-to-cloud IPsec: the on-prem device's configuration, the SAs of a node",
		Long: `s2c works on a lab's site2cloud connections (the site2cloud block of the
topology): IKEv2 IPsec between a gateway node and an on-prem router.

  mcnlab s2c config CONNECTION --vendor strongswan|cisco-ios|frr [--lab L]
      the configuration the on-prem device needs: peers, pre-shared key,
      proposals, traffic selectors (the virtual prefixes of a mapped
      connection), the backup tunnel to the HA gateway; the lab's own
      strongswan routers load the same strongswan template
  mcnlab s2c sas NODE [--lab L]
      swanctl --list-sas of the charon in a strongswan router or gateway`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newS2CConfig(), newS2CSAs())
	return cmd
}

func newS2CConfig() *cobra.Command {
	var lab, vendor string
	cmd := &cobra.Command{
		Use:   "config CONNECTION --vendor strongswan|cisco-ios|frr [--lab NAME]",
		Short: "Print the on-prem device's configuration of a site2cloud connection",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := onlyLab(lab)
			if err != nil {
				return err
			}
			out, err := s2cTemplate(name, args[0], vendor)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), out)
			return err
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name (default: the only lab on this machine)")
	cmd.Flags().StringVar(&vendor, "vendor", "strongswan", "the on-prem device's make: "+strings.Join(ipsec.Vendors, ", "))
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
	return cmd
}

// s2cTemplate is the vendor's configuration of connection conn of lab,
// from the topology the lab was deployed from and the lab's key.
func s2cTemplate(lab, conn, vendor string) (string, error) {
	if err := topologies.CheckLabName("--lab", lab); err != nil {
		return "", err
	}
	t, err := topologies.Load(filepath.Join(state.Dir(lab), "topology.yaml"))
	if err != nil {
		return "", fmt.Errorf("lab %s: %w", lab, err)
	}
	return ipsec.LabTemplate(lab, t, conn, vendor)
}

func newS2CSAs() *cobra.Command {
	var lab string
	cmd := &cobra.Command{
		Use:   "sas NODE [--lab NAME]",
		Short: "Print swanctl --list-sas of a node's charon (a strongswan router or a gateway)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := onlyLab(lab)
			if err != nil {
				return err
			}
			if err := topologies.CheckLabName("--lab", name); err != nil {
				return err
			}
			if strings.ContainsAny(args[0], "/\x00") || args[0] == ".." || args[0] == "." {
				return fmt.Errorf("bad node name %q", args[0])
			}
			dir := emulator.CharonDir(name, args[0])
			if _, err := os.Stat(dir); err != nil {
				return fmt.Errorf("lab %s: node %s runs no charon", name, args[0])
			}
			out, err := ipsec.Swanctl(cmd.Context(), dir, "--list-sas")
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), out)
			return err
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name (default: the only lab on this machine)")
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
	return cmd
}
