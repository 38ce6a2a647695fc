package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	mcnlab "github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

// printInternet writes the lab's emulated internet, if its topology has an
// internet block: the resolver, the hosts with their names, and how an
// instance reaches them over HTTPS (the lab CA's file as curl's trust
// root; an instance resolves through its VPC's resolver, named in the
// resolv.conf that `mcnlab exec` binds).
func printInternet(w io.Writer, lab string) {
	src, err := os.ReadFile(mcnlab.TopologyFile(lab))
	if err != nil {
		return
	}
	t, err := topologies.Parse(mcnlab.TopologyFile(lab), src)
	if err != nil || t.Internet == nil {
		return
	}
	fmt.Fprintf(w, "\nINTERNET HOST\tROLE\tADDRESS\tNAMES\n")
	fmt.Fprintf(w, "(resolver)\t-\t%s\t-\n", t.Internet.DNS)
	example := ""
	for _, h := range t.Internet.Hosts {
		names := "-"
		if len(h.Names) > 0 {
			names = strings.Join(h.Names, ", ")
			if example == "" && h.Role == topologies.RoleServer && h.Serves(topologies.ServeHTTPS) {
				example = h.Names[0]
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", h.Name, h.Role, h.Address, names)
	}
	fmt.Fprintf(w, "lab CA (HTTPS trust root): %s\n", mcnlab.CAFile(lab))
	if example != "" {
		fmt.Fprintf(w, "from an instance with a public address or a NAT gateway: mcnlab exec --lab %s INSTANCE -- curl --cacert %s https://%s/\n", lab, mcnlab.CAFile(lab), example)
	}
}
