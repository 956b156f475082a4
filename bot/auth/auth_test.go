package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func TestValidate(t *testing.T) {
	is := newIssuer(t)
	clock := &fakeClock{t: t0}
	v := newValidator(t, is, clock)
	now := clock.Now()
	entraV2 := "https://login.microsoftonline.com/" + testTenant + "/v2.0"
	entraV1 := "https://sts.windows.net/" + testTenant + "/"

	with := func(base jwt.MapClaims, kv ...any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range base {
			c[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return c
	}
	bf := bfClaims(now)

	// Tokens that need more than sign(kid, claims).
	hs256 := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, bf)
		tok.Header["kid"] = "bf1"
		// Classic confusion attack: the RSA public key as HMAC secret.
		s, _ := tok.SignedString(testKey(t, "bf1").PublicKey.N.Bytes())
		return s
	}()
	none := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, bf)
		tok.Header["kid"] = "bf1"
		s, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		return s
	}()
	badSig := func() string {
		// Signed by another key but claims kid bf1.
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, bf)
		tok.Header["kid"] = "bf1"
		s, _ := tok.SignedString(testKey(t, "evil"))
		return s
	}()
	tampered := func() string {
		s := sign(t, "bf1", bf)
		parts := strings.Split(s, ".")
		c := with(bf, "aud", []string{testAppID, "x"})
		other := sign(t, "bf1", c)
		return parts[0] + "." + strings.Split(other, ".")[1] + "." + parts[2]
	}()
	noKid := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, bf)
		s, _ := tok.SignedString(testKey(t, "bf1"))
		return s
	}()

	tests := []struct {
		name       string
		header     string
		serviceURL string // default testServiceURL
		channel    string // default msteams
		want       error  // nil = accepted
		wantSource Source
	}{
		{name: "bot framework token", header: "Bearer " + sign(t, "bf1", bf), wantSource: SourceBotFramework},
		{name: "scheme case-insensitive", header: "bearer " + sign(t, "bf1", bf), wantSource: SourceBotFramework},
		{name: "aud array", header: "Bearer " + sign(t, "bf1", with(bf, "aud", []string{"other", testAppID})), wantSource: SourceBotFramework},
		{name: "entra v2 issuer", header: "Bearer " + sign(t, "entra1", entraClaims(now, entraV2)), wantSource: SourceEntra},
		{name: "entra v1 issuer", header: "Bearer " + sign(t, "entra1", entraClaims(now, entraV1)), wantSource: SourceEntra},
		{name: "serviceurl without trailing slash, host case", header: "Bearer " + sign(t, "bf1", bf), serviceURL: "https://SMBA.trafficmanager.net/emea", wantSource: SourceBotFramework},
		{name: "expired within skew", header: "Bearer " + sign(t, "bf1", with(bf, "exp", now.Add(-4*time.Minute).Unix())), wantSource: SourceBotFramework},
		{name: "nbf within skew", header: "Bearer " + sign(t, "bf1", with(bf, "nbf", now.Add(4*time.Minute).Unix())), wantSource: SourceBotFramework},

		{name: "no header", header: "", want: ErrNoToken},
		{name: "basic scheme", header: "Basic dXNlcjpwYXNz", want: ErrNoToken},
		{name: "bearer only", header: "Bearer ", want: ErrNoToken},
		{name: "not a jwt", header: "Bearer not-a-jwt", want: ErrMalformed},
		{name: "huge header", header: "Bearer " + strings.Repeat("a", maxHeaderLen), want: ErrMalformed},
		{name: "wrong audience", header: "Bearer " + sign(t, "bf1", with(bf, "aud", "someone-else")), want: ErrAudience},
		{name: "aud array without us", header: "Bearer " + sign(t, "bf1", with(bf, "aud", []string{"a", "b"})), want: ErrAudience},
		{name: "missing aud", header: "Bearer " + sign(t, "bf1", with(bf, "aud", nil)), want: ErrMissingClaim},
		{name: "aud wrong type", header: "Bearer " + sign(t, "bf1", with(bf, "aud", 42)), want: ErrMalformed},
		{name: "wrong issuer", header: "Bearer " + sign(t, "bf1", with(bf, "iss", "https://evil.example")), want: ErrIssuer},
		{name: "other tenant", header: "Bearer " + sign(t, "entra1", entraClaims(now, "https://sts.windows.net/other-tenant/")), want: ErrIssuer},
		{name: "missing issuer", header: "Bearer " + sign(t, "bf1", with(bf, "iss", nil)), want: ErrIssuer},
		{name: "expired beyond skew", header: "Bearer " + sign(t, "bf1", with(bf, "exp", now.Add(-6*time.Minute).Unix())), want: ErrExpired},
		{name: "missing exp", header: "Bearer " + sign(t, "bf1", with(bf, "exp", nil)), want: ErrMissingClaim},
		{name: "not yet valid", header: "Bearer " + sign(t, "bf1", with(bf, "nbf", now.Add(6*time.Minute).Unix())), want: ErrNotYetValid},
		{name: "bad signature", header: "Bearer " + badSig, want: ErrSignature},
		{name: "tampered payload", header: "Bearer " + tampered, want: ErrSignature},
		{name: "unknown key", header: "Bearer " + sign(t, "evil", bf), want: ErrUnknownKey},
		{name: "no kid", header: "Bearer " + noKid, want: ErrUnknownKey},
		{name: "bot framework issuer with entra key", header: "Bearer " + sign(t, "entra1", bf), want: ErrUnknownKey},
		{name: "entra issuer with bot framework key", header: "Bearer " + sign(t, "bf1", entraClaims(now, entraV2)), want: ErrUnknownKey},
		{name: "missing serviceurl", header: "Bearer " + sign(t, "bf1", with(bf, "serviceurl", nil)), want: ErrMissingClaim},
		{name: "entra missing serviceurl", header: "Bearer " + sign(t, "entra1", with(entraClaims(now, entraV2), "serviceurl", nil)), want: ErrMissingClaim},
		{name: "serviceurl wrong type", header: "Bearer " + sign(t, "bf1", with(bf, "serviceurl", 7)), want: ErrMalformed},
		{name: "serviceurl mismatch", header: "Bearer " + sign(t, "bf1", bf), serviceURL: "https://evil.example/emea/", want: ErrServiceURL},
		{name: "serviceurl path mismatch", header: "Bearer " + sign(t, "bf1", bf), serviceURL: "https://smba.trafficmanager.net/amer/", want: ErrServiceURL},
		{name: "empty activity serviceurl", header: "Bearer " + sign(t, "bf1", bf), serviceURL: "-", want: ErrServiceURL},
		{name: "missing endorsement", header: "Bearer " + sign(t, "bf1", bf), channel: "slack", want: ErrEndorsement},
		{name: "empty channel", header: "Bearer " + sign(t, "bf1", bf), channel: "-", want: ErrEndorsement},
		{name: "HS256", header: "Bearer " + hs256, want: ErrAlgorithm},
		{name: "alg none", header: "Bearer " + none, want: ErrAlgorithm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			su, ch := testServiceURL, "msteams"
			if tt.serviceURL != "" {
				su = tt.serviceURL
			}
			if su == "-" {
				su = ""
			}
			if tt.channel != "" {
				ch = tt.channel
			}
			if ch == "-" {
				ch = ""
			}
			c, err := v.Validate(context.Background(), tt.header, su, ch)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("want accepted, got %v", err)
				}
				if c.Source != tt.wantSource || c.ServiceURL == "" || c.KeyID == "" || c.ExpiresAt.IsZero() {
					t.Fatalf("claims = %+v", c)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %v, accepted with %+v", tt.want, c)
			}
			if !errors.Is(err, ErrUnauthorized) || !errors.Is(err, tt.want) {
				t.Fatalf("want %v, got %v", tt.want, err)
			}
			if c != nil {
				t.Fatalf("claims returned with error: %+v", c)
			}
		})
	}
}

