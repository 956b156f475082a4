// Command digibot-load drives a running dev-mode Digibot from a second
// process on loopback: virtual users ask questions, book and cancel
// IT-coaching and open their status cards, while a built-in fake Bot
// Connector receives the replies. It reports sustained turns per second,
// latency percentiles and, with -pid, the server's memory over time.
// Every run is bounded in requests and time and targets loopback only.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var questions = []string{
	"vad är digital basnivå?", "vem ansvarar för systemägarrådet", "vilka är de vägledande principerna",
	"vad betyder förflyttning 3", "hur bokar jag it-coachning", "vad är digital signering",
	"who is responsible for the IT coaching service?", "what is the digital base level",
	"vad är koncernarkitektur", "vad är A12?", "vem ansvarar för X-trafiks digitala tjänster",
	"hur mäts digital kompetens", "vad är ett digitalt arv", "när gäller strategin till",
	"vad är Min vård Gävleborg", "vad är NKI", "stark autentisering, hur funkar det",
	"vad gör koncernledningen i strategin", "vad blir det för lunch idag?", "hjälp",
}

type config struct {
	target      string
	users       int
	concurrency int
	duration    time.Duration
	maxRequests int64
	mix         map[string]int
	pid         int
	sample      time.Duration
	rate        float64 // scenarios started per second; 0 = as fast as the concurrency allows
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("digibot-load", flag.ContinueOnError)
	c := config{}
	fs.StringVar(&c.target, "target", "http://127.0.0.1:3978/api/messages", "Digibot's messaging endpoint (loopback only)")
	fs.IntVar(&c.users, "users", 200, "virtual users, each in its own 1:1 conversation")
	fs.IntVar(&c.concurrency, "concurrency", 16, "requests in flight")
	fs.DurationVar(&c.duration, "duration", 60*time.Second, "how long to run (at most 15m)")
	fs.Int64Var(&c.maxRequests, "max-requests", 1_000_000, "stop after this many turns")
	mix := fs.String("mix", "ask=70,book=20,status=10", "scenario weights")
	fs.IntVar(&c.pid, "pid", 0, "Digibot's process id, to sample its memory (VmRSS)")
	fs.DurationVar(&c.sample, "sample", 10*time.Second, "memory sampling interval")
	fs.Float64Var(&c.rate, "rate", 0, "scenarios started per second (open loop, e.g. for a soak); 0 = closed loop at full speed")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	u, err := url.Parse(c.target)
	if err != nil || u.Host == "" {
		return c, fmt.Errorf("-target %q is not a URL", c.target)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return c, fmt.Errorf("-target must be on loopback, not %s", u.Host)
	}
	if c.duration <= 0 || c.duration > 15*time.Minute {
		return c, errors.New("-duration must be within (0, 15m]")
	}
	if c.rate < 0 || c.rate > 10000 {
		return c, errors.New("-rate must be within [0, 10000]")
	}
	if c.users < 1 || c.concurrency < 1 || c.maxRequests < 1 {
		return c, errors.New("-users, -concurrency and -max-requests must be positive")
	}
	c.mix = map[string]int{}
	for _, part := range strings.Split(*mix, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || (k != "ask" && k != "book" && k != "status") {
			return c, fmt.Errorf("-mix: bad part %q (want ask=N,book=N,status=N)", part)
		}
		c.mix[k] = n
	}
	return c, nil
}

// connector is a fake Bot Connector that keeps the last card sent to each
// conversation, so that a virtual user can press its buttons.
type connector struct {
	mu    sync.Mutex
	cards map[string]map[string]any // conversation id -> last card
	n     atomic.Int64
}

