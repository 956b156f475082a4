package identity

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	tenant   = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	clientID = "11111111-2222-3333-4444-555555555555"
)

// entra is a fake Entra authority speaking the v2.0 wire protocol: tenant
// discovery and the token endpoint. It records token requests.
type entra struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []tokenRequest
	delay    time.Duration // slows the token endpoint (concurrency test)
}

type tokenRequest struct {
	Path string
	Form url.Values
}

func newEntra(t *testing.T) *entra {
	t.Helper()
	e := &entra{}
	e.srv = httptest.NewTLSServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *entra) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 4 && parts[1] == "v2.0" && parts[2] == ".well-known":
		base := e.srv.URL + "/" + parts[0]
		_ = json.NewEncoder(w).Encode(map[string]any{
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"issuer":                 base + "/v2.0",
		})
	case len(parts) == 4 && parts[1] == "oauth2" && parts[3] == "token" && r.Method == http.MethodPost:
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.requests = append(e.requests, tokenRequest{Path: r.URL.Path, Form: r.PostForm})
		n, delay := len(e.requests), e.delay
		e.mu.Unlock()
		time.Sleep(delay) // only widens the race window; correctness does not depend on it
		_ = json.NewEncoder(w).Encode(map[string]any{
			"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
			"access_token": fmt.Sprintf("token-%d", n),
		})
	default:
		http.Error(w, `{"error":"not_found"}`, http.StatusNotFound)
	}
}

func (e *entra) tokenRequests() []tokenRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]tokenRequest(nil), e.requests...)
}

func (e *entra) config() Config {
	return Config{
		TenantID:                 tenant,
		ClientID:                 clientID,
		AuthorityHost:            e.srv.URL,
		HTTPClient:               e.srv.Client(),
		DisableInstanceDiscovery: true,
	}
}

