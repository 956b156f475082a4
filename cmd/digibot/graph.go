package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"digibot/bot/identity"
	"digibot/dialogs/coaching"
	"digibot/dialogs/status"
	"digibot/graph"
)

// newGraph returns a Graph client on the bot's own credential, or a
// disabled one in dev mode or when graph.disabled is set: every feature
// that needs Graph then says so and the rest works.
func newGraph(cfg *Config, log *slog.Logger) (*graph.Client, error) {
	if cfg.DevMode() || cfg.File.Graph.Disabled {
		log.Info("Microsoft Graph not configured; coaching meetings use the standing link, owners are reached only once they have opened Digibot")
		return graph.Disabled(), nil
	}
	cred, _, err := identity.NewCredential(cfg.Identity)
	if err != nil {
		return nil, err
	}
	g, err := graph.New(graph.Config{Credential: cred, BaseURL: cfg.GraphURL,
		CatalogAppID: cfg.File.Graph.CatalogAppID, ManifestAppID: cfg.File.Graph.ManifestAppID, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("microsoft graph: %w", err)
	}
	return g, nil
}

// coachMeetings adapts the Graph client to coaching's view of it.
type coachMeetings struct{ g *graph.Client }

func (m coachMeetings) CreateMeeting(ctx context.Context, organizer string, mt coaching.Meeting) (string, string, error) {
	return m.g.CreateMeeting(ctx, organizer, graph.Meeting(mt))
}

func (m coachMeetings) DeleteEvent(ctx context.Context, organizer, eventID string) error {
	return m.g.DeleteEvent(ctx, organizer, eventID)
}

func (m coachMeetings) BusyTimes(ctx context.Context, upn string, from, to time.Time) ([]coaching.Busy, error) {
	b, err := m.g.BusyTimes(ctx, upn, from, to)
	out := make([]coaching.Busy, len(b))
	for i, x := range b {
		out[i] = coaching.Busy(x)
	}
	return out, err
}

// directory looks people up by Entra object id (GET /users/{id}).
type directory struct{ g *graph.Client }

func (d directory) UserByID(ctx context.Context, aadID string) (string, string, error) {
	u, err := d.g.UserByUPN(ctx, aadID)
	if err != nil {
		return "", "", err
	}
	return u.Mail, u.DisplayName, nil
}

// ownerDirectory adapts the Graph client to status follow-up, translating
// Graph's errors into the ones status understands.
type ownerDirectory struct{ g *graph.Client }

func statusErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, graph.ErrNotFound):
		return fmt.Errorf("%w: %w", status.ErrNotFound, err)
	case errors.Is(err, graph.ErrForbidden):
		return fmt.Errorf("%w: %w", status.ErrForbidden, err)
	}
	return err
}

func (d ownerDirectory) UserByUPN(ctx context.Context, upn string) (string, string, string, error) {
	u, err := d.g.UserByUPN(ctx, upn)
	return u.ID, u.DisplayName, u.Mail, statusErr(err)
}

func (d ownerDirectory) Manager(ctx context.Context, userID string) (string, string, error) {
	u, err := d.g.Manager(ctx, userID)
	return u.ID, u.DisplayName, statusErr(err)
}

func (d ownerDirectory) InstallForUser(ctx context.Context, userID string) error {
	return statusErr(d.g.InstallForUser(ctx, userID))
}

func (d ownerDirectory) PersonalChatID(ctx context.Context, userID string) (string, error) {
	id, err := d.g.PersonalChatID(ctx, userID)
	return id, statusErr(err)
}
