// Package dialogs routes a turn to a capability: typed commands, card
// actions (Action.Submit data or Action.Execute invoke) and a free-text
// fallback. Capabilities live in subpackages and register themselves here;
// this package never imports them.
package dialogs

import (
	"context"
	"strings"
	"sync"

	"digibot/bot/turn"
)

// Router dispatches messages and card actions to handlers.
type Router struct {
	mu       sync.RWMutex
	commands map[string]turn.Handler // normalised command phrase -> handler
	actions  map[string]turn.Handler // card action name -> handler
	fallback turn.Handler
	onAdmin  func(ctx context.Context, t *turn.Turn, route string)
}

// OnAdmin sets a hook called before an administrator's command or card
// action is handled (route is the command phrase or action name), so that
// every admin action reaches the audit trail whichever capability owns it.
func (r *Router) OnAdmin(f func(ctx context.Context, t *turn.Turn, route string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onAdmin = f
}

func (r *Router) audit(ctx context.Context, t *turn.Turn, route string) {
	r.mu.RLock()
	f := r.onAdmin
	r.mu.RUnlock()
	if f != nil && t.Admin {
		f(ctx, t, route)
	}
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{commands: map[string]turn.Handler{}, actions: map[string]turn.Handler{}}
}

// Command routes messages whose whole text, or whose first words, equal one
// of phrases (case-insensitive, punctuation at the end ignored): "hjälp",
// "mina bokningar". The longest matching phrase wins.
func (r *Router) Command(h turn.Handler, phrases ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range phrases {
		r.commands[normalize(p)] = h
	}
}

// Action routes card submissions whose action name is name ("answer.feedback").
func (r *Router) Action(name string, h turn.Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.actions[name] = h
}

// Fallback handles any message no command matched.
func (r *Router) Fallback(h turn.Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fallback = h
}

// ErrNoRoute is returned when nothing handles a turn.
type ErrNoRoute struct{ What string }

func (e ErrNoRoute) Error() string { return "dialogs: no route for " + e.What }

// HandleTurn routes a message (typed text or Action.Submit) or an invoke
// (Action.Execute, "adaptiveCard/action").
func (r *Router) HandleTurn(ctx context.Context, t *turn.Turn) error {
	if name, _ := ActionData(t); name != "" {
		r.mu.RLock()
		h := r.actions[name]
		r.mu.RUnlock()
		if h == nil {
			return ErrNoRoute{What: "action " + name}
		}
		r.audit(ctx, t, name)
		return h.HandleTurn(ctx, t)
	}
	if h, phrase := r.match(t.Text()); h != nil {
		r.audit(ctx, t, phrase)
		return h.HandleTurn(ctx, t)
	}
	r.mu.RLock()
	fb := r.fallback
	r.mu.RUnlock()
	if fb == nil {
		return ErrNoRoute{What: "message"}
	}
	return fb.HandleTurn(ctx, t)
}

func (r *Router) match(text string) (turn.Handler, string) {
	words := strings.Fields(normalize(text))
	r.mu.RLock()
	defer r.mu.RUnlock()
	for n := min(len(words), 4); n > 0; n-- {
		phrase := strings.Join(words[:n], " ")
		if h, ok := r.commands[phrase]; ok {
			return h, phrase
		}
	}
	return nil, ""
}

// Args returns the words after a matched command phrase, as typed.
func Args(text, phrase string) string {
	f := strings.Fields(text)
	n := len(strings.Fields(phrase))
	if len(f) <= n {
		return ""
	}
	return strings.Join(f[n:], " ")
}

func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimRight(s, "!?.,;: ")
	return strings.Join(strings.Fields(s), " ")
}

// ActionData returns the card action name and its data. Digibot's cards put
// {"action": "<capability>.<verb>", …} in Action.Submit data; Action.Execute
// arrives as an invoke with value.action.verb and value.action.data.
func ActionData(t *turn.Turn) (string, map[string]any) {
	v := t.Value()
	if v == nil {
		return "", nil
	}
	if t.Activity.Type == "invoke" {
		act, _ := v["action"].(map[string]any)
		if act == nil {
			return "", nil
		}
		verb, _ := act["verb"].(string)
		data, _ := act["data"].(map[string]any)
		if data == nil {
			data = map[string]any{}
		}
		return verb, data
	}
	name, _ := v["action"].(string)
	return name, v
}
