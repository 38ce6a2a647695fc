package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/topologies"
)

// quotaLimits returns AWS's default limits with the --quota KEY=N values
// of `cloudmock serve` raised, as a quota increase raises them.
func quotaLimits(specs []string) (model.Limits, error) {
	lim := model.DefaultLimits()
	for _, s := range specs {
		key, val, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(val)
		if !ok || err != nil {
			return lim, fmt.Errorf("--quota %q: want KEY=N, such as vpcs-per-region=20", s)
		}
		if err := lim.Raise(key, n); err != nil {
			return lim, fmt.Errorf("--quota %q: %w", s, err)
		}
	}
	return lim, nil
}

// labQuotaArgs are the --quota arguments that give the lab's one emulated
// account what the topology's accounts with credentials lab have together:
// for a per-Region quota the sum of their values (raised or default), as
// each would have its own; for any other (per VPC, table, group or zone)
// the largest. Quotas at AWS's default are left out.
func labQuotaArgs(accounts []*topologies.Account) []string {
	var args []string
	for _, q := range topologies.Quotas {
		v, n := 0, 0
		for _, a := range accounts {
			if a == nil || (a.Credentials != "" && a.Credentials != "lab") {
				continue
			}
			n++
			if q.PerRegion {
				v += a.Quota(q.Key)
			} else {
				v = max(v, a.Quota(q.Key))
			}
		}
		if n > 0 && v != q.Default {
			args = append(args, "--quota", q.Key+"="+strconv.Itoa(v))
		}
	}
	return args
}
