// Package devchat is `digibot chat`: a Teams-like chat in the terminal for a
// newcomer with no Azure. It speaks the real Bot Framework protocol to a
// local `digibot serve`, playing both parts Teams plays: the client that
// POSTs activities to the bot's /api/messages, and the Bot Connector that
// receives the bot's replies at serviceUrl. It is line based, so it works
// in tmux and from scripts.
package devchat

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure Run.
type Options struct {
	// Endpoint is the bot's messaging endpoint; DefaultEndpoint when empty.
	Endpoint string
	// Lang is "sv" (default) or "en", or a locale such as "en-GB"; it sets
	// the activities' locale and the client's own texts.
	Lang string
	// UserName is the display name of the development user.
	UserName string
	In       io.Reader
	Out      io.Writer
	// StartServer starts a bot at addr (host:port) when none answers at the
	// endpoint; stop ends it. Nil means Run fails instead.
	StartServer func(ctx context.Context, addr string) (stop func(), err error)
	// Now is the clock for activity timestamps; time.Now when nil.
	Now func() time.Time
	// Width is the output width in columns; 0 means $COLUMNS on a terminal,
	// else 80.
	Width int
	// Settle is how long the client waits for more replies after the bot
	// acknowledged a message before it prompts again; 0 means 300 ms.
	Settle time.Duration
	// StartTimeout bounds the wait for a started server's /healthz; 0 means
	// 60 s.
	StartTimeout time.Duration
}

const (
	maxLine        = 32 << 10 // bytes of one typed line
	maxBody        = 1 << 20  // bytes of one HTTP body from the bot
	maxEntries     = 50       // cards kept for /kort
	requestTimeout = 30 * time.Second
	maxSettle      = 5 * time.Second
)

// Run chats with the bot until In ends, the user types /quit or ctx is
// done (then it returns ctx's error).
func Run(ctx context.Context, o Options) error {
	c, err := newClient(o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("devchat: listen for the bot's replies: %w", err)
	}
	c.serviceURL = "http://" + ln.Addr().String() + "/"
	srv := &http.Server{
		Handler:           c,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug),
	}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	defer c.http.CloseIdleConnections()

	c.say(c.t.banner)
	stop, err := c.ensureBot(ctx)
	if err != nil {
		return err
	}
	defer stop()
	return c.loop(ctx)
}

type client struct {
	t          *texts
	st         style
	width      int
	echo       bool
	locale     string
	lang       string
	userName   string
	endpoint   string
	serviceURL string
	convID     string
	now        func() time.Time
	loc        *time.Location
	http       *http.Client
	settle     time.Duration
	startWait  time.Duration
	start      func(ctx context.Context, addr string) (func(), error)
	in         io.Reader
	lines      <-chan line
	arrived    chan struct{} // signalled on every activity from the bot

	mu      sync.Mutex
	out     io.Writer
	pending string // the prompt currently shown, reprinted after bot output
	msgSeq  int
	cardSeq int
	entries []*entry
	session string
}

// entry is a message with cards that the user can act on.
type entry struct {
	n          int
	convID     string
	activityID string
	cards      []map[string]any
	actions    []Action
	at         time.Time
	summary    string
}

