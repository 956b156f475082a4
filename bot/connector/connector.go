// Package connector is Digibot's Bot Connector v3 REST client: send, reply,
// update and createConversation against a conversation's serviceUrl.
//
// It exists because msbotbuilder-go's client loses the sent activity id and
// the Retry-After header, races on its token cache and can panic (see
// notes/msbotbuilder-go.md). Only the library's schema types are used here.
//
// The client does no retrying and no rate limiting: it reports what the
// connector said as *Error (status, Retry-After, code, message) and leaves the
// decision to the caller (bot/outbox).
package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// Limits on what the client reads from a response: the connector answers
// with a tiny {"id": …}; anything far larger is not from a healthy connector.
const (
	maxSuccessBody = 1 << 20
	maxErrorBody   = 64 << 10
	maxDrain       = 64 << 10
)

// ErrInvalidRequest is returned (wrapped) when a call cannot be made at all:
// a bad or refused serviceUrl, an empty id, an activity that does not encode.
// Retrying will not help; nothing was sent.
var ErrInvalidRequest = errors.New("connector: invalid request")

// ErrBadResponse is returned (wrapped) when createConversation answered 2xx
// without a conversation id.
var ErrBadResponse = errors.New("connector: bad response")

// TokenSource gives the bearer token for outgoing calls. A nil TokenSource
// sends no Authorization header (dev mode against a local emulator).
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// Client calls the Bot Connector. It is safe for concurrent use.
type Client struct {
	hc        *http.Client
	tokens    TokenSource
	checkURL  func(*url.URL) error
	now       func() time.Time
	userAgent string
}

// Option configures a Client.
type Option func(*Client)

// WithServiceURLCheck replaces the default serviceUrl policy (https only).
// Dev mode passes LoopbackOnly so that activities, and tokens, never leave
// the machine.
func WithServiceURLCheck(check func(u *url.URL) error) Option {
	return func(c *Client) {
		if check != nil {
			c.checkURL = check
		}
	}
}

