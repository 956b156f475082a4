// Package auth validates the bearer tokens the Bot Connector sends with every
// activity (Bot Framework tokens, and Entra tokens for single-tenant bots).
//
// We own this instead of using msbotbuilder-go's validator, which re-reads the
// metadata on every request, never refreshes keys on an unknown kid, accepts
// only one issuer, skips endorsements and panics on some tokens
// (see /work/shared/notes/msbotbuilder-go.md).
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	DefaultBotFrameworkOpenIDURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	// DefaultEntraOpenIDURL: {tenant} is replaced by Config.TenantID.
	DefaultEntraOpenIDURL = "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"

	BotFrameworkIssuer = "https://api.botframework.com"
	// ClockSkew is the leeway on exp/nbf that Bot Framework documents.
	ClockSkew = 5 * time.Minute

	maxHeaderLen = 16 << 10
)

// Source tells which issuer family signed a token.
type Source string

const (
	SourceBotFramework Source = "botframework"
	SourceEntra        Source = "entra"
)

type Config struct {
	AppID    string // MICROSOFT_APP_ID: required audience
	TenantID string // MICROSOFT_APP_TENANT_ID: enables single-tenant Entra tokens
	// Metadata URLs, overridable for tests (https, or http on loopback only):
	BotFrameworkOpenIDURL string // default DefaultBotFrameworkOpenIDURL
	EntraOpenIDURL        string // default DefaultEntraOpenIDURL
	HTTPClient            *http.Client
	Now                   func() time.Time
	Logger                *slog.Logger // default slog.Default()
}

// Claims is what a valid token says about the caller.
type Claims struct {
	Source     Source
	Issuer     string
	Audience   []string
	ServiceURL string
	AppID      string // appid (v1) or azp (v2): the application that got the token
	TenantID   string // tid, Entra tokens only
	KeyID      string
	ExpiresAt  time.Time
}

// Validator checks inbound Bot Connector tokens. Safe for concurrent use.
type Validator struct {
	appID        string
	log          *slog.Logger
	parser       *jwt.Parser
	bf           *keySource
	entra        *keySource // nil without a tenant
	entraIssuers []string
	cancel       context.CancelFunc
}

// New checks the configuration and starts fetching the signing keys in the
// background; it does not wait for them. A fetch failure is not fatal here:
// Validate retries (spaced out) and reports ErrKeysUnavailable meanwhile.
// ctx bounds that first fetch only; call Close to stop the JWKS refreshes.
func New(ctx context.Context, cfg Config) (*Validator, error) {
	if strings.TrimSpace(cfg.AppID) == "" {
		return nil, errors.New("auth: AppID (MICROSOFT_APP_ID) is required")
	}
	// Tokens name the tenant by its GUID, never by domain, so a domain here
	// would silently reject every Entra token.
	cfg.TenantID = strings.ToLower(strings.TrimSpace(cfg.TenantID))
	if cfg.TenantID != "" && !isGUID(cfg.TenantID) {
		return nil, fmt.Errorf("auth: TenantID (MICROSOFT_APP_TENANT_ID) %q: want the tenant's GUID (Entra tokens name the tenant by id, not domain)", cfg.TenantID)
	}
	if cfg.BotFrameworkOpenIDURL == "" {
		cfg.BotFrameworkOpenIDURL = DefaultBotFrameworkOpenIDURL
	}
	if cfg.EntraOpenIDURL == "" {
		cfg.EntraOpenIDURL = DefaultEntraOpenIDURL
	}
	cfg.EntraOpenIDURL = strings.ReplaceAll(cfg.EntraOpenIDURL, "{tenant}", url.PathEscape(cfg.TenantID))
	if err := checkFetchURL(cfg.BotFrameworkOpenIDURL); err != nil {
		return nil, fmt.Errorf("auth: BotFrameworkOpenIDURL: %w", err)
	}
	if cfg.TenantID != "" {
		if err := checkFetchURL(cfg.EntraOpenIDURL); err != nil {
			return nil, fmt.Errorf("auth: EntraOpenIDURL: %w", err)
		}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: fetchTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}

	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	v := &Validator{
		appID: cfg.AppID,
		log:   cfg.Logger,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithLeeway(ClockSkew),
			jwt.WithTimeFunc(cfg.Now),
			jwt.WithAudience(cfg.AppID),
			jwt.WithExpirationRequired(),
		),
		bf:     newKeySource(bg, string(SourceBotFramework), cfg.BotFrameworkOpenIDURL, cfg.HTTPClient, cfg.Now, cfg.Logger),
		cancel: cancel,
	}
	if cfg.TenantID != "" {
		v.entra = newKeySource(bg, string(SourceEntra), cfg.EntraOpenIDURL, cfg.HTTPClient, cfg.Now, cfg.Logger)
		v.entraIssuers = []string{
			"https://login.microsoftonline.com/" + cfg.TenantID + "/v2.0",
			"https://sts.windows.net/" + cfg.TenantID + "/",
		}
	}
	for _, s := range []*keySource{v.bf, v.entra} {
		if s == nil {
			continue
		}
		go func() {
			wctx, cancel := context.WithTimeout(ctx, 2*fetchTimeout)
			defer cancel()
			if _, err := s.current(wctx); err != nil {
				cfg.Logger.WarnContext(wctx, "auth: signing keys not loaded at start; will retry on demand", "source", s.name, "error", err)
			}
		}()
	}
	return v, nil
}