func TestEntraDisabledWithoutTenant(t *testing.T) {
	is := newIssuer(t)
	clock := &fakeClock{t: t0}
	cfg := is.config(clock)
	cfg.TenantID = ""
	v, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tok := sign(t, "entra1", entraClaims(clock.Now(), "https://login.microsoftonline.com/"+testTenant+"/v2.0"))
	if _, err := v.Validate(context.Background(), "Bearer "+tok, testServiceURL, "msteams"); !errors.Is(err, ErrIssuer) {
		t.Fatalf("got %v, want ErrIssuer", err)
	}
	if n := is.count("/entra/keys"); n != 0 {
		t.Fatalf("entra keys fetched %d times without a tenant", n)
	}
}

func TestKeyRotationWithoutRestart(t *testing.T) {
	is := newIssuer(t)
	clock := &fakeClock{t: t0}
	v := newValidator(t, is, clock)
	ctx := context.Background()
	check := func(kid string, want error) {
		t.Helper()
		_, err := v.Validate(ctx, "Bearer "+sign(t, kid, bfClaims(clock.Now())), testServiceURL, "msteams")
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Fatalf("kid %s: got %v, want %v", kid, err, want)
		}
	}
	check("bf1", nil)
	before := is.count("/bf/keys")

	// Microsoft rotates: the JWKS now has only a new key.
	is.setBF(jwk{KID: "bf2", Endorsements: []string{"msteams"}})
	check("bf2", nil)
	if got := is.count("/bf/keys") - before; got != 1 {
		t.Fatalf("JWKS fetched %d times for the new kid, want 1", got)
	}
	// The old key is gone from the cache, and asking again for it within the
	// rate-limit window does not hit the endpoint.
	check("bf1", ErrUnknownKey)
	check("bf3", ErrUnknownKey)
	if got := is.count("/bf/keys") - before; got != 1 {
		t.Fatalf("JWKS fetched %d times, want 1 (rate limit)", got)
	}
	if n := is.count("/bf/openid"); n != 1 {
		t.Fatalf("metadata fetched %d times, want 1 (not per request)", n)
	}
}

