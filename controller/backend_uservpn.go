package controller

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/mcnlab/mcnlab/controller/api"
)

var _ api.VPNBackend = (*Backend)(nil)

// VPNUsers reports the IdP's users with their groups and profiles.
func (b *Backend) VPNUsers(context.Context) ([]api.VPNUser, error) {
	u := b.c.plan.Topology.UserVPN
	if u == nil {
		return nil, nil
	}
	var out []api.VPNUser
	for _, us := range u.Users {
		au := api.VPNUser{Name: us.Name, Groups: us.Groups}
		if p := u.ProfileOf(us.Name, us.Groups); p != nil {
			au.Profile = p.Name
		}
		out = append(out, au)
	}
	return out, nil
}

// VPNSessions reports every gateway's sessions, by gateway then user.
func (b *Backend) VPNSessions(ctx context.Context) ([]api.VPNSession, error) {
	all, err := b.c.VPNSessions(ctx)
	var out []api.VPNSession
	for gw, ss := range all {
		for _, s := range ss {
			out = append(out, api.VPNSession{Gateway: gw, User: s.User, Profile: s.Profile, Address: s.Address, Remote: s.Remote, Since: s.Since})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Gateway != out[j].Gateway {
			return out[i].Gateway < out[j].Gateway
		}
		return out[i].User < out[j].User
	})
	return out, err
}

// VPNDisconnect ends user's sessions.
func (b *Backend) VPNDisconnect(ctx context.Context, user, by string) (api.VPNDisconnectResult, error) {
	gws, err := b.c.VPNDisconnect(ctx, user)
	if errors.Is(err, ErrNoVPNSession) {
		return api.VPNDisconnectResult{User: user}, fmt.Errorf("%w: %v", api.ErrNotFound, err)
	}
	if err == nil {
		b.c.log.Printf("vpn: user %s disconnected by %s", user, by)
	}
	return api.VPNDisconnectResult{User: user, Gateways: gws}, err
}
