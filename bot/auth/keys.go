package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

const (
	// metadataMaxAge: Bot Framework asks bots to re-read the OpenID metadata
	// at least daily; the JWKS itself is refreshed more often (jwksRefresh).
	metadataMaxAge = 24 * time.Hour
	jwksRefresh    = time.Hour
	// metadataRetry spaces out attempts after a failed metadata/JWKS fetch, so
	// an outage does not turn every request into an outbound fetch.
	metadataRetry = 15 * time.Second
	// unknownKIDEvery limits refetches triggered by a token with an unknown
	// kid: an attacker inventing kids gets at most one fetch per interval.
	unknownKIDEvery = time.Minute
	fetchTimeout    = 10 * time.Second
	maxDocBytes     = 1 << 20
)

// keyState is one snapshot of a source: the JWKS URI from the metadata and the
// keyfunc cache that serves its keys. Replaced whole, never mutated.
type keyState struct {
	jwksURI   string
	store     jwkset.Storage // the JWKS cache itself: lookups without refresh
	kf        keyfunc.Keyfunc
	endorse   *endorsements
	cancel    context.CancelFunc // stops the JWKS refresh goroutine
	fetchedAt time.Time
}

// keySource is one token issuer family (Bot Framework or Entra) with its
// OpenID metadata and signing keys.
type keySource struct {
	name        string
	metadataURL string
	client      *http.Client // metadata and JWKS fetches
	now         func() time.Time
	log         *slog.Logger
	bg          context.Context // lifetime of refresh goroutines

	state atomic.Pointer[keyState]
	// sem serialises metadata refreshes and guards lastAttempt/lastErr; a
	// channel rather than a mutex so waiting respects the request context.
	sem         chan struct{}
	lastAttempt time.Time
	lastErr     error
	unknownKID  *rate.Limiter
}

func newKeySource(bg context.Context, name, metadataURL string, client *http.Client, now func() time.Time, log *slog.Logger) *keySource {
	return &keySource{
		name:        name,
		metadataURL: metadataURL,
		client:      client,
		now:         now,
		log:         log,
		bg:          bg,
		sem:         make(chan struct{}, 1),
		unknownKID:  rate.NewLimiter(rate.Every(unknownKIDEvery), 1),
	}
}

// current returns fresh-enough keys, refreshing the metadata when it is older
// than metadataMaxAge. A stale snapshot is still used while a refresh fails or
// runs elsewhere: Microsoft's endpoints being down must not lock users out.
func (s *keySource) current(ctx context.Context) (*keyState, error) {
	st := s.state.Load()
	if st != nil && s.now().Sub(st.fetchedAt) < metadataMaxAge {
		return st, nil
	}
	if st != nil {
		select {
		case s.sem <- struct{}{}:
		default:
			return st, nil // another request is refreshing
		}
	} else {
		select {
		case s.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: waiting for %s keys: %w", ErrKeysUnavailable, s.name, ctx.Err())
		}
	}
	defer func() { <-s.sem }()

	st = s.state.Load()
	if st != nil && s.now().Sub(st.fetchedAt) < metadataMaxAge {
		return st, nil
	}
	if !s.lastAttempt.IsZero() && s.now().Sub(s.lastAttempt) < metadataRetry {
		if st != nil {
			return st, nil
		}
		return nil, s.lastErr
	}
	next, err := s.refresh(ctx, st)
	if err != nil && ctx.Err() != nil {
		// The caller gave up (client went away, shutdown): not the endpoint's
		// fault, so do not make others wait out a retry pause.
		if st != nil {
			return st, nil
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrKeysUnavailable, s.name, err)
	}
	s.lastAttempt = s.now()
	if err != nil {
		s.lastErr = fmt.Errorf("%w: %s: %w", ErrKeysUnavailable, s.name, err)
		s.log.WarnContext(ctx, "auth: refreshing signing keys failed", "source", s.name, "error", err, "using_stale", st != nil)
		if st != nil {
			return st, nil
		}
		return nil, s.lastErr
	}
	s.lastErr = nil
	s.state.Store(next)
	if st != nil && st.jwksURI != next.jwksURI {
		st.cancel()
	}
	return next, nil
}

