package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/connector"
	"digibot/storage"
)

// memNet is an in-memory network for tests inside a synctest bubble:
// net.Pipe connections block durably, so the bubble's clock only moves
// when no request is on the wire.
type memNet struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newMemNet() *memNet {
	return &memNet{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (m *memNet) Accept() (net.Conn, error) {
	select {
	case c := <-m.conns:
		return c, nil
	case <-m.closed:
		return nil, net.ErrClosed
	}
}

func (m *memNet) Close() error {
	m.once.Do(func() { close(m.closed) })
	return nil
}

func (m *memNet) Addr() net.Addr { return memAddr{} }

func (m *memNet) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case m.conns <- server:
		return client, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-m.closed:
		return nil, net.ErrClosed
	}
}

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }

// served is a fake connector behind an HTTP server, reachable through
// client.
type served struct {
	fake   *fakeConnector
	client *connector.Client
	close  func()
}

// serveMem serves fake on an in-memory network (inside a bubble).
func serveMem(fake *fakeConnector, tok string) *served {
	mn := newMemNet()
	srv := &http.Server{Handler: fake}
	go func() { _ = srv.Serve(mn) }()
	tr := &http.Transport{DialContext: mn.Dial, MaxIdleConnsPerHost: 32}
	c := connector.New(&http.Client{Transport: tr}, staticToken(tok), connector.WithServiceURLCheck(func(*url.URL) error { return nil }))
	return &served{fake: fake, client: c, close: func() {
		tr.CloseIdleConnections()
		_ = srv.Close()
	}}
}

type staticToken string

func (s staticToken) Token(context.Context) (string, error) { return string(s), nil }

// answer is one scripted response.
type answer struct {
	status     int
	retryAfter string
	body       string
}

// fakeReq is one request as the fake connector saw it.
type fakeReq struct {
	At         time.Time
	Method     string
	Conv       string // conversation id from the path ("" for create)
	ActivityID string // from the path (reply/update)
	Marker     string // activity text, or "create:<member>"
	Auth       string
	Status     int
	RetryAfter string
	Answer     string // response body
	Body       map[string]any
}

// fakeConnector speaks the Bot Connector v3 wire protocol and records every
// request. Activities are keyed by their text (the entry's marker).
type fakeConnector struct {
	now func() time.Time

	mu        sync.Mutex
	reqs      []fakeReq
	seen      map[string]int    // marker → requests
	delivered map[string]int    // marker → 2xx answers
	actID     map[string]string // marker → activity id answered
	bad       []string          // protocol violations
	ok        int               // 2xx answers
	nextID    int
	script    func(marker string, attempt int, at time.Time) answer
	holdAfter int           // >=0: after this many 2xx, hold new requests …
	release   chan struct{} // … until this closes (or the client goes away)
	held      int
	heldNow   int
	convOf    func(member string) string // createConversation answer
}

func newFakeConnector(now func() time.Time) *fakeConnector {
	return &fakeConnector{
		now:       now,
		seen:      map[string]int{},
		delivered: map[string]int{},
		actID:     map[string]string{},
		release:   make(chan struct{}),
		holdAfter: -1,
		convOf:    func(member string) string { return "a:personal-" + member },
	}
}