// WithClock sets the clock used to turn an HTTP-date Retry-After into a
// duration.
func WithClock(now func() time.Time) Option {
	return func(c *Client) {
		if now != nil {
			c.now = now
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// New returns a client. httpClient may be nil (a client with a 30 s timeout
// is used). Redirects are never followed: a bearer token must only go to the
// serviceUrl the activity came from.
func New(httpClient *http.Client, tokens TokenSource, opts ...Option) *Client {
	var hc http.Client
	if httpClient != nil {
		hc = *httpClient
	} else {
		hc.Timeout = 30 * time.Second
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{
		hc:        &hc,
		tokens:    tokens,
		checkURL:  HTTPSOnly,
		now:       time.Now,
		userAgent: "Digibot",
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// HTTPSOnly is the default serviceUrl policy.
func HTTPSOnly(u *url.URL) error {
	if u.Scheme != "https" {
		return fmt.Errorf("serviceUrl %q is not https", u.Redacted())
	}
	return nil
}

// LoopbackOnly accepts only serviceUrls on a loopback address or localhost
// (http or https): the dev-mode policy.
func LoopbackOnly(u *url.URL) error {
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("serviceUrl %q is not a loopback address", u.Redacted())
}

// Error is a non-2xx answer from the connector.
type Error struct {
	Status     int
	RetryAfter time.Duration // from the Retry-After header; 0 when absent
	Code       string
	Message    string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "connector: %d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Temporary reports whether the same request may succeed later: 429, 412
// and 5xx (Teams asks bots to retry 429, 412, 502 and 504).
func (e *Error) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusPreconditionFailed || e.Status >= 500
}

// SendToConversation posts a to the conversation and returns the id the
// connector gave the new activity ("" when it did not say).
func (c *Client) SendToConversation(ctx context.Context, serviceURL, conversationID string, a schema.Activity) (string, error) {
	if conversationID == "" {
		return "", fmt.Errorf("%w: empty conversation id", ErrInvalidRequest)
	}
	return c.postActivity(ctx, serviceURL, []string{"v3", "conversations", conversationID, "activities"}, a)
}

// ReplyToActivity posts a as a reply to replyToID (threaded in channels).
func (c *Client) ReplyToActivity(ctx context.Context, serviceURL, conversationID, replyToID string, a schema.Activity) (string, error) {
	if conversationID == "" || replyToID == "" {
		return "", fmt.Errorf("%w: empty conversation or activity id", ErrInvalidRequest)
	}
	a.ReplyToID = replyToID
	return c.postActivity(ctx, serviceURL, []string{"v3", "conversations", conversationID, "activities", replyToID}, a)
}

// UpdateActivity replaces the activity activityID in place (PUT).
func (c *Client) UpdateActivity(ctx context.Context, serviceURL, conversationID, activityID string, a schema.Activity) error {
	if conversationID == "" || activityID == "" {
		return fmt.Errorf("%w: empty conversation or activity id", ErrInvalidRequest)
	}
	a.ID = activityID
	body, err := marshalActivity(a)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, http.MethodPut, serviceURL, []string{"v3", "conversations", conversationID, "activities", activityID}, body)
	if err != nil {
		return err
	}
	drainClose(resp.Body)
	return nil
}

// CreateConversation opens a conversation (for Digibot: a 1:1 chat with a
// user) and returns its id and, when the connector sent p.Activity, that
// activity's id.
func (c *Client) CreateConversation(ctx context.Context, serviceURL string, p schema.ConversationParameters) (string, string, error) {
	body, err := marshalPruned(p, paramsOpaque)
	if err != nil {
		return "", "", fmt.Errorf("%w: encode conversation parameters: %w", ErrInvalidRequest, err)
	}
	resp, err := c.do(ctx, http.MethodPost, serviceURL, []string{"v3", "conversations"}, body)
	if err != nil {
		return "", "", err
	}
	defer drainClose(resp.Body)
	var r schema.ConversationResourceResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxSuccessBody)).Decode(&r); err != nil || r.ID == "" {
		return "", "", fmt.Errorf("%w: createConversation answered %d without a conversation id", ErrBadResponse, resp.StatusCode)
	}
	return r.ID, r.ActivityID, nil
}

func (c *Client) postActivity(ctx context.Context, serviceURL string, segs []string, a schema.Activity) (string, error) {
	if a.Type == "" {
		a.Type = schema.Message
	}
	body, err := marshalActivity(a)
	if err != nil {
		return "", err
	}
	resp, err := c.do(ctx, http.MethodPost, serviceURL, segs, body)
	if err != nil {
		return "", err
	}
	defer drainClose(resp.Body)
	// The activity went out with any 2xx. A body we cannot read does not
	// change that: the id is then unknown, not an error, so that the caller
	// never sends it again.
	var r schema.ResourceResponse
	_ = json.NewDecoder(io.LimitReader(resp.Body, maxSuccessBody)).Decode(&r)
	return r.ID, nil
}

func marshalActivity(a schema.Activity) ([]byte, error) {
	body, err := marshalPruned(a, activityOpaque)
	if err != nil {
		return nil, fmt.Errorf("%w: encode activity: %w", ErrInvalidRequest, err)
	}
	return body, nil
}

// endpoint joins the serviceUrl and escaped path segments. Teams ids carry
// ':' ';' '@' (e.g. "19:abc@thread.skype;messageid=1"), so every segment is
// escaped like encodeURIComponent does.
func (c *Client) endpoint(serviceURL string, segs []string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(serviceURL))
	if err != nil {
		return "", fmt.Errorf("%w: serviceUrl: %w", ErrInvalidRequest, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", fmt.Errorf("%w: serviceUrl %q is not an absolute http(s) URL", ErrInvalidRequest, u.Redacted())
	}
	if err := c.checkURL(u); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(u.Host)
	b.WriteString(strings.TrimRight(u.EscapedPath(), "/"))
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(escapeSegment(s))
	}
	return b.String(), nil
}

// escapeSegment percent-encodes everything but RFC 3986 unreserved bytes.
func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == '~' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}

// do sends one request and returns the response when it is 2xx; otherwise
// an *Error (connector answer) or a transport/token error.
func (c *Client) do(ctx context.Context, method, serviceURL string, segs []string, body []byte) (*http.Response, error) {
	for _, s := range segs {
		if s == "" {
			return nil, fmt.Errorf("%w: empty path segment", ErrInvalidRequest)
		}
	}
	endpoint, err := c.endpoint(serviceURL, segs)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.tokens != nil {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("connector: token: %w", err)
		}
		if tok == "" {
			return nil, errors.New("connector: token: token source returned an empty token")
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("connector: %s %s: %w", method, redactPath(endpoint), err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer drainClose(resp.Body)
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := parseError(resp.StatusCode, raw)
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	return nil, e
}

// redactPath keeps scheme and host for error messages; conversation ids in
// the path identify people.
func redactPath(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil {
		return u.Scheme + "://" + u.Host
	}
	return "connector"
}

func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	_ = body.Close()
}

// parseError reads the connector's error body. The documented shape is
// {"error":{"code":…,"message":…}}; Teams also answers {"code","message"}
// or {"message"} or plain text, and proxies answer HTML.
func parseError(status int, body []byte) *Error {
	e := &Error{Status: status}
	var wrapped struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &wrapped) == nil {
		e.Code, e.Message = wrapped.Error.Code, wrapped.Error.Message
		if e.Code == "" && e.Message == "" {
			e.Code, e.Message = wrapped.Code, wrapped.Message
		}
	} else if ct := bytes.TrimSpace(body); len(ct) > 0 && ct[0] != '<' {
		e.Message = string(ct)
	}
	e.Code = clean(e.Code, 100)
	e.Message = clean(e.Message, 500)
	return e
}

// clean makes outside text safe for logs and error strings: valid UTF-8,
// no control characters, bounded length.
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// maxRetryAfter bounds what a Retry-After header can make the caller wait.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads delta-seconds or an HTTP date (RFC 9110 §10.2.3).
// Anything unreadable counts as absent (0).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if v[0] >= '0' && v[0] <= '9' {
		var secs int64
		for i := 0; i < len(v); i++ {
			ch := v[i]
			if ch < '0' || ch > '9' {
				return 0
			}
			secs = secs*10 + int64(ch-'0')
			if secs > int64(maxRetryAfter/time.Second) {
				return maxRetryAfter
			}
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}
