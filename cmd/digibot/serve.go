package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"digibot/bot"
	"digibot/bot/auth"
	"digibot/bot/connector"
	"digibot/bot/identity"
	"digibot/bot/outbox"
	"digibot/bot/schedule"
	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/dialogs/answer"
	"digibot/dialogs/coaching"
	"digibot/dialogs/digest"
	"digibot/dialogs/help"
	"digibot/dialogs/status"
	"digibot/graph"
	"digibot/storage"
	"digibot/storage/embedded"
	redisstore "digibot/storage/redis"
)

// app is one assembled Digibot: store, edge, outbox worker, scheduler.
type app struct {
	cfg     *Config
	log     *slog.Logger
	store   storage.Store
	answers *answer.Engine
	server  *bot.Server
	worker  *outbox.Worker
	sched   *schedule.Scheduler
	reg     *prometheus.Registry
	closers []func()
}

// instanceID names this process in locks and leases; replicas differ.
func instanceID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

func openStore(ctx context.Context, cfg *Config, opts ...redisstore.Option) (storage.Store, error) {
	if cfg.StoreURL != "" {
		st, err := redisstore.Open(ctx, cfg.StoreURL, append([]redisstore.Option{redisstore.WithPrefix(cfg.RedisPrefix)}, opts...)...)
		if err != nil {
			return nil, fmt.Errorf("DIGIBOT_STORE %s: %w", redact(cfg.StoreURL), err)
		}
		return st, nil
	}
	st, err := embedded.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("DIGIBOT_DATA_DIR %s: %w", cfg.DataDir, err)
	}
	return st, nil
}

// newAnswers loads the knowledge base (embedded, or answer.kb_dir).
func newAnswers(ctx context.Context, cfg *Config, log *slog.Logger, st storage.Store) (*answer.Engine, error) {
	opts := answer.Options{Threshold: cfg.File.Answer.Threshold, Logger: log}
	if cfg.File.Answer.KBDir != "" {
		opts.FS = os.DirFS(cfg.File.Answer.KBDir)
	}
	if st != nil {
		opts.Store = st
		opts.Outbox = st
		opts.ForwardChannelRef = cfg.File.Answer.ForwardChannel
	}
	e, err := answer.New(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("knowledge base: %w", err)
	}
	return e, nil
}

