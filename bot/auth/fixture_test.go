package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testAppID      = "11111111-2222-3333-4444-555555555555"
	testTenant     = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	testServiceURL = "https://smba.trafficmanager.net/emea/"
)

// Keys are generated once: RSA key generation is slow under -race.
var (
	keysOnce sync.Once
	keys     map[string]*rsa.PrivateKey
)

func testKey(t testing.TB, kid string) *rsa.PrivateKey {
	t.Helper()
	k := mustKey(kid)
	if k == nil {
		t.Fatalf("no test key %q", kid)
	}
	return k
}

// mustKey is testKey for places without a testing.TB (the fake server).
func mustKey(kid string) *rsa.PrivateKey {
	keysOnce.Do(func() {
		keys = map[string]*rsa.PrivateKey{}
		for _, k := range []string{"bf1", "bf2", "bf3", "entra1", "evil"} {
			pk, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[k] = pk
		}
	})
	return keys[kid]
}

type jwk struct {
	KID          string
	Endorsements []string
	NoEndorse    bool // omit the member entirely
}

// issuer is a local OpenID provider: metadata + JWKS for Bot Framework and
// Entra, with switchable key sets and failure modes, counting requests.
type issuer struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	bfKeys    []jwk
	entraKeys []jwk
	bfJWKS    string // path served as Bot Framework jwks_uri
	down      map[string]bool

	hits sync.Map // path -> *atomic.Int64
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	is := &issuer{
		t:         t,
		bfKeys:    []jwk{{KID: "bf1", Endorsements: []string{"msteams", "webchat"}}},
		entraKeys: []jwk{{KID: "entra1", NoEndorse: true}},
		bfJWKS:    "/bf/keys",
		down:      map[string]bool{},
	}
	is.srv = httptest.NewServer(http.HandlerFunc(is.serve))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) count(path string) int64 {
	v, _ := is.hits.LoadOrStore(path, new(atomic.Int64))
	return v.(*atomic.Int64).Load()
}

func (is *issuer) setBF(keys ...jwk) { is.mu.Lock(); is.bfKeys = keys; is.mu.Unlock() }
func (is *issuer) setDown(path string, down bool) {
	is.mu.Lock()
	is.down[path] = down
	is.mu.Unlock()
}
func (is *issuer) setBFJWKSPath(p string) { is.mu.Lock(); is.bfJWKS = p; is.mu.Unlock() }

func (is *issuer) serve(w http.ResponseWriter, r *http.Request) {
	v, _ := is.hits.LoadOrStore(r.URL.Path, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	is.mu.Lock()
	down := is.down[r.URL.Path]
	bf, entra, bfJWKS := is.bfKeys, is.entraKeys, is.bfJWKS
	is.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/bf/openid":
		writeJSON(w, map[string]any{
			"issuer":                                BotFrameworkIssuer,
			"jwks_uri":                              is.srv.URL + bfJWKS,
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	case "/" + testTenant + "/v2.0/.well-known/openid-configuration":
		writeJSON(w, map[string]any{
			"issuer":   "https://login.microsoftonline.com/" + testTenant + "/v2.0",
			"jwks_uri": is.srv.URL + "/entra/keys",
		})
	case "/bf/keys", "/bf/keys2":
		is.writeJWKS(w, bf)
	case "/entra/keys":
		is.writeJWKS(w, entra)
	default:
		http.NotFound(w, r)
	}
}

func (is *issuer) writeJWKS(w io.Writer, set []jwk) {
	out := []map[string]any{}
	for _, k := range set {
		pub := mustKey(k.KID).PublicKey
		m := map[string]any{
			"kty": "RSA", "use": "sig", "kid": k.KID,
			"n": b64(pub.N.Bytes()),
			"e": b64(big.NewInt(int64(pub.E)).Bytes()),
		}
		if !k.NoEndorse {
			m["endorsements"] = k.Endorsements
		}
		out = append(out, m)
	}
	writeJSON(w, map[string]any{"keys": out})
}

func writeJSON(w io.Writer, v any) { _ = json.NewEncoder(w).Encode(v) }
func b64(b []byte) string          { return base64.RawURLEncoding.EncodeToString(b) }

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func (is *issuer) config(clock *fakeClock) Config {
	return Config{
		AppID:                 testAppID,
		TenantID:              testTenant,
		BotFrameworkOpenIDURL: is.srv.URL + "/bf/openid",
		EntraOpenIDURL:        is.srv.URL + "/{tenant}/v2.0/.well-known/openid-configuration",
		HTTPClient:            is.srv.Client(),
		Now:                   clock.Now,
		Logger:                slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func newValidator(t testing.TB, is *issuer, clock *fakeClock) *Validator {
	t.Helper()
	v, err := New(context.Background(), is.config(clock))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// bfClaims are the claims the Bot Connector puts in its tokens.
func bfClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":        BotFrameworkIssuer,
		"aud":        testAppID,
		"serviceurl": testServiceURL,
		"nbf":        now.Add(-time.Minute).Unix(),
		"exp":        now.Add(time.Hour).Unix(),
		"iat":        now.Add(-time.Minute).Unix(),
	}
}

func entraClaims(now time.Time, iss string) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":        iss,
		"aud":        testAppID,
		"serviceurl": testServiceURL,
		"azp":        "bot-service-app",
		"tid":        testTenant,
		"nbf":        now.Add(-time.Minute).Unix(),
		"exp":        now.Add(time.Hour).Unix(),
	}
}

func sign(t testing.TB, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(testKey(t, kid))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
