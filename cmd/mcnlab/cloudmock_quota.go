package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
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
