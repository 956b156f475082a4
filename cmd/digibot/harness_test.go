package main

// Helpers for the tests that run `digibot serve` as real processes
// (replicas_test.go, faults_test.go): the test binary re-executes itself
// as a serve child, a fake Bot Connector records what the children send,
// and a private redis-server can be started and killed.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"digibot/storage/redis/redistest"
)

// envTestChild makes the test binary run `digibot serve` instead of the
// tests (see TestMain).
const envTestChild = "DIGIBOT_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(envTestChild) == "serve" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, []string{"serve"}, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "digibot:", err)
			os.Exit(exitCode(err))
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// waitUntil polls cond every 25 ms until it holds, failing the test after
// limit. Correctness never rests on a sleep: only the deadline is timed.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// writeConfig writes the YAML file a child reads through DIGIBOT_CONFIG.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "digibot.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveProc is one `digibot serve` child process.
type serveProc struct {
	name string
	base string // http://127.0.0.1:<port>
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{} // closed once the process has exited
	err  error         // its exit status, valid after done
}

// childEnv is the parent's environment without anything that configures
// Digibot (so the child is in dev mode unless env says otherwise), plus env.
func childEnv(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "DIGIBOT_") || strings.HasPrefix(k, "MICROSOFT_APP_") || strings.HasPrefix(k, "AZURE_") {
			continue
		}
		out = append(out, kv)
	}
	out = append(out, envTestChild+"=serve")
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// startServe starts a serve child with env (DIGIBOT_ADDR is chosen here)
// and waits until /healthz answers.
func startServe(t *testing.T, name string, env map[string]string) *serveProc {
	t.Helper()
	return startServes(t, []string{name}, env)[0]
}

// startServes launches the children together (they start in parallel) and
// waits until each answers /healthz.
func startServes(t *testing.T, names []string, env map[string]string) []*serveProc {
	t.Helper()
	procs := make([]*serveProc, len(names))
	for i, n := range names {
		procs[i] = launchServe(t, n, env)
	}
	for i := range procs {
		for try := 0; ; try++ {
			err := procs[i].waitHealthy(60 * time.Second)
			if err == nil {
				break
			}
			// Another process may have taken the port between freePort and
			// the child's listen; anything else is a real failure.
			if try < 3 && strings.Contains(err.Error(), "address already in use") {
				procs[i] = launchServe(t, names[i], env)
				continue
			}
			t.Fatalf("serve child %s did not start: %v", names[i], err)
		}
	}
	return procs
}

// launchServe starts a serve child without waiting for it. It is stopped
// when the test ends; its output is logged if the test failed, and a data
// race it reported fails the test.
func launchServe(t *testing.T, name string, env map[string]string) *serveProc {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	e := map[string]string{"DIGIBOT_ADDR": addr}
	for k, v := range env {
		e[k] = v
	}
	p := &serveProc{name: name, base: "http://" + addr, out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0])
	p.cmd.Env = childEnv(e)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(10 * time.Second)
		out := p.out.String()
		if strings.Contains(out, "WARNING: DATA RACE") {
			t.Errorf("serve child %s reported a data race:\n%s", name, lastBytes(out, 20000))
		} else if t.Failed() {
			t.Logf("serve child %s output (tail):\n%s", name, lastBytes(out, 6000))
		}
	})
	return p
}

// waitHealthy waits until /healthz answers 200; an error says why not
// (the child exited, with its output).
func (p *serveProc) waitHealthy(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("exited (%v):\n%s", p.err, lastBytes(p.out.String(), 4000))
		default:
		}
		if code, _ := p.get("/healthz"); code == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			p.kill()
			return fmt.Errorf("no /healthz after %s:\n%s", limit, lastBytes(p.out.String(), 4000))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// running reports whether the child has not exited.
