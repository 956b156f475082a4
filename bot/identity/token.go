package identity

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// refreshMargin: a token is replaced this long before it expires, so a
// request never leaves with a token that runs out in flight.
const refreshMargin = 5 * time.Minute

// TokenSource hands out bearer tokens for one scope, cached until shortly
// before expiry. Safe for concurrent use: concurrent callers with no valid
// token wait for one fetch instead of each asking Entra.
type TokenSource struct {
	cred  azcore.TokenCredential
	scope string
	now   func() time.Time

	cur atomic.Pointer[cachedToken]
	sem chan struct{} // one fetch at a time; a channel so waiters honour ctx
}

type cachedToken struct {
	token     string
	refreshAt time.Time
}

// Option configures a TokenSource.
type Option func(*TokenSource)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *TokenSource) { s.now = now } }

// NewTokenSource returns a cache of tokens for scope, e.g. BotConnectorScope.
func NewTokenSource(cred azcore.TokenCredential, scope string, opts ...Option) *TokenSource {
	s := &TokenSource{cred: cred, scope: scope, now: time.Now, sem: make(chan struct{}, 1)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Token returns a valid access token (without the "Bearer " prefix).
func (s *TokenSource) Token(ctx context.Context) (string, error) {
	if t := s.valid(); t != "" {
		return t, nil
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("identity: waiting for a token for %s: %w", s.scope, ctx.Err())
	}
	defer func() { <-s.sem }()
	if t := s.valid(); t != "" {
		return t, nil // fetched while we waited
	}
	if s.cred == nil {
		return "", errors.New("identity: no credential")
	}

	at, err := s.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{s.scope}})
	if err != nil {
		return "", fmt.Errorf("identity: token for %s: %w", s.scope, err)
	}
	if at.Token == "" {
		return "", fmt.Errorf("identity: token for %s: credential returned an empty token", s.scope)
	}
	now := s.now()
	s.cur.Store(&cachedToken{token: at.Token, refreshAt: refreshTime(now, at)})
	return at.Token, nil
}

func (s *TokenSource) valid() string {
	if t := s.cur.Load(); t != nil && s.now().Before(t.refreshAt) {
		return t.token
	}
	return ""
}

// refreshTime is refreshMargin before expiry, or halfway for short-lived
// tokens, or the credential's RefreshOn hint when that is earlier.
func refreshTime(now time.Time, at azcore.AccessToken) time.Time {
	margin := refreshMargin
	if life := at.ExpiresOn.Sub(now); life < 2*margin {
		margin = max(life/2, 0)
	}
	r := at.ExpiresOn.Add(-margin)
	if !at.RefreshOn.IsZero() && at.RefreshOn.Before(r) {
		r = at.RefreshOn
	}
	return r
}
