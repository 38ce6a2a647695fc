package gcp

import "strings"

func compare(a, b string) int { return strings.Compare(a, b) }

func joinWords(w []string) string { return strings.Join(w, "/") }