func TestClientSecret(t *testing.T) {
	e := newEntra(t)
	cfg := e.config()
	cfg.ClientSecret = "s3cret"
	cred, kind, err := NewCredential(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if kind != KindClientSecret {
		t.Fatalf("kind %q", kind)
	}
	tok, err := NewTokenSource(cred, BotConnectorScope).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok != "token-1" {
		t.Fatalf("token %q", tok)
	}
	reqs := e.tokenRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d token requests", len(reqs))
	}
	r := reqs[0]
	for k, want := range map[string]string{
		"grant_type":    "client_credentials",
		"client_id":     clientID,
		"client_secret": "s3cret",
	} {
		if got := r.Form.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if !hasScope(r.Form, BotConnectorScope) {
		t.Errorf("scope %q", r.Form.Get("scope"))
	}
	if r.Path != "/"+tenant+"/oauth2/v2.0/token" {
		t.Errorf("path %q: tenant not in path", r.Path)
	}
}

func TestClientCertificate(t *testing.T) {
	e := newEntra(t)
	path, cert := writeCert(t)
	cfg := e.config()
	cfg.CertificatePath = path
	cred, kind, err := NewCredential(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if kind != KindClientCertificate {
		t.Fatalf("kind %q", kind)
	}
	if _, err := NewTokenSource(cred, BotConnectorScope).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := e.tokenRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d token requests", len(reqs))
	}
	f := reqs[0].Form
	if reqs[0].Path != "/"+tenant+"/oauth2/v2.0/token" || f.Get("client_id") != clientID || !hasScope(f, BotConnectorScope) {
		t.Fatalf("request %s %v", reqs[0].Path, f)
	}
	if f.Get("client_secret") != "" {
		t.Fatal("client_secret sent with a certificate credential")
	}
	if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		t.Fatalf("client_assertion_type %q", f.Get("client_assertion_type"))
	}
	// The assertion is a JWT signed by the certificate's key, naming the
	// certificate by thumbprint.
	var claims jwt.RegisteredClaims
	tok, err := jwt.ParseWithClaims(f.Get("client_assertion"), &claims, func(*jwt.Token) (any, error) {
		return cert.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256", "PS256"}))
	if err != nil {
		t.Fatalf("client_assertion: %v", err)
	}
	if claims.Issuer != clientID || claims.Subject != clientID {
		t.Errorf("iss/sub = %q/%q", claims.Issuer, claims.Subject)
	}
	if len(claims.Audience) != 1 || !strings.Contains(claims.Audience[0], "/"+tenant+"/oauth2/v2.0/token") {
		t.Errorf("aud = %v", claims.Audience)
	}
	s1 := sha1.Sum(cert.Raw)
	s256 := sha256.Sum256(cert.Raw)
	x5t, _ := tok.Header["x5t"].(string)
	x5t256, _ := tok.Header["x5t#S256"].(string)
	if !slices.Contains(thumbprints(s1[:]), x5t) && !slices.Contains(thumbprints(s256[:]), x5t256) {
		t.Errorf("assertion header does not name the certificate: %v", tok.Header)
	}
}

func TestWorkloadIdentity(t *testing.T) {
	e := newEntra(t)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("k8s-service-account-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := e.config()
	cfg.FederatedTokenFile = file
	cred, kind, err := NewCredential(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if kind != KindWorkloadIdentity {
		t.Fatalf("kind %q", kind)
	}
	if _, err := NewTokenSource(cred, GraphScope).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := e.tokenRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d token requests", len(reqs))
	}
	f := reqs[0].Form
	if reqs[0].Path != "/"+tenant+"/oauth2/v2.0/token" || f.Get("client_id") != clientID ||
		!hasScope(f, GraphScope) || f.Get("client_assertion") != "k8s-service-account-token" {
		t.Fatalf("request %s %v", reqs[0].Path, f)
	}
}

func TestManagedIdentity(t *testing.T) {
	for _, tt := range []struct {
		name, clientID string
	}{
		{"system-assigned", ""},
		{"user-assigned", "99999999-8888-7777-6666-555555555555"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu   sync.Mutex
				reqs []*http.Request
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				reqs = append(reqs, r.Clone(context.Background()))
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{
					"access_token": "mi-token",
					"expires_on":   fmt.Sprint(time.Now().Add(time.Hour).Unix()),
					"resource":     r.URL.Query().Get("resource"),
					"token_type":   "Bearer",
				})
			}))
			defer srv.Close()
			// App Service style managed identity endpoint.
			t.Setenv("IDENTITY_ENDPOINT", srv.URL+"/msi/token")
			t.Setenv("IDENTITY_HEADER", "identity-header-secret")
			for _, k := range []string{"IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
				t.Setenv(k, "")
			}
			cred, kind, err := NewCredential(Config{ManagedIdentity: true, ManagedIdentityClientID: tt.clientID})
			if err != nil {
				t.Fatal(err)
			}
			if kind != KindManagedIdentity {
				t.Fatalf("kind %q", kind)
			}
			ts := NewTokenSource(cred, BotConnectorScope)
			for range 3 {
				tok, err := ts.Token(context.Background())
				if err != nil || tok != "mi-token" {
					t.Fatalf("token %q, %v", tok, err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1 (cached)", len(reqs))
			}
			r := reqs[0]
			q := r.URL.Query()
			if r.URL.Path != "/msi/token" || r.Header.Get("X-IDENTITY-HEADER") != "identity-header-secret" ||
				q.Get("resource") != "https://api.botframework.com" || q.Get("api-version") == "" || q.Get("client_id") != tt.clientID {
				t.Fatalf("request %s %v %v", r.URL, q, r.Header)
			}
		})
	}
}