func newClient(o Options) (*client, error) {
	if o.In == nil || o.Out == nil {
		return nil, errors.New("devchat: In and Out are required")
	}
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("devchat: endpoint %q is not an http(s) URL", endpoint)
	}
	locale, lang, err := localeOf(o.Lang)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(o.UserName)
	if name == "" {
		name = "Dev User"
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // the bot is local; never send the chat through a proxy
	c := &client{
		t:         textsFor(lang),
		locale:    locale,
		lang:      lang,
		userName:  name,
		endpoint:  u.String(),
		convID:    DevConversationID,
		now:       now,
		loc:       stockholm(),
		http:      &http.Client{Transport: tr, Timeout: requestTimeout},
		settle:    o.Settle,
		startWait: o.StartTimeout,
		start:     o.StartServer,
		in:        o.In,
		arrived:   make(chan struct{}, 1),
		out:       o.Out,
		session:   newID(4),
	}
	if c.settle <= 0 {
		c.settle = 300 * time.Millisecond
	}
	if c.startWait <= 0 {
		c.startWait = 60 * time.Second
	}
	outTTY := isTerminal(o.Out)
	c.st = style{ansi: outTTY && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"}
	c.echo = !isTerminal(o.In)
	c.width = o.Width
	if c.width <= 0 {
		c.width = 80
		if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && outTTY {
			c.width = n
		}
	}
	c.width = max(c.width, 40) // narrower, cards are towers of words
	return c, nil
}

// localeOf maps the -lang flag to the activities' locale and the client's
// language.
func localeOf(lang string) (locale, short string, err error) {
	l := strings.TrimSpace(lang)
	switch low := strings.ToLower(l); {
	case low == "" || low == "sv" || low == "sv-se":
		return "sv-SE", "sv", nil
	case low == "en" || low == "en-us":
		return "en-US", "en", nil
	case len(l) == 5 && (l[2] == '-' || l[2] == '_') && (strings.HasPrefix(low, "en") || strings.HasPrefix(low, "sv")):
		loc := low[:2] + "-" + strings.ToUpper(l[3:])
		return loc, low[:2], nil
	}
	return "", "", fmt.Errorf("devchat: language %q: use sv or en", lang)
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// ensureBot makes sure a bot answers at the endpoint, starting one through
// StartServer when nothing listens there.
func (c *client) ensureBot(ctx context.Context) (func(), error) {
	u, _ := url.Parse(c.endpoint)
	health := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/healthz"}).String()
	if c.probe(ctx, health) >= 0 {
		c.say(c.t.connected(c.endpoint))
		return func() {}, nil
	}
	if c.start == nil || !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("devchat: no bot answers at %s; start one with `digibot serve`", c.endpoint)
	}
	c.say(c.t.starting(u.Host))
	stop, err := c.start(ctx, u.Host)
	if err != nil {
		return nil, fmt.Errorf("devchat: start a local server at %s: %w", u.Host, err)
	}
	wctx, cancel := context.WithTimeout(ctx, c.startWait)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for c.probe(wctx, health) != http.StatusOK {
		select {
		case <-wctx.Done():
			stop()
			return nil, fmt.Errorf("devchat: the started server did not answer %s: %w", health, wctx.Err())
		case <-tick.C:
		}
	}
	c.say(c.t.ready, c.t.connected(c.endpoint))
	return stop, nil
}

// probe GETs url and returns the status code, or -1 when nothing answers.
func (c *client) probe(ctx context.Context, u string) int {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, u, nil)
	if err != nil {
		return -1
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return -1
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
	return resp.StatusCode
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// line is one line typed by the user.
type line struct {
	text    string
	tooLong bool
}

// readLines reads In in the background so that ctx can end a wait for input.
func readLines(ctx context.Context, r io.Reader) <-chan line {
	ch := make(chan line)
	go func() {
		defer close(ch)
		br := bufio.NewReader(r)
		for {
			var buf []byte
			tooLong := false
			var err error
			for {
				var chunk []byte
				chunk, err = br.ReadSlice('\n')
				if len(buf)+len(chunk) > maxLine {
					tooLong = true
				} else {
					buf = append(buf, chunk...)
				}
				if !errors.Is(err, bufio.ErrBufferFull) {
					break
				}
			}
			if err != nil && len(buf) == 0 && !tooLong {
				return
			}
			l := line{text: strings.TrimRight(string(buf), "\r\n"), tooLong: tooLong}
			select {
			case ch <- l:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// next waits for the next typed line; ok is false at the end of input.
func (c *client) next(ctx context.Context) (line, bool, error) {
	select {
	case <-ctx.Done():
		return line{}, false, ctx.Err()
	case l, ok := <-c.lines:
		c.mu.Lock()
		if ok && c.echo {
			_, _ = io.WriteString(c.out, l.text+"\n")
		} else if !ok && c.pending != "" {
			_, _ = io.WriteString(c.out, "\n")
		}
		c.pending = ""
		c.mu.Unlock()
		return l, ok, nil
	}
}

// ask shows a prompt that stays visible when the bot writes meanwhile.
func (c *client) ask(prompt string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, _ = io.WriteString(c.out, prompt)
	c.pending = prompt
}

// say prints the client's own lines.
func (c *client) say(lines ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emitLocked(strings.Join(lines, "\n") + "\n")
}

// emitLocked writes a block above the open prompt, if any. c.mu is held.
func (c *client) emitLocked(block string) {
	if block == "" {
		return
	}
	if c.pending != "" {
		_, _ = io.WriteString(c.out, "\n")
	}
	_, _ = io.WriteString(c.out, block)
	if c.pending != "" {
		_, _ = io.WriteString(c.out, c.pending)
	}
}

func (c *client) loop(ctx context.Context) error {
	c.lines = readLines(ctx, c.in)
	c.send(ctx, c.activity("installationUpdate", c.convID, func(a *outActivity) { a.Action = "add" }), nil)
	for {
		c.ask("> ")
		l, ok, err := c.next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if c.handle(ctx, l) {
			return nil
		}
	}
}

// handle acts on one typed line; it reports whether to quit.
func (c *client) handle(ctx context.Context, l line) bool {
	if l.tooLong {
		c.say(c.t.lineTooLong)
		return false
	}
	text := strings.TrimSpace(l.text)
	switch {
	case text == "":
		return false
	case strings.HasPrefix(text, "//"):
		c.sendText(ctx, text[1:])
	case strings.HasPrefix(text, "/"):
		return c.command(ctx, text)
	default:
		c.sendText(ctx, text)
	}
	return false
}

func (c *client) command(ctx context.Context, text string) bool {
	f := strings.Fields(text)
	name := strings.ToLower(f[0])
	switch name {
	case "/help", "/hjälp", "/hjalp", "/?":
		c.say(c.t.help)
	case "/quit", "/exit", "/avsluta", "/q":
		return true
	case "/cards", "/card", "/kort":
		if len(f) == 1 {
			c.listCards()
			return false
		}
		n, err1 := strconv.Atoi(f[1])
		k, err2 := 0, error(nil)
		if len(f) == 3 {
			k, err2 = strconv.Atoi(strings.TrimPrefix(f[2], "/"))
		}
		if len(f) != 3 || err1 != nil || err2 != nil {
			c.say(c.t.unknownCmd(oneLine(text)))
			return false
		}
		c.press(ctx, n, k)
	default:
		k, err := strconv.Atoi(name[1:])
		if err != nil {
			c.say(c.t.unknownCmd(oneLine(f[0])))
			return false
		}
		c.press(ctx, 0, k)
	}
	return false
}

func (c *client) listCards() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) == 0 {
		c.emitLocked(c.t.noCards + "\n")
		return
	}
	var b strings.Builder
	b.WriteString(c.t.cardsHeader + "\n")
	for _, e := range c.entries {
		b.WriteString(c.t.cardSummary(e.n, e.at.In(c.loc).Format("15:04"), e.summary, len(e.actions)) + "\n")
	}
	c.emitLocked(b.String())
}

// sendText sends a typed message.
func (c *client) sendText(ctx context.Context, text string) {
	c.send(ctx, c.activity("message", c.convID, func(a *outActivity) {
		a.Text = text
		a.TextFormat = "plain"
	}), nil)
}

// activity returns an activity as Teams sends it from the dev user.
func (c *client) activity(typ, convID string, set func(*outActivity)) *outActivity {
	now := c.now()
	id := "f:dev-" + newID(8)
	if typ == "message" {
		id = "dev-" + newID(8)
	}
	country := "SE"
	if c.lang == "en" {
		country = "US"
	}
	a := &outActivity{
		Type:           typ,
		ID:             id,
		Timestamp:      now.UTC(),
		LocalTimestamp: now.In(c.loc),
		LocalTimezone:  c.loc.String(),
		ServiceURL:     c.serviceURL,
		ChannelID:      ChannelID,
		From:           account{ID: DevUserID, Name: c.userName, AADObjectID: DevUserAADID},
		Conversation:   conversation{ConversationType: "personal", TenantID: DevTenantID, ID: convID},
		Recipient:      account{ID: BotID, Name: BotName},
		Locale:         c.locale,
		Entities: []map[string]any{{
			"type": "clientInfo", "locale": c.locale, "country": country,
			"platform": "Web", "timezone": c.loc.String(),
		}},
		ChannelData: map[string]any{"tenant": map[string]any{"id": DevTenantID}},
	}
	if set != nil {
		set(a)
	}
	return a
}