func (p *serveProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill is kill -9.
func (p *serveProc) kill() {
	if p.running() {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// stop asks the child to shut down (SIGTERM) and kills it after grace.
func (p *serveProc) stop(grace time.Duration) {
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.kill()
	}
}

var childHTTP = &http.Client{Timeout: 30 * time.Second}

// get returns the status and body of GET path (status 0 when the child
// does not answer).
func (p *serveProc) get(path string) (int, string) {
	resp, err := childHTTP.Get(p.base + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post delivers an activity like Teams does and returns the HTTP status.
func (p *serveProc) post(t *testing.T, act map[string]any) int {
	t.Helper()
	body, err := json.Marshal(act)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := childHTTP.Post(p.base+"/api/messages", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Errorf("POST to %s: %v", p.name, err)
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// logs are the child's JSON log records so far.
func (p *serveProc) logs() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.out.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var rec map[string]any
		if json.Unmarshal(line, &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

// logsWith are the records with message msg.
func (p *serveProc) logsWith(msg string) []map[string]any {
	var out []map[string]any
	for _, r := range p.logs() {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// metric sums the samples of name whose labels include want, from the
// child's /metrics.
func (p *serveProc) metric(t *testing.T, name string, want map[string]string) float64 {
	t.Helper()
	code, body := p.get("/metrics")
	if code != http.StatusOK {
		t.Fatalf("%s /metrics: %d %s", p.name, code, body)
	}
	return metricSum(body, name, want)
}

var (
	sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
	labelRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

func metricSum(text, name string, want map[string]string) float64 {
	sum := 0.0
	for _, line := range strings.Split(text, "\n") {
		m := sampleRE.FindStringSubmatch(line)
		if m == nil || m[1] != name {
			continue
		}
		labels := map[string]string{}
		for _, l := range labelRE.FindAllStringSubmatch(m[2], -1) {
			labels[l[1]] = l[2]
		}
		match := true
		for k, v := range want {
			if labels[k] != v {
				match = false
			}
		}
		if v, err := strconv.ParseFloat(m[3], 64); match && err == nil {
			sum += v
		}
	}
	return sum
}

// A Teams user in a 1:1 chat with Digibot.
type teamsUser struct {
	aad, name, conv string
}

func newTeamsUser(i int, tag string) teamsUser {
	aad := fmt.Sprintf("%08x-0000-4000-8000-%012x", i+1, crc32.ChecksumIEEE([]byte(tag)))
	return teamsUser{aad: aad, name: fmt.Sprintf("Användare %d", i), conv: "a:" + tag + "-" + strconv.Itoa(i)}
}

// activity is a personal-chat activity from u, as Teams posts it.
func (u teamsUser) activity(serviceURL, id string) map[string]any {
	return map[string]any{
		"type": "message", "id": id, "serviceUrl": serviceURL, "channelId": "msteams", "locale": "sv-SE",
		"from":         map[string]any{"id": "29:" + u.aad, "aadObjectId": u.aad, "name": u.name},
		"recipient":    map[string]any{"id": "28:digibot", "name": "Digibot"},
		"conversation": map[string]any{"id": u.conv, "conversationType": "personal", "tenantId": "tenant-test"},
	}
}

func (u teamsUser) message(serviceURL, id, text string) map[string]any {
	a := u.activity(serviceURL, id)
	a["text"] = text
	return a
}

// submit is an Action.Submit press: a message with the card's data as value.
func (u teamsUser) submit(serviceURL, id string, value map[string]any) map[string]any {
	a := u.activity(serviceURL, id)
	a["value"] = value
	return a
}

// connRequest is one request the fake Bot Connector received.
type connRequest struct {
	Method   string
	Conv     string // conversation id from the path; "" for createConversation
	PathID   string // activity id in the path: replied to (POST) or updated (PUT)
	Activity map[string]any
	Raw      string
	Status   int // what the fake answered; 0 when the client went away first
	At       time.Time
}

func (r connRequest) ok() bool { return r.Status/100 == 2 }

// replyToID is the activity a message answers, from the path or the body
// (an outbox delivery of a reply carries it in the body).
func (r connRequest) replyToID() string {
	if r.PathID != "" && r.Method == http.MethodPost {
		return r.PathID
	}
	s, _ := r.Activity["replyToId"].(string)
	return s
}

// connPolicy decides the answer to a request given how many requests were
// answered 2xx before it: a status (0: the default 201) or hold (keep the
// request open until the client goes away or the policy changes).
type connPolicy func(r connRequest, okSoFar int) (status int, hold bool)

// fakeConnector is a Bot Connector on httptest that records every request.
type fakeConnector struct {
	srv *httptest.Server

	mu      sync.Mutex
	reqs    []connRequest
	bad     []string
	policy  connPolicy
	okSoFar int
	heldNow int
	release chan struct{} // closed when the policy changes: held requests are re-decided
	nextID  int
}

func newFakeConnector(t *testing.T) *fakeConnector {
	f := &fakeConnector{release: make(chan struct{})}
	f.srv = httptest.NewServer(f)
	t.Cleanup(func() {
		f.setPolicy(nil)
		f.srv.Close()
		for _, b := range f.problems() {
			t.Errorf("fake connector: %s", b)
		}
	})
	return f
}

func (f *fakeConnector) URL() string { return f.srv.URL }

// setPolicy replaces the policy and wakes held requests so they are
// decided again.
func (f *fakeConnector) setPolicy(p connPolicy) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.policy = p
	close(f.release)
	f.release = make(chan struct{})
}

func (f *fakeConnector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	req := connRequest{Method: r.Method, Raw: string(raw), At: time.Now()}
	segs, perr := connSegments(r.URL.EscapedPath())
	jerr := json.Unmarshal(raw, &req.Activity)
	switch {
	case perr != nil:
		f.problem("path: " + perr.Error())
	case jerr != nil:
		f.problem("body is not JSON: " + lastBytes(string(raw), 200))
	case r.Method == http.MethodPost && len(segs) == 0:
	case r.Method == http.MethodPost && len(segs) == 2 && segs[1] == "activities":
		req.Conv = segs[0]
	case (r.Method == http.MethodPost || r.Method == http.MethodPut) && len(segs) == 3 && segs[1] == "activities":
		req.Conv, req.PathID = segs[0], segs[2]
	default:
		f.problem(fmt.Sprintf("unexpected %s %s", r.Method, r.URL.EscapedPath()))
	}
	status := 0
	f.mu.Lock()
	for {
		s, hold := 0, false
		if f.policy != nil {
			s, hold = f.policy(req, f.okSoFar)
		}
		if !hold {
			status = s
			break
		}
		f.heldNow++
		release := f.release
		f.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-release:
		}
		f.mu.Lock()
		f.heldNow--
		if r.Context().Err() != nil {
			// The client went away (killed): nothing was delivered.
			f.reqs = append(f.reqs, req)
			f.mu.Unlock()
			return
		}
	}
	if status == 0 {
		status = http.StatusCreated
		if r.Method == http.MethodPut {
			status = http.StatusOK
		}
	}
	req.Status = status
	var resp string
	if status/100 == 2 {
		f.okSoFar++
		f.nextID++
		switch {
		case r.Method == http.MethodPost && len(segs) == 0:
			resp = fmt.Sprintf(`{"id":"a:created-%d","activityId":"1:%d"}`, f.nextID, f.nextID)
		case r.Method == http.MethodPut:
			resp = fmt.Sprintf(`{"id":%q}`, req.PathID)
		default:
			resp = fmt.Sprintf(`{"id":"1:%d"}`, f.nextID)
		}
	} else {
		resp = `{"error":{"code":"ServiceError","message":"fake connector storm"}}`
	}
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, resp)
}

// connSegments returns the unescaped path segments after /v3/conversations.
func connSegments(escaped string) ([]string, error) {
	rest, ok := strings.CutPrefix(escaped, "/v3/conversations")
	if !ok {
		return nil, fmt.Errorf("%q is not under /v3/conversations", escaped)
	}
	rest = strings.Trim(rest, "/")
	if rest == "" {
		return nil, nil
	}
	var segs []string
	for _, s := range strings.Split(rest, "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, err
		}
		segs = append(segs, u)
	}
	return segs, nil
}

func (f *fakeConnector) problem(s string) {
	f.mu.Lock()
	f.bad = append(f.bad, s)
	f.mu.Unlock()
}

func (f *fakeConnector) problems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bad...)
}

// requests returns a copy of everything received so far.
func (f *fakeConnector) requests() []connRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]connRequest(nil), f.reqs...)
}

func (f *fakeConnector) held() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.heldNow
}