func TestUnknownKidRefetchIsRateLimited(t *testing.T) {
	is := newIssuer(t)
	clock := &fakeClock{t: t0}
	v := newValidator(t, is, clock)
	ctx := context.Background()
	if _, err := v.Validate(ctx, "Bearer "+sign(t, "bf1", bfClaims(clock.Now())), testServiceURL, "msteams"); err != nil {
		t.Fatal(err)
	}
	before := is.count("/bf/keys")
	for i := range 50 {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, bfClaims(clock.Now()))
		tok.Header["kid"] = fmt.Sprintf("attacker-%d", i)
		s, _ := tok.SignedString(testKey(t, "evil"))
		if _, err := v.Validate(ctx, "Bearer "+s, testServiceURL, "msteams"); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("got %v", err)
		}
	}
	if got := is.count("/bf/keys") - before; got > 1 {
		t.Fatalf("50 unknown kids caused %d JWKS fetches, want <= 1", got)
	}
}

func TestMetadataRefreshedDaily(t *testing.T) {
	is := newIssuer(t)
	clock := &fakeClock{t: t0}
	v := newValidator(t, is, clock)
	ctx := context.Background()
	validate := func() error {
		_, err := v.Validate(ctx, "Bearer "+sign(t, "bf1", bfClaims(clock.Now())), testServiceURL, "msteams")
		return err
	}
	for range 5 {
		if err := validate(); err != nil {
			t.Fatal(err)
		}
	}
	if n := is.count("/bf/openid"); n != 1 {
		t.Fatalf("metadata fetched %d times, want 1", n)
	}
	// A day later the metadata points at a new JWKS URL: it is followed.
	is.setBFJWKSPath("/bf/keys2")
	clock.Advance(25 * time.Hour)
	if err := validate(); err != nil {
		t.Fatal(err)
	}
	if n := is.count("/bf/openid"); n != 2 {
		t.Fatalf("metadata fetched %d times after a day, want 2", n)
	}
	if n := is.count("/bf/keys2"); n != 1 {
		t.Fatalf("new jwks_uri fetched %d times, want 1", n)
	}
}

