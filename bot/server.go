// Package bot is Digibot's Teams edge: the /api/messages endpoint with
// inbound auth, de-duplication and dispatch by activity type, conversation
// references, health endpoints and metrics. Dialogs plug in as turn
// handlers; proactive messages go through bot/outbox.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/storage"
)

// DefaultMaxBody is the largest activity accepted. Teams activities are a
// few KB; card submissions with long free text stay well below this.
const DefaultMaxBody = 256 << 10

// dedupeTTL covers Teams' redelivery window with a wide margin.
const dedupeTTL = 24 * time.Hour

// turnTimeout bounds one turn, replies included.
const turnTimeout = 25 * time.Second

// Authenticator decides whether a request may deliver an activity.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, a *schema.Activity) error
}

// Connector sends replies into the conversation a turn came from.
type Connector interface {
	ReplyToActivity(ctx context.Context, serviceURL, conversationID, replyToID string, a schema.Activity) (string, error)
}

// Store is what the edge needs from storage.
type Store interface {
	storage.References
	storage.Dedupe
	Enqueue(ctx context.Context, e storage.OutboxEntry) (bool, error)
	PutDoc(ctx context.Context, coll, id string, value []byte, expect int64) (int64, error)
	DeleteDoc(ctx context.Context, coll, id string, expect int64) error
	Ping(ctx context.Context) error
}

// Handlers are the dialogs behind each activity type. Nil handlers are
// skipped (the activity is acknowledged).
type Handlers struct {
	Message  turn.Handler // typed text and Action.Submit
	Invoke   turn.Handler // Action.Execute ("adaptiveCard/action")
	Welcome  turn.Handler // Digibot was installed or added to a conversation
	Reaction turn.Handler // messageReaction
}

// IsAdmin reports whether a sender (by Entra object id) is an administrator.
type IsAdmin func(ctx context.Context, aadObjectID string) bool

// Server handles POST /api/messages.
type Server struct {
	store    Store
	auth     Authenticator
	conn     Connector
	handlers Handlers
	isAdmin  IsAdmin
	log      *slog.Logger
	metrics  *Metrics
	maxBody  int64
	now      func() time.Time
	kick     func() // wakes the outbox worker after a fallback enqueue

	refMu   sync.Mutex
	refSeen map[string]string // reference key -> conversationId|serviceUrl last stored
}

// Options configure a Server. Store, Auth, Conn and Handlers are required.
type Options struct {
	Store    Store
	Auth     Authenticator
	Conn     Connector
	Handlers Handlers
	IsAdmin  IsAdmin
	Logger   *slog.Logger
	Metrics  *Metrics
	MaxBody  int64
	Now      func() time.Time
	Kick     func()
}

// NewServer checks opts and returns a Server.
func NewServer(o Options) (*Server, error) {
	if o.Store == nil || o.Auth == nil || o.Conn == nil {
		return nil, errors.New("bot: store, auth and connector are required")
	}
	s := &Server{
		store: o.Store, auth: o.Auth, conn: o.Conn, handlers: o.Handlers,
		isAdmin: o.IsAdmin, log: o.Logger, metrics: o.Metrics, maxBody: o.MaxBody,
		now: o.Now, kick: o.Kick, refSeen: map[string]string{},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.isAdmin == nil {
		s.isAdmin = func(context.Context, string) bool { return false }
	}
	if s.kick == nil {
		s.kick = func() {}
	}
	return s, nil
}

// Routes registers the bot's endpoints on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.Handle("POST /api/messages", s)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", s.ready)
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready: store unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "store unreachable\n")
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// outcome labels for metrics.
const (
	outcomeOK        = "ok"
	outcomeDuplicate = "duplicate"
	outcomeBadInput  = "bad_request"
	outcomeAuth      = "unauthorized"
	outcomeError     = "error"
	outcomePanic     = "panic"
	outcomeTooLarge  = "too_large"
)

