package handle

import "testing"

func TestOf(t *testing.T) {
	// Known values: a handle must not change between releases, or a
	// restarted lab cloud would not find the kernel objects it made.
	for id, want := range map[string]string{
		"vpc-0123456789abcdef0": "a8ab6bbd",
		"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet1": "ef993bf4",
	} {
		got := Of(id)
		if len(got) != Len {
			t.Fatalf("Of(%q) = %q: want %d hex digits", id, got, Len)
		}
		if got != want {
			t.Errorf("Of(%q) = %q, want %q", id, got, want)
		}
		if Of(id) != got {
			t.Errorf("Of(%q) is not stable", id)
		}
	}
	if Of("i-0aaaaaaaaaaaaaaaa") == Of("i-0aaaaaaaaaaaaaaab") {
		t.Error("two IDs that differ in their last digit have one handle")
	}
}
