package model

import "testing"

// Routes to one destination with different priorities coexist and the
// lowest wins; AWS routes keep priority 0.
// GCP: https://cloud.google.com/vpc/docs/routes#routeselection — the lowest priority value wins among equally specific routes
func TestRoutePriorities(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "", nil)
	is, err := c.RunInstances(acct, LaunchSpec{SubnetID: s.ID, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	x, y := Target{Kind: TargetInstance, ID: is[0].ID}, Target{Kind: TargetInstance, ID: is[1].ID}
	dst := pfx("192.0.2.0/24")
	if err := c.AddRoute(acct, n.MainRouteTableID, Route{Destination: dst, Target: x, Priority: 1000}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddRoute(acct, n.MainRouteTableID, Route{Destination: dst, Target: y, Priority: 900}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.AddRoute(acct, n.MainRouteTableID, Route{Destination: dst, Target: y, Priority: 900}), CodeAlreadyExists)
	wantCode(t, c.AddRoute(acct, n.MainRouteTableID, Route{Destination: dst, Target: y, Priority: 70000}), CodeInvalidParameter)
	rt, _ := c.RouteTable(acct, n.MainRouteTableID)
	best := BestRoutes(rt.Routes)
	if len(best) != 2 || best[1].Destination != dst || best[1].Target != y || best[1].Priority != 900 {
		t.Fatalf("best routes = %+v, want the local route and the priority 900 route to %s", best, dst)
	}
	// An AWS route (CreateRoute) has priority 0 and refuses a second route
	// to the same destination.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html — longest prefix match only
	other := pfx("198.51.100.0/24")
	if err := c.CreateRoute(acct, n.MainRouteTableID, other, x); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.CreateRoute(acct, n.MainRouteTableID, other, y), CodeAlreadyExists)
	rt, _ = c.RouteTable(acct, n.MainRouteTableID)
	for _, r := range rt.Routes {
		if r.Destination == other && r.Priority != 0 {
			t.Errorf("AWS route has priority %d", r.Priority)
		}
	}
}

// A route table associated with tags applies to the instances carrying
// one of them; subnets keep their own table.
// GCP: https://cloud.google.com/vpc/docs/routes#instance_tags — routes with tags apply only to tagged instances
func TestRouteTableTagAssociation(t *testing.T) {
	c := newCloud(t)
	n := mustNetwork(t, c, "10.0.0.0/16")
	s, _ := c.CreateSubnet(acct, n.ID, pfx("10.0.1.0/24"), "", nil)
	rt, err := c.CreateRouteTable(acct, n.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AssociateRouteTableTags(acct, rt.ID, nil)
	wantCode(t, err, CodeInvalidParameter)
	a, err := c.AssociateRouteTableTags(acct, rt.ID, []string{"web", "db"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := c.RouteTable(acct, rt.ID)
	if len(got.Associations) != 1 || got.Associations[0].SubnetID != "" || got.Associations[0].Main || len(got.Associations[0].Tags) != 2 {
		t.Fatalf("associations = %+v", got.Associations)
	}
	if !a.SelectsTags(map[string]string{"db": "1"}) || a.SelectsTags(map[string]string{"app": ""}) || a.SelectsTags(nil) {
		t.Error("SelectsTags does not select by tag key")
	}
	if sub, _ := c.RouteTableForSubnet(acct, s.ID); sub.ID != n.MainRouteTableID {
		t.Errorf("the subnet's table is %s, want the main one", sub.ID)
	}
	wantCode(t, c.DeleteRouteTable(acct, rt.ID), CodeDependency)
	if err := c.DisassociateRouteTable(acct, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRouteTable(acct, rt.ID); err != nil {
		t.Fatal(err)
	}
}
