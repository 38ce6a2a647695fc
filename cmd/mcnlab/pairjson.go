package main

// pairJSON is one ordered pair of a cloud lab's reachability, as
// `simulate --json` and `reach --json` print it: what the intent says
// (Reach, Depends, Reason) and, from reach, what real pings saw.
type pairJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Reach is whether the intent says the pair reaches; Depends that
	// the answer turns on an address the cloud chooses.
	Reach   bool   `json:"reach"`
	Depends bool   `json:"depends,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Seen is whether an echo request was answered (reach only).
	Seen *bool `json:"seen,omitempty"`
	// FromAddress and ToAddress are the addresses pinged (reach only).
	FromAddress string `json:"from_address,omitempty"`
	ToAddress   string `json:"to_address,omitempty"`
}