// Close stops background JWKS refreshes. Validate keeps working on the keys
// already cached.
func (v *Validator) Close() { v.cancel() }

type tokenClaims struct {
	jwt.RegisteredClaims
	ServiceURL string `json:"serviceurl"`
	AppID      string `json:"appid"`
	AZP        string `json:"azp"`
	TenantID   string `json:"tid"`
}

// Validate checks authHeader ("Bearer <jwt>") for an activity that carries
// activityServiceURL and channelID. Every error wraps ErrUnauthorized and a
// reason (ErrExpired, ErrAudience, ...).
func (v *Validator) Validate(ctx context.Context, authHeader string, activityServiceURL string, channelID string) (c *Claims, err error) {
	defer func() {
		// Belt and braces: no input may crash the HTTP handler.
		if r := recover(); r != nil {
			v.log.ErrorContext(ctx, "auth: panic in token validation", "panic", r)
			c, err = nil, reject(errInternal, "%v", r)
		}
	}()

	raw, err := bearer(authHeader)
	if err != nil {
		return nil, err
	}

	var (
		src   *keySource
		st    *keyState
		kid   string
		kfErr error
	)
	tok, err := v.parser.ParseWithClaims(raw, &tokenClaims{}, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		if kid == "" {
			kfErr = reject(ErrUnknownKey, "token has no kid")
			return nil, kfErr
		}
		tc, _ := t.Claims.(*tokenClaims)
		if tc == nil {
			kfErr = reject(ErrMalformed, "unexpected claims type")
			return nil, kfErr
		}
		src = v.sourceFor(tc.Issuer)
		if src == nil {
			kfErr = reject(ErrIssuer, "iss %q", tc.Issuer)
			return nil, kfErr
		}
		var e error
		st, e = src.current(ctx)
		if e != nil {
			kfErr = fmt.Errorf("%w: %w", ErrUnauthorized, e)
			return nil, kfErr
		}
		k, e := src.key(ctx, st, t, kid)
		if e != nil {
			kfErr = fmt.Errorf("%w: %w", ErrUnauthorized, e)
			return nil, kfErr
		}
		return k, nil
	})
	if kfErr != nil {
		return nil, kfErr
	}
	if err != nil {
		return nil, classify(tok, err)
	}
	tc, _ := tok.Claims.(*tokenClaims)
	if tc == nil || src == nil || st == nil {
		return nil, reject(errInternal, "token accepted without claims or key")
	}

	if tc.ServiceURL == "" {
		return nil, reject(ErrMissingClaim, "serviceurl")
	}
	if !sameServiceURL(tc.ServiceURL, activityServiceURL) {
		return nil, reject(ErrServiceURL, "claim %q, activity %q", tc.ServiceURL, activityServiceURL)
	}
	// Endorsements exist only on Bot Framework keys: they bind a key to the
	// channels allowed to use it.
	if src == v.bf && !st.endorse.has(kid, channelID) {
		return nil, reject(ErrEndorsement, "kid %q, channel %q", kid, channelID)
	}

	appID := tc.AppID
	if appID == "" {
		appID = tc.AZP
	}
	out := &Claims{
		Source:     Source(src.name),
		Issuer:     tc.Issuer,
		Audience:   []string(tc.Audience),
		ServiceURL: tc.ServiceURL,
		AppID:      appID,
		TenantID:   tc.TenantID,
		KeyID:      kid,
	}
	if tc.ExpiresAt != nil {
		out.ExpiresAt = tc.ExpiresAt.Time
	}
	return out, nil
}

func (v *Validator) sourceFor(iss string) *keySource {
	if iss == BotFrameworkIssuer {
		return v.bf
	}
	for _, e := range v.entraIssuers {
		if iss == e {
			return v.entra
		}
	}
	return nil
}

func bearer(h string) (string, error) {
	if h == "" {
		return "", reject(ErrNoToken, "no Authorization header")
	}
	if len(h) > maxHeaderLen {
		return "", reject(ErrMalformed, "Authorization header longer than %d bytes", maxHeaderLen)
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", reject(ErrNoToken, "Authorization scheme is not Bearer")
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return "", reject(ErrNoToken, "empty bearer token")
	}
	return tok, nil
}

// classify maps golang-jwt's errors onto our reasons.
func classify(tok *jwt.Token, err error) error {
	if tok != nil && tok.Header != nil {
		if alg, _ := tok.Header["alg"].(string); alg != "RS256" && !errors.Is(err, jwt.ErrTokenMalformed) {
			return reject(ErrAlgorithm, "alg %q", alg)
		}
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return reject(ErrMalformed, "%v", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return reject(ErrSignature, "")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return reject(ErrAlgorithm, "%v", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return reject(ErrExpired, "%v", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return reject(ErrNotYetValid, "%v", err)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return reject(ErrAudience, "")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return reject(ErrMissingClaim, "%v", err)
	default:
		return reject(ErrMalformed, "%v", err)
	}
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
				return false
			}
		}
	}
	return true
}

// sameServiceURL compares ignoring scheme/host case and a trailing slash.
func sameServiceURL(claim, activity string) bool {
	a, err1 := url.Parse(claim)
	b, err2 := url.Parse(activity)
	if err1 != nil || err2 != nil || a.Host == "" || b.Host == "" {
		return false
	}
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Host, b.Host) &&
		a.User.String() == b.User.String() &&
		strings.TrimRight(a.EscapedPath(), "/") == strings.TrimRight(b.EscapedPath(), "/") &&
		a.RawQuery == b.RawQuery && a.Fragment == b.Fragment
}
