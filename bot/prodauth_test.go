package bot

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/auth"
	"digibot/bot/connector"
	"digibot/bot/turn"
	"digibot/storage/embedded"
)

const prodAppID = "0a1b2c3d-0000-4000-8000-123456789abc"

// localIssuer is a Bot Framework OpenID provider on loopback whose signing
// keys can be rotated while the bot runs.
type localIssuer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	keys map[string]*rsa.PrivateKey // kid -> key published in the JWKS
}

func newLocalIssuer(t *testing.T) *localIssuer {
	li := &localIssuer{keys: map[string]*rsa.PrivateKey{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/.well-known/openidconfiguration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": "https://api.botframework.com", "jwks_uri": li.srv.URL + "/v1/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/v1/keys", func(w http.ResponseWriter, r *http.Request) {
		li.mu.Lock()
		defer li.mu.Unlock()
		var keys []map[string]any
		for kid, k := range li.keys {
			keys = append(keys, map[string]any{
				"kty": "RSA", "use": "sig", "kid": kid, "endorsements": []string{"msteams"},
				"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
				"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
			})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	})
	li.srv = httptest.NewServer(mux)
	t.Cleanup(li.srv.Close)
	return li
}

func (li *localIssuer) publish(kid string, k *rsa.PrivateKey) {
	li.mu.Lock()
	defer li.mu.Unlock()
	clear(li.keys)
	li.keys[kid] = k
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sign(t *testing.T, kid string, k *rsa.PrivateKey, claims jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + s
}

// TestProductionAuthAtTheEdge drives /api/messages in production mode with
// tokens from a local issuer: only a valid token gets through.
func TestProductionAuthAtTheEdge(t *testing.T) {
	li := newLocalIssuer(t)
	key1, key2, evil := mustRSA(t), mustRSA(t), mustRSA(t)
	li.publish("k1", key1)

	v, err := auth.New(context.Background(), auth.Config{AppID: prodAppID,
		BotFrameworkOpenIDURL: li.srv.URL + "/v1/.well-known/openidconfiguration", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	st, err := embedded.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fc := newFakeConnector(t)
	cl := connector.New(fc.Client(), nil, connector.WithServiceURLCheck(connector.LoopbackOnly))
	srv, _ := NewServer(Options{Store: st, Auth: ChannelAuth{V: v}, Conn: cl,
		Handlers: Handlers{Message: turn.HandlerFunc(echo)}, Logger: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	srv.Routes(mux)
	bs := httptest.NewServer(mux)
	t.Cleanup(bs.Close)

	now := time.Now()
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": "https://api.botframework.com", "aud": prodAppID, "serviceurl": fc.URL,
			"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	}
	with := func(k string, v any) jwt.MapClaims {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	n := 0
	post := func(header string) int {
		n++
		a := schema.Activity{Type: schema.Message, ID: "p" + strconv.Itoa(n), Text: "hej",
			ServiceURL: fc.URL, ChannelID: "msteams",
			From:         schema.ChannelAccount{ID: "29:u", AadObjectID: "aad-u"},
			Recipient:    schema.ChannelAccount{ID: "28:" + prodAppID},
			Conversation: schema.ConversationAccount{ID: "a:c", ConversationType: "personal"}}
		body, _ := json.Marshal(a)
		req, _ := http.NewRequest(http.MethodPost, bs.URL+"/api/messages", bytes.NewReader(body))
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	tests := []struct {
		name   string
		header string
		want   int
	}{
		{"valid token", sign(t, "k1", key1, good()), http.StatusOK},
		{"no token", "", http.StatusUnauthorized},
		{"wrong audience", sign(t, "k1", key1, with("aud", "someone-else")), http.StatusUnauthorized},
		{"wrong issuer", sign(t, "k1", key1, with("iss", "https://evil.example")), http.StatusUnauthorized},
		{"expired", sign(t, "k1", key1, with("exp", now.Add(-10*time.Minute).Unix())), http.StatusUnauthorized},
		{"expired within skew", sign(t, "k1", key1, with("exp", now.Add(-2*time.Minute).Unix())), http.StatusOK},
		{"bad signature", sign(t, "k1", evil, good()), http.StatusUnauthorized},
		{"missing serviceurl", sign(t, "k1", key1, with("serviceurl", nil)), http.StatusUnauthorized},
		{"other serviceurl", sign(t, "k1", key1, with("serviceurl", "https://elsewhere.example/")), http.StatusUnauthorized},
		{"not a jwt", "Bearer not.a.jwt", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := post(tc.header); got != tc.want {
				t.Fatalf("want %d, got %d", tc.want, got)
			}
		})
	}

	// Microsoft rotates its signing key: the new key is picked up without a restart.
	li.publish("k2", key2)
	if got := post(sign(t, "k2", key2, good())); got != http.StatusOK {
		t.Fatalf("rotated key: want 200, got %d", got)
	}
	if got := len(fc.requests()); got != 3 {
		t.Fatalf("want replies only to the 3 accepted activities, got %d", got)
	}
}