// refresh reads the metadata and, when its jwks_uri changed (or on the first
// call), builds a new JWKS cache.
func (s *keySource) refresh(ctx context.Context, old *keyState) (*keyState, error) {
	uri, err := s.fetchMetadata(ctx)
	if err != nil {
		return nil, err
	}
	if old != nil && old.jwksURI == uri {
		next := *old
		next.fetchedAt = s.now()
		return &next, nil
	}

	endorse := &endorsements{}
	client := &http.Client{
		Transport:     endorsementCapture{base: transportOf(s.client), set: endorse},
		CheckRedirect: s.client.CheckRedirect,
		Timeout:       s.client.Timeout,
	}
	kctx, cancel := context.WithCancel(s.bg)
	store, err := jwkset.NewStorageFromHTTP(uri, jwkset.HTTPClientStorageOptions{
		Client:          client,
		Ctx:             kctx,
		HTTPTimeout:     fetchTimeout,
		RefreshInterval: jwksRefresh,
		RefreshErrorHandler: func(ctx context.Context, err error) {
			s.log.WarnContext(ctx, "auth: JWKS refresh failed", "source", s.name, "url", uri, "error", err)
		},
	})
	if err != nil {
		cancel() // NewStorageFromHTTP starts its refresh goroutine before the first fetch
		return nil, fmt.Errorf("JWKS %s: %w", uri, err)
	}
	// Unknown kids are rate-limited by s.unknownKID before keyfunc is asked, so
	// keyfunc's own limiter never needs to wait.
	client2, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{uri: store},
		PrioritizeHTTP:    true,
		RateLimitWaitMax:  fetchTimeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Inf, 1),
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("JWKS client: %w", err)
	}
	kf, err := keyfunc.New(keyfunc.Options{Ctx: kctx, Storage: client2})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("keyfunc: %w", err)
	}
	return &keyState{jwksURI: uri, store: store, kf: kf, endorse: endorse, cancel: cancel, fetchedAt: s.now()}, nil
}

func (s *keySource) fetchMetadata(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.metadataURL, nil)
	if err != nil {
		return "", fmt.Errorf("metadata request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("metadata %s: %w", s.metadataURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("metadata %s: HTTP %d", s.metadataURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocBytes+1))
	if err != nil {
		return "", fmt.Errorf("metadata %s: %w", s.metadataURL, err)
	}
	if len(body) > maxDocBytes {
		return "", fmt.Errorf("metadata %s: larger than %d bytes", s.metadataURL, maxDocBytes)
	}
	var md struct {
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.Unmarshal(body, &md); err != nil {
		return "", fmt.Errorf("metadata %s: %w", s.metadataURL, err)
	}
	if err := checkFetchURL(md.JWKSURI); err != nil {
		return "", fmt.Errorf("metadata %s: jwks_uri: %w", s.metadataURL, err)
	}
	if len(md.Algs) > 0 && !slices.Contains(md.Algs, "RS256") {
		return "", fmt.Errorf("metadata %s: RS256 not among signing algorithms %v", s.metadataURL, md.Algs)
	}
	return md.JWKSURI, nil
}

// key returns the public key for kid. An unknown kid triggers at most one
// JWKS refetch per unknownKIDEvery (keys rotate rarely and are published
// ahead of use, so this is the exception path).
func (s *keySource) key(ctx context.Context, st *keyState, t *jwt.Token, kid string) (any, error) {
	if _, err := st.store.KeyRead(ctx, kid); err != nil && !s.unknownKID.Allow() {
		return nil, fmt.Errorf("%w: kid %q not in %s keys (refetch rate-limited)", ErrUnknownKey, kid, s.name)
	}
	k, err := st.kf.KeyfuncCtx(ctx)(t)
	if err != nil {
		if errors.Is(err, jwkset.ErrKeyNotFound) {
			return nil, fmt.Errorf("%w: kid %q not in %s keys", ErrUnknownKey, kid, s.name)
		}
		return nil, fmt.Errorf("%w: kid %q: %w", ErrUnknownKey, kid, err)
	}
	return k, nil
}

// checkFetchURL accepts https URLs, and plain http only on loopback hosts
// (local test issuers).
func checkFetchURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
			return nil
		}
	}
	return fmt.Errorf("%q: https required", raw)
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// endorsements maps kid -> channel ids the key is endorsed for. jwkset drops
// unknown JWK members, so the JWKS response is read here on its way to jwkset.
type endorsements struct {
	m atomic.Pointer[map[string][]string]
}

func (e *endorsements) has(kid, channelID string) bool {
	m := e.m.Load()
	if m == nil || channelID == "" {
		return false
	}
	return slices.Contains((*m)[kid], channelID)
}

type endorsementCapture struct {
	base http.RoundTripper
	set  *endorsements
}

func (c endorsementCapture) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocBytes+1))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading JWKS: %w", err)
	}
	if len(body) > maxDocBytes {
		return nil, fmt.Errorf("JWKS larger than %d bytes", maxDocBytes)
	}
	c.set.m.Store(parseEndorsements(body))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// parseEndorsements reads the Bot Framework "endorsements" member of each
// key. Anything unexpected yields no endorsements: fail closed.
func parseEndorsements(body []byte) *map[string][]string {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	m := map[string][]string{}
	if json.Unmarshal(body, &doc) != nil {
		return &m
	}
	for _, raw := range doc.Keys {
		var k struct {
			KID          string   `json:"kid"`
			Endorsements []string `json:"endorsements"`
		}
		if json.Unmarshal(raw, &k) == nil && k.KID != "" {
			m[k.KID] = k.Endorsements
		}
	}
	return &m
}
