package status

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"digibot/bot/connector"
	"digibot/bot/outbox"
	"digibot/storage"
)

// The 1,000-owner run: the nudge job enqueues one card per owner into a
// real embedded store, and the real outbox worker drains it through the
// real Bot Connector client into a fake connector that answers 429 with
// Retry-After at random and is restarted mid-run; the worker itself is
// restarted too. It runs in a synctest bubble, so Teams' real limits
// (30/s per tenant) are kept on a fake clock: the 33+ s of the run take
// a few seconds of wall time. Connections are in-memory pipes, which
// block durably, so the bubble's clock only moves when nothing is on
// the wire.

// pipeNet is an in-memory network whose listener can be replaced: while
// it is down, dialling is refused like a restarting server's port.
type pipeNet struct {
	mu  sync.Mutex
	cur *pipeListener
}

type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.closed) }); return nil }
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "connector.test:80" }

func (n *pipeNet) set(l *pipeListener) { n.mu.Lock(); n.cur = l; n.mu.Unlock() }

func (n *pipeNet) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	n.mu.Lock()
	l := n.cur
	n.mu.Unlock()
	if l == nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// connReq is one request as the fake connector saw it.
type connReq struct {
	at         time.Time
	conv       string
	status     int
	retryAfter time.Duration
}

// fakeTeams speaks the Bot Connector's send-to-conversation protocol.
type fakeTeams struct {
	mu    sync.Mutex
	rng   *rand.Rand
	p429  float64
	reqs  []connReq
	ok    map[string]int
	bad   []string
	total int
}

func (f *fakeTeams) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	path := r.URL.EscapedPath()
	i := strings.Index(path, "/v3/conversations/")
	segs := strings.Split(strings.TrimPrefix(path[max(i, 0):], "/v3/conversations/"), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	var body struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string         `json:"contentType"`
			Content     map[string]any `json:"content"`
		} `json:"attachments"`
	}
	conv := ""
	if len(segs) == 2 && segs[1] == "activities" && r.Method == http.MethodPost {
		conv, _ = url.PathUnescape(segs[0])
	}
	switch {
	case i < 0 || conv == "":
		f.bad = append(f.bad, r.Method+" "+path)
	case json.Unmarshal(raw, &body) != nil || body.Type != "message" || len(body.Attachments) != 1 ||
		body.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" || body.Attachments[0].Content["type"] != "AdaptiveCard":
		f.bad = append(f.bad, "not a card: "+string(raw[:min(len(raw), 200)]))
	}
	req := connReq{at: time.Now(), conv: conv, status: http.StatusCreated}
	if f.rng.Float64() < f.p429 {
		req.status, req.retryAfter = http.StatusTooManyRequests, time.Duration(1+f.rng.IntN(2))*time.Second
	}
	f.reqs = append(f.reqs, req)
	w.Header().Set("Content-Type", "application/json")
	if req.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", fmt.Sprint(int(req.retryAfter/time.Second)))
		w.WriteHeader(req.status)
		_, _ = io.WriteString(w, `{"error":{"code":"ThrottledRequest","message":"Too many requests for this conversation"}}`)
		return
	}
	f.ok[conv]++
	f.total++
	w.WriteHeader(req.status)
	_, _ = fmt.Fprintf(w, `{"id":"1:%d"}`, f.total)
}

func (f *fakeTeams) delivered() int { f.mu.Lock(); defer f.mu.Unlock(); return f.total }