func TestEndpointsDown(t *testing.T) {
	for _, path := range []string{"/bf/openid", "/bf/keys"} {
		t.Run(path, func(t *testing.T) {
			is := newIssuer(t)
			is.setDown(path, true)
			clock := &fakeClock{t: t0}
			v := newValidator(t, is, clock)
			ctx := context.Background()
			validate := func() error {
				_, err := v.Validate(ctx, "Bearer "+sign(t, "bf1", bfClaims(clock.Now())), testServiceURL, "msteams")
				return err
			}
			err := validate()
			if !errors.Is(err, ErrKeysUnavailable) || !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("got %v, want ErrKeysUnavailable", err)
			}
			if !strings.Contains(err.Error(), "503") {
				t.Errorf("error does not say what failed: %v", err)
			}
			// Repeated requests during the outage do not hammer the endpoint.
			n := is.count(path)
			for range 20 {
				_ = validate()
			}
			if got := is.count(path); got != n {
				t.Fatalf("endpoint hit %d more times during the retry pause", got-n)
			}
			// Back up: picked up after the retry pause, without restart.
			is.setDown(path, false)
			clock.Advance(metadataRetry + time.Second)
			if err := validate(); err != nil {
				t.Fatalf("after recovery: %v", err)
			}
		})
	}
}

func TestCancelledStartDoesNotPoison(t *testing.T) {
	is := newIssuer(t)
	clock := &fakeClock{t: t0}
	cfg := is.config(clock)
	cfg.TenantID = strings.ToUpper(testTenant) // GUID case does not matter
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, tok := range []string{
		sign(t, "bf1", bfClaims(clock.Now())),
		sign(t, "entra1", entraClaims(clock.Now(), "https://sts.windows.net/"+testTenant+"/")),
	} {
		if _, err := v.Validate(context.Background(), "Bearer "+tok, testServiceURL, "msteams"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestServerGone(t *testing.T) {
	is := newIssuer(t)
	clock := &fakeClock{t: t0}
	cfg := is.config(clock)
	is.srv.Close()
	v, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	_, err = v.Validate(context.Background(), "Bearer "+sign(t, "bf1", bfClaims(clock.Now())), testServiceURL, "msteams")
	if !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("got %v", err)
	}
}

func TestStaleKeysUsedWhileMetadataDown(t *testing.T) {
	is := newIssuer(t)
	clock := &fakeClock{t: t0}
	v := newValidator(t, is, clock)
	ctx := context.Background()
	if _, err := v.Validate(ctx, "Bearer "+sign(t, "bf1", bfClaims(clock.Now())), testServiceURL, "msteams"); err != nil {
		t.Fatal(err)
	}
	is.setDown("/bf/openid", true)
	clock.Advance(25 * time.Hour)
	if _, err := v.Validate(ctx, "Bearer "+sign(t, "bf1", bfClaims(clock.Now())), testServiceURL, "msteams"); err != nil {
		t.Fatalf("stale keys not used during a metadata outage: %v", err)
	}
}

func TestNewConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no app id", Config{}},
		{"http metadata", Config{AppID: "a", BotFrameworkOpenIDURL: "http://example.com/md"}},
		{"relative metadata", Config{AppID: "a", BotFrameworkOpenIDURL: "/md"}},
		{"bad tenant", Config{AppID: "a", TenantID: "x/y"}},
		{"tenant domain", Config{AppID: "a", TenantID: "regiongavleborg.onmicrosoft.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := New(context.Background(), tt.cfg)
			if err == nil {
				v.Close()
				t.Fatal("want error")
			}
		})
	}
}