func (f *fakeConnector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var body map[string]any
	req := fakeReq{Method: r.Method, Auth: r.Header.Get("Authorization")}
	segs, perr := pathSegments(r.URL.EscapedPath())
	f.mu.Lock()
	switch {
	case perr != nil:
		f.bad = append(f.bad, "path: "+perr.Error())
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		f.bad = append(f.bad, "content type "+r.Header.Get("Content-Type"))
	case json.Unmarshal(raw, &body) != nil:
		f.bad = append(f.bad, "body not JSON: "+string(raw))
	case strings.Contains(string(raw), "0001-01-01"):
		f.bad = append(f.bad, "zero time in body: "+string(raw))
	}
	req.Body = body
	create := false
	switch {
	case r.Method == http.MethodPost && len(segs) == 0:
		create = true
		members, _ := body["members"].([]any)
		if len(members) == 1 {
			m, _ := members[0].(map[string]any)
			id, _ := m["id"].(string)
			req.Marker = "create:" + id
		}
	case r.Method == http.MethodPost && len(segs) == 2 && segs[1] == "activities":
		req.Conv = segs[0]
	case (r.Method == http.MethodPut || r.Method == http.MethodPost) && len(segs) == 3 && segs[1] == "activities":
		req.Conv, req.ActivityID = segs[0], segs[2]
	default:
		f.bad = append(f.bad, fmt.Sprintf("unexpected %s %s", r.Method, r.URL.EscapedPath()))
	}
	if !create {
		req.Marker, _ = body["text"].(string)
	}
	attempt := f.seen[req.Marker]
	f.seen[req.Marker]++
	a := answer{status: http.StatusCreated}
	if r.Method == http.MethodPut {
		a.status = http.StatusOK
	}
	if f.script != nil {
		if s := f.script(req.Marker, attempt, f.now()); s.status != 0 {
			a = s
		}
	}
	if a.status/100 == 2 && f.holdAfter >= 0 && f.ok >= f.holdAfter {
		f.held++
		f.heldNow++
		f.mu.Unlock()
		select {
		case <-r.Context().Done():
			f.mu.Lock()
			f.heldNow--
			f.mu.Unlock()
			return // the client went away: nothing delivered
		case <-f.release:
		}
		f.mu.Lock()
		f.heldNow--
	}
	req.At = f.now()
	req.Status, req.RetryAfter = a.status, a.retryAfter
	var resp string
	if a.status/100 == 2 {
		f.ok++
		f.delivered[req.Marker]++
		f.nextID++
		switch {
		case create:
			member := strings.TrimPrefix(req.Marker, "create:")
			resp = fmt.Sprintf(`{"id":%q,"activityId":""}`, f.convOf(member))
		case r.Method == http.MethodPut:
			resp = fmt.Sprintf(`{"id":%q}`, req.ActivityID)
		default:
			id := fmt.Sprintf("1:%d", f.nextID)
			f.actID[req.Marker] = id
			resp = fmt.Sprintf(`{"id":%q}`, id)
		}
	} else {
		resp = a.body
		req.Answer = a.body
	}
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, resp)
}

// pathSegments returns the unescaped segments after /v3/conversations.
func pathSegments(escaped string) ([]string, error) {
	i := strings.Index(escaped, "/v3/conversations")
	if i < 0 {
		return nil, fmt.Errorf("no /v3/conversations in %q", escaped)
	}
	rest := strings.TrimPrefix(escaped[i+len("/v3/conversations"):], "/")
	if rest == "" {
		return nil, nil
	}
	var segs []string
	for _, s := range strings.Split(rest, "/") {
		if strings.ContainsAny(s, ":;@") {
			return nil, fmt.Errorf("segment %q not escaped", s)
		}
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, err
		}
		segs = append(segs, u)
	}
	return segs, nil
}

func (f *fakeConnector) snapshot() (reqs []fakeReq, delivered map[string]int, actID map[string]string, bad []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delivered = map[string]int{}
	for k, v := range f.delivered {
		delivered[k] = v
	}
	actID = map[string]string{}
	for k, v := range f.actID {
		actID[k] = v
	}
	return append([]fakeReq(nil), f.reqs...), delivered, actID, append([]string(nil), f.bad...)
}

func (f *fakeConnector) okCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ok
}

func (f *fakeConnector) heldCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.heldNow
}

func (f *fakeConnector) releaseHeld() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.holdAfter = -1
	select {
	case <-f.release:
	default:
		close(f.release)
	}
}

func hash(s string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return h.Sum32()
}