func buildApp(ctx context.Context, cfg *Config, log *slog.Logger) (_ *app, err error) {
	a := &app{cfg: cfg, log: log, reg: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := bot.NewMetrics(a.reg)

	// serve starts while Redis does not answer: /readyz says 503 and turns
	// get "try again soon" until it does; no restart is needed then.
	st, err := openStore(ctx, cfg, redisstore.AllowUnreachable())
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { _ = st.Close() })
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	if perr := st.Ping(pctx); perr != nil {
		log.Warn("store unreachable at start: not ready until it answers", "err", perr)
	}
	cancel()
	a.store = newCountingStore(st, a.reg)

	var authn bot.Authenticator
	var tokens connector.TokenSource
	check := connector.HTTPSOnly
	if cfg.DevMode() {
		authn, check = bot.DevAuth{}, connector.LoopbackOnly
	} else {
		v, err := auth.New(ctx, auth.Config{AppID: cfg.AppID, TenantID: cfg.TenantID,
			BotFrameworkOpenIDURL: cfg.BotFrameworkOpenIDURL, EntraOpenIDURL: cfg.EntraOpenIDURL, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("inbound auth: %w", err)
		}
		a.closers = append(a.closers, v.Close)
		authn = bot.ChannelAuth{V: v}
		cred, kind, err := identity.NewCredential(cfg.Identity)
		if err != nil {
			return nil, err
		}
		log.Info("outbound credential", "kind", kind)
		tokens = identity.NewTokenSource(cred, identity.BotConnectorScope)
	}
	httpClient := &http.Client{Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 30 * time.Second,
	}}
	conn := connector.New(httpClient, tokens, connector.WithServiceURLCheck(check))

	owner := instanceID()
	botID := ""
	if cfg.AppID != "" {
		botID = "28:" + cfg.AppID
	}
	a.worker, err = outbox.New(a.store, conn, outbox.Config{
		Owner: owner, BotID: botID, BotName: "Digibot", MaxAttempts: cfg.File.Outbox.MaxAttempts,
		// A lease covers a call and recording its outcome twice over.
		LeaseTTL:       cfg.File.Outbox.LeaseTTL,
		RequestTimeout: min(30*time.Second, cfg.File.Outbox.LeaseTTL/4),
		SettleTimeout:  min(10*time.Second, cfg.File.Outbox.LeaseTTL/4),
		Observer:       metrics, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	metrics.WatchOutbox(a.reg, a.store)

	if a.answers, err = newAnswers(ctx, cfg, log, a.store); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { _ = a.answers.Close() })

	g, err := newGraph(cfg, log)
	if err != nil {
		return nil, err
	}
	caps, err := newCapabilities(cfg, log, a.store, g, a.worker.Kick)
	if err != nil {
		return nil, err
	}
	router := dialogs.NewRouter()
	router.OnAdmin(auditAdminTurn(a.store, log, time.Now))
	a.answers.Register(router)
	caps.register(router)
	h := help.New(caps.features...)
	h.Register(router)
	jobs := caps.jobs
	follow := caps.status

	adm := newAdmins(cfg, g, log)
	a.server, err = bot.NewServer(bot.Options{
		Store: a.store, Auth: authn, Conn: conn, Logger: log, Metrics: metrics,
		MaxBody: cfg.File.HTTP.MaxBodyBytes, Kick: a.worker.Kick,
		// Intercept lets "A12: klar …" reach status before the question fallback.
		Handlers: bot.Handlers{Message: follow.Intercept(router), Invoke: router, Welcome: turn.HandlerFunc(h.Welcome)},
		IsAdmin:  adm.IsAdmin,
	})
	if err != nil {
		return nil, err
	}

	if a.sched, err = newScheduler(a.store, owner, log, metrics, cfg, jobs...); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// handler is the public HTTP surface.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	a.server.Routes(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{}))
	return mux
}

// serve runs the HTTP server, the outbox worker and the scheduler on ln
// until ctx ends, then shuts down gracefully.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := a.worker.Run(bg); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("outbox worker stopped", "err", err)
		}
	})
	wg.Go(func() { a.sched.Run(bg) })

	adminSrv, adminLn, err := a.listenAdmin()
	if err != nil {
		stopBG()
		wg.Wait()
		a.close()
		return err
	}
	if adminSrv != nil {
		go func() { _ = adminSrv.Serve(adminLn) }()
		defer adminSrv.Close()
		a.log.Info("admin API listening", "addr", adminLn.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("digibot listening", "addr", ln.Addr().String(), "dev_mode", a.cfg.DevMode(), "store", storeKind(a.cfg))

	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		a.log.Warn("http shutdown", "err", serr)
	}
	stopBG()
	wg.Wait()
	a.close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func storeKind(cfg *Config) string {
	if cfg.StoreURL != "" {
		return "redis"
	}
	return "embedded:" + cfg.DataDir
}

func serveCommand(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(stderr, cfg.File.Log.Level, cfg.File.Log.Format)
	if cfg.DevMode() {
		log.Warn("DEV MODE: MICROSOFT_APP_ID is not set. No token is checked; only loopback clients and loopback serviceUrls are served. Never expose this to a network.")
	}
	a, err := buildApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.close()
		return fmt.Errorf("DIGIBOT_ADDR %s: %w", cfg.Addr, err)
	}
	return a.serve(ctx, ln)
}

// capabilities are coaching, status and digest, built the same way for
// serve and for the commands that read their data.
type capabilities struct {
	coaching *coaching.Coaching
	status   *status.Service
	digest   *digest.Digest
	dopts    digest.Options
	features []string
	jobs     []schedule.Job
}

func newCapabilities(cfg *Config, log *slog.Logger, st storage.Store, g *graph.Client, kick func()) (*capabilities, error) {
	cal, err := schedule.NewCalendar()
	if err != nil {
		return nil, err
	}
	c := &capabilities{features: []string{help.Answers}}

	copts := coaching.Options{Config: cfg.File.Coaching, Store: st, Calendar: cal, Log: log}
	if g.Enabled() {
		copts.Meetings, copts.Directory = coachMeetings{g}, directory{g}
	}
	if c.coaching, err = coaching.New(copts); err != nil {
		return nil, fmt.Errorf("coaching: %w", err)
	}
	if c.coaching.Enabled() {
		c.features = append(c.features, help.Coaching)
		c.jobs = append(c.jobs, c.coaching.Jobs()...)
	}

	sopts := status.Options{Config: cfg.File.Status, Store: st, Calendar: cal, TenantID: cfg.TenantID, Logger: log, Kick: kick}
	if g.Enabled() {
		sopts.Directory = ownerDirectory{g}
	}
	if c.status, err = status.New(sopts); err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	c.features = append(c.features, help.Status)
	c.jobs = append(c.jobs, c.status.Jobs()...)

	c.dopts = digest.Options{Config: cfg.File.Digest, Store: st, Status: digest.StatusFrom(c.status), Calendar: cal, Log: log, Kick: kick}
	if c.coaching.Enabled() {
		c.dopts.Coaching = digest.CoachingFrom(c.coaching)
	}
	if c.digest, err = digest.New(c.dopts); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	if cfg.File.Digest.IsEnabled() {
		c.features = append(c.features, help.Digest)
		c.jobs = append(c.jobs, c.digest.Jobs()...)
	}
	return c, nil
}

func (c *capabilities) register(r *dialogs.Router) {
	c.coaching.Register(r)
	c.status.Register(r)
	c.digest.Register(r)
}
