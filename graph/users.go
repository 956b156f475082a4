package graph

import (
	"context"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"digibot/graph/graphapi"
)

// userSelect is every property User needs; Graph returns little else.
var userSelect = []string{"id", "displayName", "mail", "userPrincipalName", "preferredLanguage"}

// checkMemberGroups accepts at most 20 group ids per request.
const maxGroupsPerCheck = 20

// UserByUPN looks a user up by user principal name (or object id).
// GET /users/{upn}?$select=... — User.Read.All.
func (c *Client) UserByUPN(ctx context.Context, upn string) (User, error) {
	const op = "UserByUPN"
	if err := graphapi.CheckUserRef(upn); err != nil {
		return User{}, withOp(op, err)
	}
	var u User
	err := c.do(ctx, op, func(ctx context.Context) error {
		res, err := c.users.ByUserId(upn).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect},
		})
		if err != nil {
			return err
		}
		if res == nil {
			return &Error{Op: op, Kind: ErrNotFound, Message: "empty response"}
		}
		u = toUser(res)
		return nil
	})
	return u, err
}

// Manager returns the user's manager. A user without one gets ErrNotFound
// (Graph answers 404), as does a manager that is not a user (e.g. a contact).
// GET /users/{id}/manager — User.Read.All.
func (c *Client) Manager(ctx context.Context, userID string) (User, error) {
	const op = "Manager"
	if err := graphapi.CheckUserRef(userID); err != nil {
		return User{}, withOp(op, err)
	}
	var u User
	err := c.do(ctx, op, func(ctx context.Context) error {
		res, err := c.users.ByUserId(userID).Manager().Get(ctx, &users.ItemManagerRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemManagerRequestBuilderGetQueryParameters{Select: userSelect},
		})
		if err != nil {
			return err
		}
		// The response is a directoryObject; the SDK picks the concrete type
		// from @odata.type.
		mu, ok := res.(models.Userable)
		if !ok || mu == nil {
			return &Error{Op: op, Kind: ErrNotFound, Message: "the manager is not a user"}
		}
		u = toUser(mu)
		return nil
	})
	return u, err
}

// IsMemberOfAny reports whether the user is a member, directly or through
// nested groups, of at least one of the groups. No groups: false.
// POST /users/{id}/checkMemberGroups, 20 ids per request — GroupMember.Read.All.
func (c *Client) IsMemberOfAny(ctx context.Context, userID string, groupIDs []string) (bool, error) {
	const op = "IsMemberOfAny"
	if err := graphapi.CheckUserRef(userID); err != nil {
		return false, withOp(op, err)
	}
	ids := make([]string, 0, len(groupIDs))
	seen := make(map[string]bool, len(groupIDs))
	for _, g := range groupIDs {
		if err := graphapi.CheckGUID("group id", g); err != nil {
			return false, withOp(op, err)
		}
		if k := strings.ToLower(g); !seen[k] {
			seen[k] = true
			ids = append(ids, g)
		}
	}
	if !c.Enabled() {
		return false, &Error{Op: op, Kind: ErrNotConfigured}
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), maxGroupsPerCheck)]
		ids = ids[len(chunk):]
		var member bool
		err := c.do(ctx, op, func(ctx context.Context) error {
			body := users.NewItemCheckMemberGroupsPostRequestBody()
			body.SetGroupIds(chunk)
			res, err := c.users.ByUserId(userID).CheckMemberGroups().PostAsCheckMemberGroupsPostResponse(ctx, body, nil)
			if err != nil {
				return err
			}
			member = res != nil && len(res.GetValue()) > 0
			return nil
		})
		if err != nil || member {
			return member, err
		}
	}
	return false, nil
}

func toUser(u models.Userable) User {
	return User{
		ID:                deref(u.GetId()),
		DisplayName:       deref(u.GetDisplayName()),
		Mail:              deref(u.GetMail()),
		UPN:               deref(u.GetUserPrincipalName()),
		PreferredLanguage: deref(u.GetPreferredLanguage()),
	}
}