// maxInWindow is the most requests in any window of length per.
func maxInWindow(ts []time.Time, per time.Duration) int {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= per {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

type thousandResult struct {
	elapsed   time.Duration // first send to last request, fake clock
	minimum   time.Duration // what the tenant limit allows for 1,000 sends
	forReqs   time.Duration // … for the requests actually made (429s use slots too)
	requests  int
	throttled int
}

const thousandOwners = 1000

// runThousand performs the run in the current bubble and checks it.
func runThousand(t testing.TB, seed uint64) thousandResult {
	ctx := context.Background()
	const connectorURL = "http://connector.test/emea/"
	st := openStore(t, "", nil) // its clock is the bubble's
	cfg := Config{Owners: map[string][]string{}}
	var owners []string
	for i := range thousandOwners {
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i+1, i+1)
		owners = append(owners, id)
		act := fmt.Sprintf("A%02d", i%39+1)
		cfg.Owners[act] = append(cfg.Owners[act], "aad:"+id)
		err := st.PutReference(ctx, storage.Reference{
			Key: storage.UserKey(id), ConversationID: "a:conv-" + id, ConversationType: storage.ConversationPersonal,
			ServiceURL: connectorURL, TenantID: tenant, ChannelID: "msteams", UserAADID: id, UpdatedAt: time.Now(),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(Options{Config: cfg, Store: st, Calendar: calendar(t), TenantID: tenant, ServiceURL: connectorURL, Now: time.Now, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	period := periodOf(time.Now())
	stats, err := s.RunNudge(ctx, period, time.Now())
	if err != nil || stats.Enqueued != thousandOwners {
		t.Fatalf("nudge run %+v %v", stats, err)
	}

	fake := &fakeTeams{rng: rand.New(rand.NewPCG(seed, 1)), p429: 0.03, ok: map[string]int{}}
	pn := &pipeNet{}
	serve := func() *http.Server {
		l := newPipeListener()
		srv := &http.Server{Handler: fake}
		go func() { _ = srv.Serve(l) }()
		pn.set(l)
		return srv
	}
	srv := serve()
	tr := &http.Transport{DialContext: pn.Dial, MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	client := connector.New(&http.Client{Transport: tr}, nil, connector.WithServiceURLCheck(func(*url.URL) error { return nil }))
	newWorker := func(owner string) (stop func()) {
		w, err := outbox.New(st, client, outbox.Config{Owner: owner, Logger: quietLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = w.Run(wctx) }()
		return func() { cancel(); <-done }
	}
	start := time.Now()
	stop := newWorker("worker-1")

	waitFor := func(n int) {
		for fake.delivered() < n {
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The connector restarts at 40 %: in-flight requests finish, new
	// connections are refused for a second, then a new server listens.
	const outage = time.Second
	waitFor(thousandOwners * 4 / 10)
	pn.set(nil)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_ = srv.Shutdown(sctx)
	cancel()
	time.Sleep(outage)
	srv = serve()
	defer srv.Close()
	// A crashed nudge run taken over now enqueues nothing.
	if again, err := s.RunNudge(ctx, period, start); err != nil || again.Enqueued != 0 || again.AlreadyDone != thousandOwners {
		t.Fatalf("re-run %+v %v", again, err)
	}
	// The worker restarts at 70 % (a deploy): the old one finishes its
	// calls and releases the lock; the new one starts a second later, as
	// a new process would (the rate limiter's log lives in memory).
	waitFor(thousandOwners * 7 / 10)
	stop()
	const restartGap = time.Second
	time.Sleep(restartGap)
	stop = newWorker("worker-2")
	defer stop()

	for {
		c, err := st.CountOutbox(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Failed > 0 {
			t.Fatalf("outbox %+v", c)
		}
		if c.Delivered == thousandOwners {
			break
		}
		if time.Since(start) > time.Hour {
			t.Fatalf("not drained after an hour of fake time: %+v", c)
		}
		time.Sleep(20 * time.Millisecond)
	}

	fake.mu.Lock()
	reqs := append([]connReq(nil), fake.reqs...)
	okc := fake.ok
	bad := fake.bad
	fake.mu.Unlock()
	for _, b := range bad {
		t.Errorf("protocol: %s", b)
	}
	// Every owner got exactly one nudge.
	for _, id := range owners {
		if n := okc["a:conv-"+id]; n != 1 {
			t.Errorf("owner %s got %d nudges", id, n)
		}
	}
	if len(okc) != thousandOwners {
		t.Errorf("%d conversations got a nudge, want %d", len(okc), thousandOwners)
	}
	// Teams' limits held in every window, and no conversation was sent
	// to before the Retry-After it was given.
	limits := outbox.TeamsLimits()
	perConv := map[string][]time.Time{}
	var all []time.Time
	var last time.Time
	throttled := 0
	pausedUntil := map[string]time.Time{}
	for _, r := range reqs {
		if until, ok := pausedUntil[r.conv]; ok && r.at.Before(until) {
			t.Errorf("request to %s at %s during its Retry-After pause until %s", r.conv, r.at, until)
		}
		if r.status == http.StatusTooManyRequests {
			throttled++
			pausedUntil[r.conv] = r.at.Add(r.retryAfter)
		}
		perConv[r.conv] = append(perConv[r.conv], r.at)
		all = append(all, r.at)
		if r.at.After(last) {
			last = r.at
		}
	}
	for _, w := range limits.Tenant {
		if n := maxInWindow(append([]time.Time(nil), all...), w.Per); n > w.Limit {
			t.Errorf("tenant: %d requests within %s (limit %d)", n, w.Per, w.Limit)
		}
	}
	for conv, ts := range perConv {
		for _, w := range limits.Conversation {
			if n := maxInWindow(ts, w.Per); n > w.Limit {
				t.Errorf("conversation %s: %d requests within %s (limit %d)", conv, n, w.Per, w.Limit)
			}
		}
	}
	// The minimum the tenant limit allows: request k can go at
	// floor(k/30) s at the earliest. (A pause of up to a second, like
	// the outage and the restart gap, fits between two such bursts, so
	// it adds nothing to this bound.)
	lim := limits.Tenant[0]
	minFor := func(n int) time.Duration { return time.Duration((n-1)/lim.Limit) * lim.Per }
	return thousandResult{
		elapsed:   last.Sub(start),
		minimum:   minFor(thousandOwners),
		forReqs:   minFor(len(reqs)),
		requests:  len(reqs),
		throttled: throttled,
	}
}

// TestThousandOwnersNudgedOnceWithinLimits: see runThousand. The run time
// on the fake clock must be within 15 % of the minimum Teams' tenant limit
// allows for 1,000 sends (33 s), although 3 % of the requests are
// throttled, the connector is down for a second and the worker restarts.
func TestThousandOwnersNudgedOnceWithinLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := runThousand(t, 20261201)
		ratio := float64(r.elapsed) / float64(r.minimum)
		t.Logf("%d owners, %d requests (%d answered 429 with Retry-After), run %s on the fake clock; "+
			"minimum for 1,000 sends %s: ratio %.3f; minimum for the %d requests made %s: ratio %.3f",
			thousandOwners, r.requests, r.throttled, r.elapsed, r.minimum, ratio, r.requests, r.forReqs, float64(r.elapsed)/float64(r.forReqs))
		if r.throttled == 0 {
			t.Error("the connector never throttled: the test did not test Retry-After")
		}
		if ratio > 1.15 {
			t.Errorf("run %s is %.3f × the minimum %s the limits allow", r.elapsed, ratio, r.minimum)
		}
	})
}