// checkWindows asserts that no sliding window of ws holds more than its
// limit of the times in groups.
func checkWindows(t *testing.T, what string, groups map[string][]time.Time, ws []Window) {
	t.Helper()
	for key, ts := range groups {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		for _, w := range ws {
			for i := 0; i+w.Limit < len(ts); i++ {
				if d := ts[i+w.Limit].Sub(ts[i]); d < w.Per {
					t.Errorf("%s %s: %d requests within %s (limit %d per %s), from %s", what, key, w.Limit+1, d, w.Limit, w.Per, ts[i].Format("15:04:05.000"))
					break
				}
			}
		}
	}
}

// seedRefs stores n references conv0…conv(n-1) over the given tenants and
// returns their keys, conversation ids and tenants.
type convInfo struct {
	key, id, tenant, serviceURL string
}

func seedRefs(t testing.TB, ctx context.Context, s Store, n int, tenants []string, serviceURL string) []convInfo {
	t.Helper()
	var out []convInfo
	for i := range n {
		id := fmt.Sprintf("19:conv%d@thread.tacv2;messageid=%d", i, 1000+i)
		c := convInfo{key: storage.ConversationKey(id), id: id, tenant: tenants[i%len(tenants)], serviceURL: serviceURL}
		err := s.PutReference(ctx, storage.Reference{
			Key: c.key, ConversationID: id, ConversationType: storage.ConversationChannel,
			ServiceURL: serviceURL, TenantID: c.tenant, ChannelID: "msteams", UpdatedAt: time.Now(),
		})
		if err != nil {
			t.Fatalf("put reference: %v", err)
		}
		out = append(out, c)
	}
	return out
}

func activityJSON(t testing.TB, text string) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(schema.Activity{Type: schema.Message, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func enqueue(t testing.TB, ctx context.Context, s Store, e storage.OutboxEntry) {
	t.Helper()
	if e.Activity == nil {
		e.Activity = activityJSON(t, e.ID)
	}
	if e.Kind == "" {
		e.Kind = "nudge"
	}
	created, err := s.Enqueue(ctx, e)
	if err != nil || !created {
		t.Fatalf("enqueue %s: created=%v err=%v", e.ID, created, err)
	}
}

// waitSettled polls (in the caller's clock: fake inside a bubble) until n
// entries are delivered or failed.
func waitSettled(t testing.TB, ctx context.Context, s Store, n int, limit time.Duration) storage.OutboxCounts {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		c, err := s.CountOutbox(ctx)
		if err != nil {
			t.Fatalf("count: %v", err)
		}
		if c.Delivered+c.Failed >= n {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %+v, want %d settled", limit, c, n)
		}
		// Fake time is free; real polls are not: poll coarsely, so that
		// a broken store fails the test soon rather than late.
		time.Sleep(500 * time.Millisecond)
	}
}

// countingObserver counts events.
type countingObserver struct {
	mu                                  sync.Mutex
	delivered, retried, throttled, fail int
	byStatus                            map[int]int
}

func (o *countingObserver) Delivered(string) { o.mu.Lock(); o.delivered++; o.mu.Unlock() }
func (o *countingObserver) Retried(_ string, status int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.retried++
	if o.byStatus == nil {
		o.byStatus = map[int]int{}
	}
	o.byStatus[status]++
}
func (o *countingObserver) Throttled()    { o.mu.Lock(); o.throttled++; o.mu.Unlock() }
func (o *countingObserver) Failed(string) { o.mu.Lock(); o.fail++; o.mu.Unlock() }
func (o *countingObserver) counts() [4]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return [4]int{o.delivered, o.retried, o.throttled, o.fail}
}

// testLogger sends the worker's warnings to the test output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// startWorker runs w until the returned stop is called; stop waits for Run.
func startWorker(t testing.TB, w *Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	}
}

// NopConnector fails every call; for tests that never send.
type NopConnector struct{}

func (NopConnector) SendToConversation(context.Context, string, string, schema.Activity) (string, error) {
	return "", errors.New("nop")
}
func (NopConnector) UpdateActivity(context.Context, string, string, string, schema.Activity) error {
	return errors.New("nop")
}
func (NopConnector) CreateConversation(context.Context, string, schema.ConversationParameters) (string, string, error) {
	return "", "", errors.New("nop")
}