func (c *connector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var a struct {
		Attachments []struct {
			ContentType string         `json:"contentType"`
			Content     map[string]any `json:"content"`
		} `json:"attachments"`
	}
	_ = json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&a)
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v3/conversations/"), "/")
	if len(parts) > 0 {
		for _, at := range a.Attachments {
			if at.ContentType == "application/vnd.microsoft.card.adaptive" {
				c.mu.Lock()
				c.cards[parts[0]] = at.Content
				c.mu.Unlock()
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"id":"m%d"}`, c.n.Add(1))
}

func (c *connector) card(conv string) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cards[conv]
}

// press finds the first Action.Submit whose data.action has the prefix and
// returns its data merged with the card's input defaults and overrides.
func press(card map[string]any, prefix string, over map[string]any) map[string]any {
	inputs := map[string]any{}
	var action map[string]any
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			t, _ := x["type"].(string)
			if strings.HasPrefix(t, "Input.") {
				if id, _ := x["id"].(string); id != "" {
					val := x["value"]
					if val == nil && t == "Input.ChoiceSet" {
						if ch, _ := x["choices"].([]any); len(ch) > 0 {
							val = ch[rand.IntN(len(ch))].(map[string]any)["value"]
						}
					}
					if val != nil {
						inputs[id] = val
					}
				}
			}
			if t == "Action.Submit" && action == nil {
				if d, _ := x["data"].(map[string]any); d != nil {
					if name, _ := d["action"].(string); strings.HasPrefix(name, prefix) {
						action = d
					}
				}
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(card)
	if action == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range inputs {
		out[k] = v
	}
	for k, v := range action {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

type result struct {
	lat  []time.Duration
	errs map[string]int
}

type runner struct {
	cfg     config
	conn    *connector
	service string
	client  *http.Client
	seq     atomic.Int64
	mu      sync.Mutex
	res     result
}

func (r *runner) turn(ctx context.Context, user int, text string, value map[string]any) error {
	id := r.seq.Add(1)
	conv := fmt.Sprintf("a:load-%d", user)
	a := map[string]any{
		"type": "message", "id": fmt.Sprintf("load-%d-%d", os.Getpid(), id), "timestamp": time.Now().UTC(),
		"serviceUrl": r.service, "channelId": "msteams", "locale": "sv-SE",
		"from":         map[string]any{"id": fmt.Sprintf("29:load-%d", user), "name": fmt.Sprintf("Last %d", user), "aadObjectId": fmt.Sprintf("00000000-0000-4000-8000-%012d", user)},
		"recipient":    map[string]any{"id": "28:digibot", "name": "Digibot"},
		"conversation": map[string]any{"id": conv, "conversationType": "personal", "tenantId": "load-tenant"},
	}
	if text != "" {
		a["text"] = text
	}
	if value != nil {
		a["value"] = value
	}
	body, _ := json.Marshal(a)
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.target, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(req)
	d := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.fail("transport")
		return nil
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.fail("status " + strconv.Itoa(resp.StatusCode))
		return nil
	}
	r.mu.Lock()
	r.res.lat = append(r.res.lat, d)
	r.mu.Unlock()
	return nil
}

func (r *runner) fail(kind string) {
	r.mu.Lock()
	r.res.errs[kind]++
	r.mu.Unlock()
}

// scenario runs one user story; each step is one measured turn.
func (r *runner) scenario(ctx context.Context, kind string, user int) error {
	conv := fmt.Sprintf("a:load-%d", user)
	switch kind {
	case "ask":
		return r.turn(ctx, user, questions[rand.IntN(len(questions))], nil)
	case "book":
		if err := r.turn(ctx, user, "boka", nil); err != nil {
			return err
		}
		v := press(r.conn.card(conv), "coaching.book", map[string]any{"topic": "Lasttest", "department": "IT-förvaltningen"})
		if v == nil {
			return nil // no free slots or coaching not configured: the turn still counted
		}
		if err := r.turn(ctx, user, "", v); err != nil {
			return err
		}
		if c := press(r.conn.card(conv), "coaching.cancel", nil); c != nil {
			return r.turn(ctx, user, "", c)
		}
		return nil
	default:
		if err := r.turn(ctx, user, "status", nil); err != nil {
			return err
		}
		if v := press(r.conn.card(conv), "status.", nil); v != nil {
			return r.turn(ctx, user, "", v)
		}
		return nil
	}
}

func pick(mix map[string]int) string {
	total := 0
	for _, w := range mix {
		total += w
	}
	n := rand.IntN(max(total, 1))
	for _, k := range []string{"ask", "book", "status"} {
		if n < mix[k] {
			return k
		}
		n -= mix[k]
	}
	return "ask"
}

func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return -1
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	conn := &connector{cards: map[string]map[string]any{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: conn, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	r := &runner{cfg: cfg, conn: conn, service: "http://" + ln.Addr().String() + "/",
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency * 2}},
		res:    result{errs: map[string]int{}}}

	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	var samples []int
	if cfg.pid > 0 {
		samples = append(samples, rssKB(cfg.pid))
		go func() {
			t := time.NewTicker(cfg.sample)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					r.mu.Lock()
					samples = append(samples, rssKB(cfg.pid))
					r.mu.Unlock()
				}
			}
		}()
	}
	start := time.Now()
	var started atomic.Int64
	var tick <-chan time.Time
	if cfg.rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / cfg.rate))
		defer t.Stop()
		tick = t.C
	}
	var wg sync.WaitGroup
	for w := range cfg.concurrency {
		wg.Go(func() {
			for ctx.Err() == nil && started.Add(1) <= cfg.maxRequests {
				if tick != nil {
					select {
					case <-ctx.Done():
						return
					case <-tick:
					}
				}
				user := (w + int(started.Load())*7) % cfg.users
				if err := r.scenario(ctx, pick(cfg.mix), user); err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	r.mu.Lock()
	defer r.mu.Unlock()
	lat := r.res.lat
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	fmt.Fprintf(out, "turns: %d in %s = %.0f turns/s (concurrency %d, users %d, mix %v)\n",
		len(lat), elapsed.Round(time.Millisecond), float64(len(lat))/elapsed.Seconds(), cfg.concurrency, cfg.users, cfg.mix)
	fmt.Fprintf(out, "latency: p50 %s  p95 %s  p99 %s  max %s\n", pct(.50), pct(.95), pct(.99), pct(1))
	fmt.Fprintf(out, "errors: %v\n", r.res.errs)
	if len(samples) > 1 {
		half := samples[len(samples)/2:]
		fmt.Fprintf(out, "server RSS (MB): start %.1f, middle %.1f, end %.1f, max %.1f over %d samples\n",
			float64(samples[0])/1024, float64(half[0])/1024, float64(samples[len(samples)-1])/1024,
			float64(slices.Max(samples))/1024, len(samples))
	}
	if len(r.res.errs) > 0 {
		return errors.New("some turns failed")
	}
	return nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "digibot-load:", err)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "digibot-load:", err)
		os.Exit(1)
	}
}