func TestJWKSURIMustBeHTTPS(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://login.botframework.com/v1/.well-known/keys", true},
		{"http://127.0.0.1:8080/keys", true},
		{"http://localhost/keys", true},
		{"http://login.botframework.com/keys", false},
		{"ftp://x/keys", false},
		{"", false},
		{"::", false},
	} {
		if err := checkFetchURL(tt.url); (err == nil) != tt.ok {
			t.Errorf("checkFetchURL(%q) = %v", tt.url, err)
		}
	}
}

func TestSameServiceURL(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net/emea/", true},
		{"https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net/emea", true},
		{"https://SMBA.trafficmanager.net/emea/", "HTTPS://smba.trafficmanager.net/emea/", true},
		{"https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net/EMEA/", false},
		{"https://smba.trafficmanager.net/emea/", "http://smba.trafficmanager.net/emea/", false},
		{"https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net.evil.com/emea/", false},
		{"https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net/emea/?x=1", false},
		{"https://smba.trafficmanager.net/emea/", "", false},
		{"", "", false},
		{"%zz", "%zz", false},
	} {
		if got := sameServiceURL(tt.a, tt.b); got != tt.want {
			t.Errorf("sameServiceURL(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestParseEndorsements(t *testing.T) {
	m := *parseEndorsements([]byte(`{"keys":[{"kid":"a","endorsements":["msteams"]},{"kid":"b","endorsements":"msteams"},{"kid":"c"},{"endorsements":["x"]}]}`))
	if len(m["a"]) != 1 || len(m["b"]) != 0 || len(m["c"]) != 0 || len(m) != 2 {
		t.Fatalf("got %v", m)
	}
	if m := *parseEndorsements([]byte(`not json`)); len(m) != 0 {
		t.Fatalf("got %v", m)
	}
}

func FuzzValidate(f *testing.F) {
	is := newIssuer(f)
	clock := &fakeClock{t: t0}
	v := newValidator(f, is, clock)
	good := sign(f, "bf1", bfClaims(clock.Now()))
	parts := strings.Split(good, ".")
	for _, s := range []string{
		"", "Bearer", "Bearer ", "Bearer a.b.c", "bearer ..", "Bearer " + good,
		"Bearer " + parts[0] + "." + parts[1] + ".", "Bearer " + parts[0] + ".e30.",
		"Bearer eyJhbGciOiJub25lIn0.e30.", "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6MX0.e30.x",
		"Bearer " + good + " trailing", "Bearer \x00\xff",
	} {
		f.Add(s, testServiceURL, "msteams")
	}
	f.Add("Bearer "+good, "", "")
	f.Add("Bearer "+good, "://", "\x00")
	f.Fuzz(func(t *testing.T, header, serviceURL, channel string) {
		c, err := v.Validate(context.Background(), header, serviceURL, channel)
		if err != nil {
			if c != nil || !errors.Is(err, ErrUnauthorized) || errors.Is(err, errInternal) {
				t.Fatalf("Validate(%q): claims %v, err %v", header, c, err)
			}
			return
		}
		if c == nil || c.Source != SourceBotFramework || !sameServiceURL(c.ServiceURL, serviceURL) {
			t.Fatalf("accepted %q with claims %+v", header, c)
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	is := newIssuer(b)
	clock := &fakeClock{t: t0}
	v := newValidator(b, is, clock)
	h := "Bearer " + sign(b, "bf1", bfClaims(clock.Now()))
	ctx := context.Background()
	if _, err := v.Validate(ctx, h, testServiceURL, "msteams"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Validate(ctx, h, testServiceURL, "msteams"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
