package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"digibot/graph/graphapi"
)

// maxPages bounds how many @odata.nextLink pages one call follows.
const maxPages = 20

// InstallForUser installs Digibot in the user's personal scope, so a
// proactive 1:1 works for someone who never opened it. Already installed
// (409) counts as done. POST /users/{id}/teamwork/installedApps —
// TeamsAppInstallation.ReadWriteSelfForUser.All.
func (c *Client) InstallForUser(ctx context.Context, userID string) error {
	const op = "InstallForUser"
	if err := graphapi.CheckUserRef(userID); err != nil {
		return withOp(op, err)
	}
	if c.Enabled() && c.catalogAppID == "" {
		return &Error{Op: op, Kind: ErrNotConfigured, Message: "no Teams catalog app id configured"}
	}
	err := c.do(ctx, op, func(ctx context.Context) error {
		body := models.NewUserScopeTeamsAppInstallation()
		body.SetAdditionalData(map[string]any{
			"teamsApp@odata.bind": c.baseURL + "/appCatalogs/teamsApps/" + c.catalogAppID,
		})
		_, err := c.users.ByUserId(userID).Teamwork().InstalledApps().Post(ctx, body, nil)
		return err
	})
	var ge *Error
	if errors.As(err, &ge) && ge.Status == 409 {
		return nil
	}
	return err
}

// PersonalChatID returns the id of the 1:1 chat between the user and
// Digibot, found through the app's installation for that user. Not
// installed: ErrNotFound. GET /users/{id}/teamwork/installedApps?$expand=
// teamsApp&$filter=teamsApp/externalId eq '{manifest id}', then GET
// .../installedApps/{id}/chat.
func (c *Client) PersonalChatID(ctx context.Context, userID string) (string, error) {
	const op = "PersonalChatID"
	if err := graphapi.CheckUserRef(userID); err != nil {
		return "", withOp(op, err)
	}
	if c.Enabled() && c.manifestAppID == "" {
		return "", &Error{Op: op, Kind: ErrNotConfigured, Message: "no Teams manifest app id configured"}
	}
	var chatID string
	err := c.do(ctx, op, func(ctx context.Context) error {
		apps := c.users.ByUserId(userID).Teamwork().InstalledApps()
		// The manifest id is a validated GUID, so it needs no quoting.
		filter := "teamsApp/externalId eq '" + c.manifestAppID + "'"
		page, err := apps.Get(ctx, &users.ItemTeamworkInstalledAppsRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemTeamworkInstalledAppsRequestBuilderGetQueryParameters{
				Expand: []string{"teamsApp"},
				Filter: &filter,
			},
		})
		var installID string
		for n := 0; err == nil && page != nil && installID == ""; n++ {
			installID = c.findInstallation(page.GetValue())
			next := deref(page.GetOdataNextLink())
			if installID != "" || next == "" {
				break
			}
			if n+1 >= maxPages || !strings.HasPrefix(next, c.baseURL+"/") {
				return &Error{Op: op, Message: "unexpected @odata.nextLink from Graph"}
			}
			page, err = apps.WithUrl(next).Get(ctx, nil)
		}
		if err != nil {
			return err
		}
		if installID == "" {
			return &Error{Op: op, Kind: ErrNotFound, Message: "Digibot is not installed for this user"}
		}
		if err := graphapi.CheckEventID(installID); err != nil { // an id from outside; same rules
			return &Error{Op: op, Message: "malformed installation id from Graph"}
		}
		chat, err := apps.ByUserScopeTeamsAppInstallationId(installID).Chat().Get(ctx, nil)
		if err != nil {
			return err
		}
		if chat == nil || deref(chat.GetId()) == "" {
			return &Error{Op: op, Kind: ErrNotFound, Message: "installation has no chat"}
		}
		chatID = deref(chat.GetId())
		return nil
	})
	return chatID, err
}

// findInstallation returns the id of the installation of our app. The
// $filter should make every entry match; checking again costs nothing.
func (c *Client) findInstallation(apps []models.UserScopeTeamsAppInstallationable) string {
	for _, a := range apps {
		if a == nil || deref(a.GetId()) == "" {
			continue
		}
		if app := a.GetTeamsApp(); app != nil && strings.EqualFold(deref(app.GetExternalId()), c.manifestAppID) {
			return deref(a.GetId())
		}
	}
	return ""
}