// where selects requests.
func (f *fakeConnector) where(keep func(connRequest) bool) []connRequest {
	var out []connRequest
	for _, r := range f.requests() {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// delivered are the 2xx-answered messages into conv that answer activity
// id (directly or through the outbox).
func (f *fakeConnector) delivered(conv, id string) []connRequest {
	return f.where(func(r connRequest) bool { return r.ok() && r.Conv == conv && r.replyToID() == id })
}

// deliveredText is the JSON of the single message delivered in answer to
// id in conv; the test fails if there is not exactly one.
func (f *fakeConnector) deliveredText(t *testing.T, conv, id string) string {
	t.Helper()
	got := f.delivered(conv, id)
	if len(got) != 1 {
		t.Fatalf("%d messages delivered in %s answering %s, want 1", len(got), conv, id)
	}
	return got[0].Raw
}

// findInput returns the card input with id anywhere in v.
func cardInput(v any, id string) map[string]any {
	switch x := v.(type) {
	case map[string]any:
		if x["id"] == id {
			if tp, _ := x["type"].(string); strings.HasPrefix(tp, "Input.") {
				return x
			}
		}
		for _, c := range x {
			if m := cardInput(c, id); m != nil {
				return m
			}
		}
	case []any:
		for _, c := range x {
			if m := cardInput(c, id); m != nil {
				return m
			}
		}
	}
	return nil
}

// choices are the values of an Input.ChoiceSet.
func choiceValues(in map[string]any) []string {
	var out []string
	cs, _ := in["choices"].([]any)
	for _, c := range cs {
		m, _ := c.(map[string]any)
		if v, ok := m["value"].(string); ok {
			out = append(out, v)
		}
	}
	return out
}

// requireRedisServer skips (fails in CI) when redis-server is not installed.
func requireRedisServer(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("redis-server")
	if err != nil {
		if redistest.InCI() {
			t.Fatalf("redis-server is not installed, and CI requires the Redis fault tests: %v", err)
		}
		t.Skipf("redis-server is not installed (CI fails here instead of skipping): %v", err)
	}
	return p
}

// redisProc is a private redis-server on a port of its own.
type redisProc struct {
	bin, dir string
	port     int
	aof      bool
	cmd      *exec.Cmd
	out      *lockedBuffer
	done     chan struct{}
}

// startPrivateRedis starts redis-server on port with its files in dir;
// aof makes every write durable (appendfsync always), so the data
// survives a kill -9 and a restart.
func startPrivateRedis(t *testing.T, port int, dir string, aof bool) *redisProc {
	t.Helper()
	r := &redisProc{bin: requireRedisServer(t), dir: dir, port: port, aof: aof}
	r.start(t)
	return r
}

func (r *redisProc) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

func (r *redisProc) start(t *testing.T) {
	t.Helper()
	args := []string{"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--dir", r.dir}
	if r.aof {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	r.out = &lockedBuffer{}
	r.done = make(chan struct{})
	r.cmd = exec.Command(r.bin, args...)
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd, done, out := r.cmd, r.done, r.out
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("redis-server :%d output (tail):\n%s", r.port, lastBytes(out.String(), 3000))
		}
	})
	waitUntil(t, 15*time.Second, "private redis-server to answer PING", func() bool {
		select {
		case <-done:
			t.Fatalf("redis-server exited:\n%s", out.String())
		default:
		}
		return redisPing(r.addr()) == nil
	})
}

// kill is kill -9 of the redis-server.
func (r *redisProc) kill() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// redisPing speaks RESP directly, so the check needs no client state.
func redisPing(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "PING\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return errors.New("redis answered " + strings.TrimSpace(line))
	}
	return nil
}
