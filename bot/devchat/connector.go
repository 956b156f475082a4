package devchat

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// ServeHTTP is the client's Bot Connector: the part of Teams that receives
// what the bot sends to serviceUrl (replies, proactive messages, card
// updates) and shows it.
func (c *client) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var parts []string
	for _, p := range strings.Split(r.URL.EscapedPath(), "/") {
		if p == "" {
			continue // bots that join serviceUrl and path with "//"
		}
		s, err := url.PathUnescape(p)
		if err != nil {
			connectorError(w, http.StatusBadRequest, "BadArgument", "bad path")
			return
		}
		parts = append(parts, s)
	}
	if len(parts) < 2 || parts[0] != "v3" || parts[1] != "conversations" {
		connectorError(w, http.StatusNotFound, "NotFound", "unknown path")
		return
	}
	route := strings.Join(routeShape(parts[2:]), "/")
	switch {
	case route == "" && r.Method == http.MethodPost:
		c.createConversation(w, r)
	case route == "{id}/activities" && r.Method == http.MethodPost:
		c.postActivity(w, r, parts[2], "")
	case route == "{id}/activities/{id}" && r.Method == http.MethodPost:
		c.postActivity(w, r, parts[2], parts[4])
	case route == "{id}/activities/{id}" && r.Method == http.MethodPut:
		c.updateActivity(w, r, parts[2], parts[4])
	case route == "{id}/activities/{id}" && r.Method == http.MethodDelete:
		c.deleteActivity(w, parts[2], parts[4])
	case route == "{id}/members" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, []any{c.member()})
	case route == "{id}/members/{id}" && r.Method == http.MethodGet:
		if parts[4] != DevUserID && parts[4] != DevUserAADID {
			connectorError(w, http.StatusNotFound, "MemberNotFoundInConversation", "no such member")
			return
		}
		writeJSON(w, http.StatusOK, c.member())
	case route == "{id}/pagedmembers" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"members": []any{c.member()}})
	default:
		connectorError(w, http.StatusNotFound, "NotFound", "unknown operation")
	}
}

// routeShape replaces the ids in a path after /v3/conversations with {id}.
func routeShape(p []string) []string {
	out := make([]string, len(p))
	for i, s := range p {
		if i%2 == 0 {
			out[i] = "{id}"
		} else {
			out[i] = s
		}
	}
	return out
}

func (c *client) member() map[string]any {
	return map[string]any{
		"id": DevUserID, "name": c.userName, "aadObjectId": DevUserAADID,
		"email": "dev.user@example.invalid", "userPrincipalName": "dev.user@example.invalid",
		"tenantId": DevTenantID, "userRole": "user",
	}
}

func (c *client) createConversation(w http.ResponseWriter, r *http.Request) {
	var p conversationParams
	if !decode(w, r, &p) {
		return
	}
	conv := "a:dev-conv-" + newID(6)
	for _, m := range p.Members {
		if m.ID == DevUserID || m.AADObjectID == DevUserAADID {
			conv = c.convID // Teams returns the existing 1:1 chat
		}
	}
	resp := map[string]any{"id": conv, "serviceUrl": c.serviceURL}
	if p.Activity != nil {
		id := c.messageID()
		c.mu.Lock()
		c.deliverLocked(conv, id, p.Activity, "", nil)
		c.mu.Unlock()
		resp["activityId"] = id
	}
	writeJSON(w, http.StatusCreated, resp)
	c.signal()
}

func (c *client) postActivity(w http.ResponseWriter, r *http.Request, conv, _ string) {
	var a inActivity
	if !decode(w, r, &a) {
		return
	}
	id := c.messageID()
	c.mu.Lock()
	c.deliverLocked(conv, id, &a, "", nil)
	c.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
	c.signal()
}

func (c *client) updateActivity(w http.ResponseWriter, r *http.Request, conv, id string) {
	var a inActivity
	if !decode(w, r, &a) {
		return
	}
	c.mu.Lock()
	var found *entry
	for _, e := range c.entries {
		if e.activityID == id {
			found = e
		}
	}
	c.deliverLocked(conv, id, &a, c.t.updated, found)
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
	c.signal()
}

func (c *client) deleteActivity(w http.ResponseWriter, conv, id string) {
	c.mu.Lock()
	for i, e := range c.entries {
		if e.activityID == id {
			c.entries = append(c.entries[:i:i], c.entries[i+1:]...)
			break
		}
	}
	c.emitLocked(c.header(conv, "") + "  " + c.t.deleted + "\n")
	c.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	c.signal()
}

// messageID is the id the connector gives a message from the bot; unique
// across runs so that a bot never updates a card of an earlier session.
func (c *client) messageID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgSeq++
	return "1:dev-" + c.session + "-" + itoa(c.msgSeq)
}

// signal tells a waiting prompt that the bot is still talking.
func (c *client) signal() {
	select {
	case c.arrived <- struct{}{}:
	default:
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body := http.MaxBytesReader(w, r.Body, maxBody)
	if err := json.NewDecoder(body).Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			connectorError(w, http.StatusRequestEntityTooLarge, "MessageSizeTooBig", "activity too large")
			return false
		}
		connectorError(w, http.StatusBadRequest, "BadArgument", "invalid activity JSON")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// connectorError answers as the Bot Connector does: {"error": {code, message}}.
func connectorError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
