// Package graph is Digibot's Microsoft Graph client: directory look-ups,
// coach calendars and Teams meetings, and installing Digibot for a user.
//
// It is the only package that imports msgraph-sdk-go. It imports only the
// request builders it needs (users) and wires the SDK itself instead of
// using the root GraphServiceClient, which costs minutes of compile time on
// 2 cores. Consumers define small interfaces over the types in
// digibot/graph/graphapi (aliased here) so their tests never link the SDK.
// Facts this code relies on are in /work/shared/notes/graph.md.
package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonser "github.com/microsoft/kiota-serialization-json-go"
	textser "github.com/microsoft/kiota-serialization-text-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	graphauth "github.com/microsoftgraph/msgraph-sdk-go-core/authentication"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"digibot/graph/graphapi"
)

// Types and errors live in graphapi (no SDK import); aliases keep
// graph.User and graphapi.User the same type.
type (
	User    = graphapi.User
	Meeting = graphapi.Meeting
	Busy    = graphapi.Busy
	Error   = graphapi.Error
)

var (
	ErrNotConfigured = graphapi.ErrNotConfigured
	ErrNotFound      = graphapi.ErrNotFound
	ErrForbidden     = graphapi.ErrForbidden
	ErrThrottled     = graphapi.ErrThrottled
	ErrInvalidInput  = graphapi.ErrInvalidInput
)

const (
	DefaultBaseURL = "https://graph.microsoft.com/v1.0"
	// DefaultScope equals identity.GraphScope (app-only, admin-consented).
	DefaultScope = "https://graph.microsoft.com/.default"

	defaultTimeout      = 30 * time.Second
	defaultMaxRetries   = 3
	defaultMaxRetryWait = 10 * time.Second
	// sdkVersion is reported in the SdkVersion header like the root client does.
	sdkVersion = "1.89.0"
)

// Config configures New. Only Credential is required.
type Config struct {
	Credential azcore.TokenCredential
	BaseURL    string       // default DefaultBaseURL; tests: fake server URL + "/v1.0"
	HTTPClient *http.Client // its Transport and Timeout are used under the SDK middleware (tests)
	Scope      string       // default DefaultScope

	CatalogAppID  string // Teams app id in the org catalog (InstallForUser)
	ManifestAppID string // the manifest's "id" = externalId (PersonalChatID)

	// Retries: the SDK retries 429/503/504 honouring Retry-After. A call
	// waits at most MaxRetryWait in total between attempts; when the next
	// wait would exceed it the call fails at once with ErrThrottled and
	// Error.RetryAfter, so a user's turn or a job never hangs on Graph.
	MaxRetries   int           // default 3 (the SDK's default)
	MaxRetryWait time.Duration // default 10s; tests use a small value
	Timeout      time.Duration // per call, when ctx has no deadline; default 30s (HTTPClient.Timeout if set)

	Logger *slog.Logger
	Now    func() time.Time // default time.Now (Retry-After dates)
}

// Client calls Microsoft Graph. A nil or Disabled client returns
// ErrNotConfigured from every method. Safe for concurrent use.
type Client struct {
	users         *users.UsersRequestBuilder
	baseURL       string // without trailing slash
	catalogAppID  string
	manifestAppID string
	log           *slog.Logger
	now           func() time.Time
}

// Disabled returns a client for when Graph is not configured: every method
// returns an error wrapping ErrNotConfigured and sends nothing.
func Disabled() *Client { return &Client{} }

// Enabled reports whether the client can reach Graph.
func (c *Client) Enabled() bool { return c != nil && c.users != nil }

// New builds a client. With no credential it returns an error wrapping
// ErrNotConfigured; use Disabled() then.
func New(cfg Config) (*Client, error) {
	if cfg.Credential == nil {
		return nil, fmt.Errorf("%w: no credential for Microsoft Graph", ErrNotConfigured)
	}
	base, host, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	for _, id := range []struct{ name, v string }{{"catalog app id", cfg.CatalogAppID}, {"manifest app id", cfg.ManifestAppID}} {
		if id.v != "" {
			if err := graphapi.CheckGUID(id.name, id.v); err != nil {
				return nil, withOp("config", err)
			}
		}
	}
	scope := cfg.Scope
	if scope == "" {
		scope = DefaultScope
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = defaultMaxRetries
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = defaultMaxRetryWait
	}

	// validHosts must name the configured host: for any other host the
	// provider silently sends no Authorization header (notes/graph.md).
	auth, err := graphauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(
		cfg.Credential, []string{scope}, []string{host})
	if err != nil {
		return nil, fmt.Errorf("graph: auth provider: %w", err)
	}
	parse, write := serializers()
	adapter, err := msgraphcore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, msgraphcore.GraphClientOptions{GraphServiceLibraryVersion: sdkVersion}, parse, write, httpClient(cfg))
	if err != nil {
		return nil, fmt.Errorf("graph: request adapter: %w", err)
	}
	adapter.SetBaseUrl(base)
	return &Client{
		users:         users.NewUsersRequestBuilderInternal(map[string]string{"baseurl": base}, adapter),
		baseURL:       base,
		catalogAppID:  cfg.CatalogAppID,
		manifestAppID: cfg.ManifestAppID,
		log:           cfg.Logger,
		now:           cfg.Now,
	}, nil
}

