package aws

import (
	"errors"
	"net/netip"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

func init() {
	register("AssociateAddress", associateAddress)
	register("DisassociateAddress", disassociateAddress)
}

// An association is named after its allocation: eipassoc-<hex> for
// eipalloc-<hex>, so that DisassociateAddress finds the address again.
func associationID(allocationID string) string {
	return "eipassoc-" + strings.TrimPrefix(allocationID, "eipalloc-")
}

type associateAddressResp struct {
	meta
	Return        bool   `xml:"return"`
	AssociationID string `xml:"associationId"`
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateAddress.html — AllocationId with InstanceId or NetworkInterfaceId, and PrivateIpAddress
func associateAddress(h *Handler, c *call) (response, error) {
	alloc, err := c.form.required("AllocationId")
	if err != nil {
		return nil, err
	}
	target := c.form.str("InstanceId")
	if eni := c.form.str("NetworkInterfaceId"); eni != "" {
		target = eni
	}
	if target == "" {
		return nil, &apiError{Code: "MissingParameter", Message: "Either 'InstanceId' or 'NetworkInterfaceId' must be specified", Status: 400}
	}
	var private netip.Addr
	if v := c.form.str("PrivateIpAddress"); v != "" {
		if private, err = addr("PrivateIpAddress", v); err != nil {
			return nil, err
		}
	}
	if err := h.cloud.AssociateAddressTo(c.account, alloc, target, private); err != nil {
		return nil, err
	}
	return &associateAddressResp{Return: true, AssociationID: associationID(alloc)}, nil
}

// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateAddress.html — AssociationId in a VPC
func disassociateAddress(h *Handler, c *call) (response, error) {
	assoc, err := c.form.required("AssociationId")
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(assoc, "eipassoc-") {
		return nil, &apiError{Code: "InvalidAssociationID.NotFound", Message: "The association ID '" + clip(assoc) + "' does not exist", Status: 400}
	}
	if err := h.cloud.DisassociateAddress(c.account, "eipalloc-"+strings.TrimPrefix(assoc, "eipassoc-")); err != nil {
		var me *model.Error
		if errors.As(err, &me) && (me.Code == model.CodeNotFound || me.Code == model.CodeNotAssociated) {
			return nil, &apiError{Code: "InvalidAssociationID.NotFound", Message: "The association ID '" + clip(assoc) + "' does not exist", Status: 400}
		}
		return nil, err
	}
	return ok()
}
