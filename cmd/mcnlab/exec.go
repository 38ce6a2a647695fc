package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"github.com/spf13/cobra"
	vnetns "github.com/vishvananda/netns"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
)

func newExec() *cobra.Command {
	var lab string
	cmd := &cobra.Command{
		Use:   "exec [--lab NAME] NODE -- CMD [ARG...]",
		Short: "Run a command inside a node's namespace (ping, traceroute, a shell)",
		Args:  cobra.MinimumNArgs(2),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveDefault
			}
			r, err := pickLab(lab)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var nodes []string
			for _, n := range r.Nodes {
				nodes = append(nodes, n.Name)
			}
			return nodes, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 1 {
				return errors.New("usage: mcnlab exec [--lab NAME] NODE -- CMD [ARG...]")
			}
			if err := needRoot("exec"); err != nil {
				return err
			}
			r, err := pickLab(lab)
			if err != nil {
				return err
			}
			node, argv := args[0], args[1:]
			nodes, err := labNodes(cmd.Context(), r)
			if err != nil {
				return err
			}
			n, err := findNode(nodes, r.Name, node)
			if err != nil {
				return err
			}
			ns := n.Namespace
			path, err := exec.LookPath(argv[0])
			if err != nil {
				return fmt.Errorf("exec in %s: %w", node, err)
			}
			h, err := netns.Open(ns)
			if err != nil {
				return err
			}
			// This process becomes the command: enter the namespace on this
			// locked thread, then execve from it.
			runtime.LockOSThread()
			if err := vnetns.Set(h); err != nil {
				return fmt.Errorf("enter %s: %w", ns, err)
			}
			// The node's own resolv.conf (a cloud instance's names its
			// VPC's resolver), as `ip netns exec` binds it.
			if err := netns.BindEtc(ns); err != nil {
				return fmt.Errorf("exec in %s: %w", node, err)
			}
			return fmt.Errorf("exec %s in %s: %w", argv[0], node, syscall.Exec(path, argv, os.Environ()))
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name (default: the only lab on this machine)")
	_ = cmd.RegisterFlagCompletionFunc(labFlag, completeLabs)
	return cmd
}

// pickLab loads the named lab, or the only lab when name is empty.
func pickLab(name string) (*state.Lab, error) {
	if name == "" {
		labs, err := state.List()
		if err != nil {
			return nil, err
		}
		switch len(labs) {
		case 0:
			return nil, errors.New("no labs on this machine; deploy one with `mcnlab deploy -t FILE`")
		case 1:
			name = labs[0]
		default:
			return nil, fmt.Errorf("%d labs on this machine (%v): name one with --lab", len(labs), labs)
		}
	}
	return state.Load(name)
}
