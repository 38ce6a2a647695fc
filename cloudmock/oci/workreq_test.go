package oci

import (
	"slices"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/workrequests"
)

// wrClient is the official WorkRequestClient pointed at the lab.
func (l *lab) wrClient(t *testing.T, p common.ConfigurationProvider) workrequests.WorkRequestClient {
	t.Helper()
	c, err := workrequests.NewWorkRequestClientWithConfigurationProvider(p)
	if err != nil {
		t.Fatal(err)
	}
	c.Host = l.url
	return c
}

// waitWork polls GetWorkRequest as a client waits for one, until it
// SUCCEEDED, and returns the statuses it saw.
func waitWork(t *testing.T, c workrequests.WorkRequestClient, id *string) (workrequests.WorkRequest, []string) {
	t.Helper()
	var seen []string
	for range 10 {
		r, err := c.GetWorkRequest(ctx(t), workrequests.GetWorkRequestRequest{WorkRequestId: id})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, string(r.Status))
		if r.Status == workrequests.WorkRequestStatusSucceeded || r.Status == workrequests.WorkRequestStatusFailed {
			return r.WorkRequest, seen
		}
	}
	t.Fatalf("work request %s never finished: %v", *id, seen)
	return workrequests.WorkRequest{}, nil
}

// TestWorkRequestSDK: AddVcnCidr answers an opc-work-request-id that the
// workrequests client polls from IN_PROGRESS to SUCCEEDED (100 %, the
// VCN UPDATED); the VCN has the block; ListWorkRequests finds it by
// resourceId with no errors and its logs; a stale If-Match is 412; the
// same retry token answers the same work request; RemoveVcnCidr of a
// block a subnet uses is 409 Conflict and of a free one succeeds; another
// tenancy's user gets 404 for the work request.
func TestWorkRequestSDK(t *testing.T) {
	l := newLab(t)
	c := l.client1(t)
	k := testKeys(t)
	wc := l.wrClient(t, provider(tenancy1, user1, k[0], k[0]))
	v := newVcn(t, l, c, "wr", "10.0.0.0/16")
	_, err := c.AddVcnCidr(ctx(t), core.AddVcnCidrRequest{VcnId: v.Id, IfMatch: common.String("stale"),
		AddVcnCidrDetails: core.AddVcnCidrDetails{CidrBlock: common.String("10.1.0.0/16")}})
	serviceError(t, err, 412, "NoEtagMatch")
	add := core.AddVcnCidrRequest{VcnId: v.Id, OpcRetryToken: common.String("add-1"),
		AddVcnCidrDetails: core.AddVcnCidrDetails{CidrBlock: common.String("10.1.0.0/16")}}
	a, err := c.AddVcnCidr(ctx(t), add)
	if err != nil || a.OpcWorkRequestId == nil || a.HTTPResponse().StatusCode != 202 {
		t.Fatalf("AddVcnCidr: %v %+v", err, a)
	}
	again, err := c.AddVcnCidr(ctx(t), add)
	if err != nil || again.OpcWorkRequestId == nil || *again.OpcWorkRequestId != *a.OpcWorkRequestId {
		t.Fatalf("retried AddVcnCidr: %v %v, want %s", err, again.OpcWorkRequestId, *a.OpcWorkRequestId)
	}
	w, seen := waitWork(t, wc, a.OpcWorkRequestId)
	if !slices.Equal(seen, []string{"IN_PROGRESS", "SUCCEEDED"}) || *w.PercentComplete != 100 || *w.OperationType != "AddVcnCidr" ||
		*w.CompartmentId != tenancy1 || w.TimeFinished == nil || len(w.Resources) != 1 ||
		*w.Resources[0].Identifier != *v.Id || w.Resources[0].ActionType != workrequests.WorkRequestResourceActionTypeUpdated || *w.Resources[0].EntityType != "vcn" {
		t.Fatalf("work request %v: %+v", seen, w)
	}
	g, err := c.GetVcn(ctx(t), core.GetVcnRequest{VcnId: v.Id})
	if err != nil || !slices.Equal(g.CidrBlocks, []string{"10.0.0.0/16", "10.1.0.0/16"}) {
		t.Fatalf("VCN after AddVcnCidr: %v %v", err, g.CidrBlocks)
	}
	list, err := wc.ListWorkRequests(ctx(t), workrequests.ListWorkRequestsRequest{CompartmentId: common.String(tenancy1), ResourceId: v.Id})
	if err != nil || len(list.Items) != 1 || *list.Items[0].Id != *a.OpcWorkRequestId || list.Items[0].Status != workrequests.WorkRequestSummaryStatusSucceeded {
		t.Fatalf("ListWorkRequests: %v %+v", err, list.Items)
	}
	errs, err := wc.ListWorkRequestErrors(ctx(t), workrequests.ListWorkRequestErrorsRequest{WorkRequestId: a.OpcWorkRequestId})
	if err != nil || len(errs.Items) != 0 {
		t.Fatalf("ListWorkRequestErrors: %v %+v", err, errs.Items)
	}
	logs, err := wc.ListWorkRequestLogs(ctx(t), workrequests.ListWorkRequestLogsRequest{WorkRequestId: a.OpcWorkRequestId})
	if err != nil || len(logs.Items) != 3 {
		t.Fatalf("ListWorkRequestLogs: %v %+v", err, logs.Items)
	}
	other := l.wrClient(t, provider(tenancy2, user2, k[1], k[1]))
	_, err = other.GetWorkRequest(ctx(t), workrequests.GetWorkRequestRequest{WorkRequestId: a.OpcWorkRequestId})
	serviceError(t, err, 404, "NotAuthorizedOrNotFound")

	if _, err := c.CreateSubnet(ctx(t), core.CreateSubnetRequest{CreateSubnetDetails: core.CreateSubnetDetails{
		CompartmentId: common.String(tenancy1), VcnId: v.Id, CidrBlock: common.String("10.1.0.0/24")}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RemoveVcnCidr(ctx(t), core.RemoveVcnCidrRequest{VcnId: v.Id, RemoveVcnCidrDetails: core.RemoveVcnCidrDetails{CidrBlock: common.String("10.1.0.0/16")}})
	serviceError(t, err, 409, "Conflict")
	_, err = c.AddVcnCidr(ctx(t), core.AddVcnCidrRequest{VcnId: v.Id, AddVcnCidrDetails: core.AddVcnCidrDetails{CidrBlock: common.String("10.0.128.0/17")}})
	serviceError(t, err, 409, "Conflict")
	_, err = c.RemoveVcnCidr(ctx(t), core.RemoveVcnCidrRequest{VcnId: v.Id, RemoveVcnCidrDetails: core.RemoveVcnCidrDetails{CidrBlock: common.String("10.0.0.0/16")}})
	serviceError(t, err, 409, "IncorrectState")
	if _, err := c.AddVcnCidr(ctx(t), core.AddVcnCidrRequest{VcnId: v.Id, AddVcnCidrDetails: core.AddVcnCidrDetails{CidrBlock: common.String("10.2.0.0/16")}}); err != nil {
		t.Fatal(err)
	}
	r, err := c.RemoveVcnCidr(ctx(t), core.RemoveVcnCidrRequest{VcnId: v.Id, RemoveVcnCidrDetails: core.RemoveVcnCidrDetails{CidrBlock: common.String("10.2.0.0/16")}})
	if err != nil || r.OpcWorkRequestId == nil {
		t.Fatalf("RemoveVcnCidr: %v %+v", err, r)
	}
	if w, _ := waitWork(t, wc, r.OpcWorkRequestId); *w.OperationType != "RemoveVcnCidr" {
		t.Fatalf("work request %+v", w)
	}
	g, err = c.GetVcn(ctx(t), core.GetVcnRequest{VcnId: v.Id})
	if err != nil || !slices.Equal(g.CidrBlocks, []string{"10.0.0.0/16", "10.1.0.0/16"}) {
		t.Fatalf("VCN after RemoveVcnCidr: %v %v", err, g.CidrBlocks)
	}
}
