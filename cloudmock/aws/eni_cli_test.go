package aws_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestNetworkInterfacesCLI drives network interfaces with the AWS CLI, as
// a script written against AWS does: create one, attach it at device
// index 1, find it by attachment and address filters, read an attribute,
// assign a secondary address, be refused its deletion while attached,
// detach and delete it. Both the Debian CLI (2.9) and pyenv's (1.45)
// pass it.
// AWS: https://docs.aws.amazon.com/cli/latest/reference/ec2/create-network-interface.html
// AWS: https://docs.aws.amazon.com/cli/latest/reference/ec2/attach-network-interface.html
func TestNetworkInterfacesCLI(t *testing.T) {
	bin, err := exec.LookPath("aws")
	if err != nil {
		roottest.Missing(t, "aws CLI not installed (Debian: awscli)")
	}
	if testing.Short() {
		t.Skip("slow: starts the AWS CLI")
	}
	l := newENILab(t)
	aws := func(out any, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), bin, append([]string{"--endpoint-url", l.url, "--output", "json", "ec2"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+credA.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+credA.SecretAccessKey,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
		b, err := cmd.CombinedOutput()
		if out == nil {
			if err == nil {
				t.Fatalf("aws %s succeeded, want an error:\n%s", strings.Join(args, " "), b)
			}
			return string(b)
		}
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		if len(b) > 0 {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, b)
			}
		}
		return string(b)
	}
	type eni struct {
		NetworkInterfaceId, PrivateIpAddress, Status, Description string
		PrivateIpAddresses                                        []struct{ PrivateIpAddress string }
		Attachment                                                *struct {
			AttachmentId string
			DeviceIndex  int
		}
	}
	var created struct{ NetworkInterface eni }
	aws(&created, "create-network-interface", "--subnet-id", l.subB, "--description", "egress", "--private-ip-address", "10.0.2.10")
	id := created.NetworkInterface.NetworkInterfaceId
	if created.NetworkInterface.Status != "available" || len(created.NetworkInterface.PrivateIpAddresses) != 1 {
		t.Fatalf("created %+v", created.NetworkInterface)
	}
	var att struct{ AttachmentId string }
	aws(&att, "attach-network-interface", "--network-interface-id", id, "--instance-id", *l.inst.InstanceId, "--device-index", "1")
	var found struct{ NetworkInterfaces []eni }
	aws(&found, "describe-network-interfaces", "--filters", "Name=attachment.instance-id,Values="+*l.inst.InstanceId,
		"Name=attachment.device-index,Values=1", "Name=addresses.private-ip-address,Values=10.0.2.10")
	if len(found.NetworkInterfaces) != 1 || found.NetworkInterfaces[0].Attachment == nil || found.NetworkInterfaces[0].Attachment.AttachmentId != att.AttachmentId {
		t.Fatalf("describe-network-interfaces by attachment: %+v", found)
	}
	var desc struct{ Description struct{ Value string } }
	aws(&desc, "describe-network-interface-attribute", "--network-interface-id", id, "--attribute", "description")
	if desc.Description.Value != "egress" {
		t.Fatalf("description %+v", desc)
	}
	var assigned struct {
		AssignedPrivateIpAddresses []struct{ PrivateIpAddress string }
	}
	aws(&assigned, "assign-private-ip-addresses", "--network-interface-id", id, "--private-ip-addresses", "10.0.2.30")
	if len(assigned.AssignedPrivateIpAddresses) != 1 || assigned.AssignedPrivateIpAddresses[0].PrivateIpAddress != "10.0.2.30" {
		t.Fatalf("assigned %+v", assigned)
	}
	if out := aws(nil, "delete-network-interface", "--network-interface-id", id); !strings.Contains(out, "InvalidParameterValue") || !strings.Contains(out, "is currently in use") {
		t.Fatalf("delete while attached: %s", out)
	}
	if out := aws(nil, "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0"); !strings.Contains(out, "InvalidAttachmentID.NotFound") {
		t.Fatalf("detach of an unknown attachment: %s", out)
	}
	var none struct{}
	aws(&none, "detach-network-interface", "--attachment-id", att.AttachmentId)
	aws(&none, "delete-network-interface", "--network-interface-id", id)
	if out := aws(nil, "describe-network-interfaces", "--network-interface-ids", id); !strings.Contains(out, "InvalidNetworkInterfaceID.NotFound") {
		t.Fatalf("describe of a deleted interface: %s", out)
	}
}