func parseBaseURL(raw string) (base, host string, err error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("graph: base URL %q: want e.g. %s", raw, DefaultBaseURL)
	}
	// Plain http only for a local fake; the token provider refuses it elsewhere too.
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return "", "", fmt.Errorf("graph: base URL %q: must be https", raw)
	}
	return strings.TrimRight(u.String(), "/"), u.Hostname(), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serializers registers the JSON (and text) factories on registries owned by
// this client, as the root GraphServiceClient does on the global ones; no
// global state is touched.
func serializers() (absser.ParseNodeFactory, absser.SerializationWriterFactory) {
	p := absser.NewParseNodeFactoryRegistry()
	p.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonParseNodeFactory()
	p.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextParseNodeFactory()
	w := absser.NewSerializationWriterFactoryRegistry()
	w.ContentTypeAssociatedFactories["application/json"] = jsonser.NewJsonSerializationWriterFactory()
	w.ContentTypeAssociatedFactories["text/plain"] = textser.NewTextSerializationWriterFactory()
	return p, w
}

// httpClient builds the middleware pipeline in a fixed order. The SDK's
// default builds it from a map, so the order is random per client, and with
// retry outside compression a retried POST goes out uncompressed but still
// labelled gzip (kiota-http-go #183). Compression comes first here: the body
// is compressed once and the retry handler rewinds and resends those bytes.
func httpClient(cfg Config) *http.Client {
	var parent http.RoundTripper
	timeout := cfg.Timeout
	if cfg.HTTPClient != nil {
		parent = cfg.HTTPClient.Transport
		if timeout <= 0 {
			timeout = cfg.HTTPClient.Timeout
		}
	}
	if parent == nil {
		parent = khttp.GetDefaultTransport()
	}
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	delaySeconds := 1 // the SDK's backoff base when there is no Retry-After
	mws := []khttp.Middleware{
		msgraphcore.NewGraphTelemetryHandler(&msgraphcore.GraphClientOptions{GraphServiceLibraryVersion: sdkVersion}),
		khttp.NewUserAgentHandler(),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewRedirectHandler(),
		khttp.NewCompressionHandler(),
		khttp.NewRetryHandlerWithOptions(khttp.RetryHandlerOptions{
			MaxRetries:   cfg.MaxRetries,
			DelaySeconds: delaySeconds,
			ShouldRetry:  boundedRetry(cfg.MaxRetryWait, delaySeconds, cfg.Now),
		}),
		attemptRecorder{},
	}
	return &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(parent, mws...),
		Timeout:   timeout,
		// The redirect middleware follows redirects; net/http must not.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// boundedRetry lets the SDK retry only while the total wait of the call stays
// within maxWait. The next wait is what the SDK will use: Retry-After if
// present, else its exponential backoff (base << attempt) plus up to 1s jitter.
func boundedRetry(maxWait time.Duration, delaySeconds int, now func() time.Time) func(time.Duration, int, *http.Request, *http.Response) bool {
	return func(waited time.Duration, attempt int, _ *http.Request, resp *http.Response) bool {
		next, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now())
		if !ok {
			next = time.Duration(delaySeconds<<attempt)*time.Second + time.Second
		}
		return waited+next <= maxWait
	}
}

// parseRetryAfter reads delay-seconds or an HTTP date. Negative means now.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	secs, err := strconv.ParseFloat(v, 64) // as the SDK parses it
	if err != nil || secs != secs {        // NaN
		return 0, false
	}
	if secs <= 0 {
		return 0, true
	}
	if secs > 24*3600 {
		secs = 24 * 3600
	}
	return time.Duration(secs) * time.Second, true // truncated like the SDK
}

// callInfo collects what the innermost middleware saw of one client call, so
// an error keeps its status even when the SDK's error carries none (e.g. a
// body it could not parse).
type callInfo struct {
	attempts   int
	status     int
	retryAfter string
}

type callInfoKey struct{}

type attemptRecorder struct{}

func (attemptRecorder) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	resp, err := p.Next(req, i)
	if ci, ok := req.Context().Value(callInfoKey{}).(*callInfo); ok {
		ci.attempts++
		if resp != nil {
			ci.status = resp.StatusCode
			ci.retryAfter = resp.Header.Get("Retry-After")
		}
	}
	return resp, err
}

// do runs one SDK call with the error conversion and a recover: the SDK has
// code paths that panic (ODataError.Error() on a body without "error"), and
// no panic may reach a user.
func (c *Client) do(ctx context.Context, op string, fn func(ctx context.Context) error) (err error) {
	if !c.Enabled() {
		return &Error{Op: op, Kind: ErrNotConfigured}
	}
	ci := &callInfo{}
	ctx = context.WithValue(ctx, callInfoKey{}, ci)
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("graph: SDK panicked", "op", op, "status", ci.status, "panic", fmt.Sprintf("%T", r))
			err = &Error{Op: op, Status: ci.status, Kind: kindOf(ci.status), Message: "unexpected response (the Graph SDK failed to handle it)"}
		}
	}()
	if e := fn(ctx); e != nil {
		return c.convert(op, ci, e)
	}
	return nil
}

// withOp names the operation in a validation error from graphapi.
func withOp(op string, err error) error {
	var ge *Error
	if errors.As(err, &ge) {
		cp := *ge
		cp.Op = op
		return &cp
	}
	return &Error{Op: op, Kind: ErrInvalidInput, Err: err}
}