func TestConcurrentTokenHitsEndpointOnce(t *testing.T) {
	e := newEntra(t)
	e.delay = 50 * time.Millisecond
	cfg := e.config()
	cfg.ClientSecret = "s3cret"
	cred, _, err := NewCredential(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := NewTokenSource(cred, BotConnectorScope)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			tok, err := ts.Token(context.Background())
			if err == nil && tok != "token-1" {
				err = fmt.Errorf("token %q", tok)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(e.tokenRequests()); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

func TestTokenEndpointError(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(r.URL.Path, ".well-known") {
			base := "https://" + r.Host + "/" + tenant
			_ = json.NewEncoder(w).Encode(map[string]any{
				"token_endpoint": base + "/oauth2/v2.0/token", "authorization_endpoint": base + "/oauth2/v2.0/authorize", "issuer": base + "/v2.0",
			})
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`))
	}))
	defer srv.Close()
	cred, _, err := NewCredential(Config{TenantID: tenant, ClientID: clientID, ClientSecret: "wrong",
		AuthorityHost: srv.URL, HTTPClient: srv.Client(), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewTokenSource(cred, BotConnectorScope).Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "client_secret=wrong") {
		t.Fatalf("secret leaked into error: %v", err)
	}
}

func TestNewCredentialConfigErrors(t *testing.T) {
	certPath, _ := writeCert(t)
	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := Config{TenantID: tenant, ClientID: clientID}
	with := func(f func(*Config)) Config { c := base; f(&c); return c }
	tests := []struct {
		name     string
		cfg      Config
		mentions []string
	}{
		{"nothing", base, []string{EnvClientSecret, EnvCertificatePath, EnvManagedIdentity, EnvFederatedTokenFile}},
		{"secret and cert", with(func(c *Config) { c.ClientSecret = "x"; c.CertificatePath = certPath }), []string{EnvClientSecret, EnvCertificatePath}},
		{"secret and managed identity", with(func(c *Config) { c.ClientSecret = "x"; c.ManagedIdentity = true }), []string{EnvClientSecret, EnvManagedIdentity}},
		{"managed and workload", with(func(c *Config) { c.ManagedIdentity = true; c.FederatedTokenFile = "/f" }), []string{EnvManagedIdentity, EnvFederatedTokenFile}},
		{"no tenant", with(func(c *Config) { c.ClientSecret = "x"; c.TenantID = "" }), []string{EnvTenantID}},
		{"common tenant", with(func(c *Config) { c.ClientSecret = "x"; c.TenantID = "common" }), []string{EnvTenantID}},
		{"bad tenant", with(func(c *Config) { c.ClientSecret = "x"; c.TenantID = "a/b" }), []string{EnvTenantID}},
		{"no client id", with(func(c *Config) { c.ClientSecret = "x"; c.ClientID = "" }), []string{EnvClientID}},
		{"cert password without cert", with(func(c *Config) { c.ClientSecret = "x"; c.CertificatePassword = "p" }), []string{EnvCertificatePassword}},
		{"mi client id without mi", with(func(c *Config) { c.ClientSecret = "x"; c.ManagedIdentityClientID = "id" }), []string{EnvManagedIdentityClientID}},
		{"missing cert file", with(func(c *Config) { c.CertificatePath = "/nonexistent/cert.pem" }), []string{EnvCertificatePath}},
		{"unparsable cert", with(func(c *Config) { c.CertificatePath = bad }), []string{EnvCertificatePath}},
		{"http authority", with(func(c *Config) { c.ClientSecret = "x"; c.AuthorityHost = "http://login.example" }), []string{"https"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, _, err := NewCredential(tt.cfg)
			if err == nil {
				t.Fatalf("want error, got %T", cred)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %s", err, m)
				}
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		EnvTenantID: " " + tenant + " ", EnvClientID: clientID, EnvClientSecret: "s",
		EnvManagedIdentity: "false", EnvFederatedTokenFile: "",
	}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TenantID != tenant || cfg.ClientID != clientID || cfg.ClientSecret != "s" || cfg.ManagedIdentity {
		t.Fatalf("%+v", cfg)
	}
	if k, err := cfg.kind(); err != nil || k != KindClientSecret {
		t.Fatalf("kind %q, %v", k, err)
	}
	env[EnvManagedIdentity] = "yes please"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), EnvManagedIdentity) {
		t.Fatalf("got %v", err)
	}
}

// hasScope: MSAL adds "openid offline_access profile" to the requested scope.
func hasScope(f url.Values, scope string) bool {
	return slices.Contains(strings.Fields(f.Get("scope")), scope)
}

// thumbprints: the encodings a client may use for x5t / x5t#S256.
func thumbprints(sum []byte) []string {
	return []string{base64.RawURLEncoding.EncodeToString(sum), base64.URLEncoding.EncodeToString(sum), base64.StdEncoding.EncodeToString(sum)}
}

// writeCert writes a self-signed certificate and its key as one PEM file.
func writeCert(t *testing.T) (string, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "digibot-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pk8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	out := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk8})...)
	path := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, cert
}