// ServeHTTP handles one activity.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	kind := "unknown"
	outcome := outcomeOK
	defer func() {
		s.metrics.observeTurn(kind, outcome, s.now().Sub(start))
	}()
	defer func() {
		// A panic anywhere in a turn is answered with 500 and logged; the
		// process lives on.
		if p := recover(); p != nil {
			outcome = outcomePanic
			s.log.Error("panic in turn", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			outcome = outcomeTooLarge
			http.Error(w, fmt.Sprintf("activity larger than %d bytes", s.maxBody), http.StatusRequestEntityTooLarge)
			return
		}
		outcome = outcomeBadInput
		http.Error(w, "could not read body", http.StatusBadRequest)
		return
	}
	a, err := parseActivity(body)
	if err != nil {
		outcome = outcomeBadInput
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	kind = string(a.Type)
	if !knownType(a.Type) {
		kind = "other"
	}
	log := s.log.With("activity_id", a.ID, "conversation_id", a.Conversation.ID, "type", kind)

	if err := s.auth.Authenticate(r.Context(), r, &a); err != nil {
		outcome = outcomeAuth
		log.Warn("unauthorized activity", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}

	// A turn runs to its end even if the caller hangs up: half a booking is
	// worse than a late one. It is bounded instead (Teams gives up at 15 s).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), turnTimeout)
	defer cancel()
	dedupeKey := ""
	if a.ID != "" {
		dedupeKey = a.Conversation.ID + "|" + a.ID
		first, err := s.store.MarkProcessed(ctx, dedupeKey, dedupeTTL)
		if err != nil {
			// Without the store nothing can be kept safely: tell the user and
			// let Teams retry later.
			outcome = outcomeError
			log.Error("dedupe failed; store unavailable", "err", err)
			s.replyBestEffort(ctx, &a, textsFor(a.Locale).unavailable)
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		if !first {
			outcome = outcomeDuplicate
			log.Info("duplicate activity ignored")
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	forget := func() {
		if dedupeKey != "" {
			if err := s.store.ForgetProcessed(context.WithoutCancel(ctx), dedupeKey); err != nil {
				log.Warn("could not forget activity id", "err", err)
			}
		}
	}
	defer func() {
		if p := recover(); p != nil {
			forget()
			panic(p) // answered by the outer recover
		}
	}()

	t := turn.New(a)
	t.Admin = a.From.AadObjectID != "" && s.isAdmin(ctx, a.From.AadObjectID)
	if err := s.dispatch(ctx, t); err != nil {
		outcome = outcomeError
		log.Error("turn failed", "err", err)
		if errors.Is(err, storage.ErrUnavailable) {
			forget()
			t = turn.New(a)
			t.SendText(textsFor(a.Locale).unavailable)
		} else {
			t = turn.New(a)
			t.SendText(textsFor(a.Locale).failed)
		}
	}
	s.sendReplies(ctx, log, t)
	s.writeInvoke(w, t)
	log.Info("turn handled", "replies", len(t.Replies()))
}

func parseActivity(body []byte) (schema.Activity, error) {
	var a schema.Activity
	if len(strings.TrimSpace(string(body))) == 0 {
		return a, errors.New("empty body: expected an activity")
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return a, fmt.Errorf("malformed activity JSON: %w", err)
	}
	if a.Type == "" {
		return a, errors.New("activity has no type")
	}
	if a.ServiceURL == "" {
		return a, errors.New("activity has no serviceUrl")
	}
	if a.Conversation.ID == "" {
		return a, errors.New("activity has no conversation id")
	}
	return a, nil
}

func knownType(t schema.ActivityTypes) bool {
	switch t {
	case schema.Message, schema.Invoke, schema.ConversationUpdate, schema.InstallationUpdate,
		schema.MsgReaction, schema.Typing, schema.Event, schema.MessageUpdate, schema.MessageDelete:
		return true
	}
	return false
}

func (s *Server) dispatch(ctx context.Context, t *turn.Turn) error {
	a := &t.Activity
	switch a.Type {
	case schema.Message:
		if err := s.rememberReference(ctx, a); err != nil {
			return err
		}
		return call(ctx, s.handlers.Message, t)
	case schema.Invoke:
		if err := s.rememberReference(ctx, a); err != nil {
			return err
		}
		if a.Name != "adaptiveCard/action" || s.handlers.Invoke == nil {
			t.Respond(http.StatusNotImplemented, nil)
			return nil
		}
		return call(ctx, s.handlers.Invoke, t)
	case schema.InstallationUpdate:
		switch a.Action {
		case "add", "add-upgrade":
			if err := s.storeReference(ctx, a); err != nil {
				return err
			}
			if a.Action == "add" {
				return s.welcome(ctx, t)
			}
		case "remove", "remove-upgrade":
			return s.removeReference(ctx, a)
		}
		return nil
	case schema.ConversationUpdate:
		return s.conversationUpdate(ctx, t)
	case schema.MsgReaction:
		return call(ctx, s.handlers.Reaction, t)
	}
	return nil
}

// welcomedColl remembers conversations that got the welcome: Teams sends
// both conversationUpdate and installationUpdate on install, and the user
// should be greeted once.
const welcomedColl = "welcomed"

func (s *Server) welcome(ctx context.Context, t *turn.Turn) error {
	key := ReferenceFrom(&t.Activity).Key
	_, err := s.store.PutDoc(ctx, welcomedColl, key, []byte(`{}`), storage.NoVersion)
	if errors.Is(err, storage.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remember welcome: %w", err)
	}
	return call(ctx, s.handlers.Welcome, t)
}

func call(ctx context.Context, h turn.Handler, t *turn.Turn) error {
	if h == nil {
		return nil
	}
	return h.HandleTurn(ctx, t)
}

func (s *Server) conversationUpdate(ctx context.Context, t *turn.Turn) error {
	a := &t.Activity
	botID := a.Recipient.ID
	for _, m := range a.MembersAdded {
		if m.ID == botID {
			if err := s.storeReference(ctx, a); err != nil {
				return err
			}
			return s.welcome(ctx, t)
		}
	}
	for _, m := range a.MembersRemoved {
		if m.ID == botID {
			return s.removeReference(ctx, a)
		}
	}
	if ev, _ := channelData(a)["eventType"].(string); ev == "teamDeleted" || ev == "channelDeleted" {
		return s.removeReference(ctx, a)
	}
	return nil
}

func (s *Server) sendReplies(ctx context.Context, log *slog.Logger, t *turn.Turn) {
	a := &t.Activity
	for i, r := range t.Replies() {
		r.Conversation = a.Conversation
		r.From = a.Recipient
		r.Recipient = a.From
		r.ReplyToID = a.ID
		r.ServiceURL = a.ServiceURL
		r.ChannelID = a.ChannelID
		if r.Locale == "" {
			r.Locale = a.Locale
		}
		if _, err := s.conn.ReplyToActivity(ctx, a.ServiceURL, a.Conversation.ID, a.ID, r); err != nil {
			// The reply may carry something the user must learn (a booking
			// confirmation): hand it to the durable outbox instead of dropping it.
			log.Warn("reply failed; queued in outbox", "err", err, "reply", i)
			s.queueReply(ctx, log, a, i, r)
		}
	}
}

func (s *Server) queueReply(ctx context.Context, log *slog.Logger, a *schema.Activity, i int, r schema.Activity) {
	raw, err := json.Marshal(r)
	if err != nil {
		log.Error("cannot encode reply", "err", err)
		return
	}
	key := storage.ConversationKey(a.Conversation.ID)
	if isPersonal(a) && a.From.AadObjectID != "" {
		key = storage.UserKey(a.From.AadObjectID)
	}
	e := storage.OutboxEntry{
		ID:       fmt.Sprintf("reply:%s:%s:%d", a.Conversation.ID, a.ID, i),
		Kind:     "reply",
		RefKey:   key,
		Activity: raw,
	}
	if _, err := s.store.Enqueue(context.WithoutCancel(ctx), e); err != nil {
		log.Error("reply lost: outbox unavailable", "err", err)
		return
	}
	s.kick()
}

// replyBestEffort answers without the store (used when the store is down).
func (s *Server) replyBestEffort(ctx context.Context, a *schema.Activity, text string) {
	if a.Type != schema.Message {
		return
	}
	r := schema.Activity{Type: schema.Message, Text: text, Conversation: a.Conversation,
		From: a.Recipient, Recipient: a.From, ReplyToID: a.ID, ServiceURL: a.ServiceURL, ChannelID: a.ChannelID}
	if _, err := s.conn.ReplyToActivity(ctx, a.ServiceURL, a.Conversation.ID, a.ID, r); err != nil {
		s.log.Warn("best-effort reply failed", "err", err, "activity_id", a.ID)
	}
}

func (s *Server) writeInvoke(w http.ResponseWriter, t *turn.Turn) {
	if t.Activity.Type != schema.Invoke {
		w.WriteHeader(http.StatusOK)
		return
	}
	ir := t.InvokeResponse()
	if ir == nil {
		// Action.Execute without an explicit card: acknowledge with a
		// message response so Teams shows no error.
		ir = &turn.InvokeResponse{Status: http.StatusOK, Body: map[string]any{
			"statusCode": http.StatusOK, "type": "application/vnd.microsoft.activity.message", "value": "OK"}}
	}
	if ir.Body == nil {
		w.WriteHeader(ir.Status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(ir.Status)
	_ = json.NewEncoder(w).Encode(ir.Body)
}
