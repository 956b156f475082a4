package status

// Personal data of the status follow-up, for `digibot gdpr` (issue 7).
//
// A person is known here by their Entra object id and by their principals:
// "aad:<id>" and any UPN the directory cache ("status-people") resolved to
// that id. What is stored, and what DeleteUser does:
//
//   - Status reports they made: the current record of an activity
//     ("status"/<id>) and the history log "status-history". Their Entra id
//     is removed and their name replaced by ErasedName; the status, the
//     texts and the dates are kept. These are the organisation's record of
//     how an action plan activity went, reported in the digest and the
//     annual report (status export); they describe the activity, not the
//     person, and erasing them would falsify the follow-up. The current
//     record gets a new version, so a card built before the erasure is
//     refused as outdated and shown again.
//   - The directory cache (UPN → id, name, e-mail): deleted.
//   - Ownership changed in chat ("status-owners"/<activity>): they are
//     taken out of the owners added in chat and out of delegations to
//     them; where they made a change, who made it is erased. An owner
//     removed in chat stays removed if the configuration names them (else
//     the removal would make them an owner again). Each changed activity
//     gets an audit entry "gdpr_erasure" naming no one.
//   - Deputies ("status-deputies"): their own deputy arrangement and any
//     arrangement naming them as deputy are deleted (that owner is asked
//     directly again).
//   - The audit log "status-audit": entries they made, or naming them,
//     keep the change but their id and name are replaced by ErasedName.
//   - Status requests ("status-round:<period>"/<them>): who was asked,
//     reminded, escalated, or could not be reached. Deleted: no reminder or
//     escalation follows, and the digest no longer lists them as missing
//     or unreachable.
//   - Outbox entries (their status requests and reminders, the escalation
//     to their manager naming them): exported and reported; the outbox has
//     no delete, retention purges them.
//
// Owners named in the configuration (status.owners) are not stored data:
// the report lists those activities, and until an administrator edits the
// configuration the next round asks the person again (and caches their
// UPN again).
//
// Every doc change is an optimistic update, and log entries are edited by
// id (storage EditLog), so DeleteUser is safe while Digibot serves from
// Redis; a report the person makes meanwhile is not erased (run it again).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"digibot/bot/schedule"
	"digibot/storage"
)

// ErasedName replaces the name of a person whose data was deleted where a
// record must keep saying that someone acted. Swedish: it is shown in
// Teams and in the annual report as a name.
const ErasedName = "borttagen användare"

// GDPRStore is what ExportUser and DeleteUser need.
type GDPRStore interface {
	Store
	DeleteDoc(ctx context.Context, coll, id string, expect int64) error
	EditLog(ctx context.Context, log string, edits []storage.LogEdit) (int, error)
}

// UserData is everything the status follow-up stores about one person.
type UserData struct {
	Statuses   storage.PersonalData[Update]              `json:"currentStatuses"`
	History    storage.PersonalData[Update]              `json:"statusHistory"`
	Directory  storage.PersonalData[PersonRecord]        `json:"directoryCache"`
	Ownership  storage.PersonalData[OwnershipRecord]     `json:"ownership"`
	Configured storage.PersonalData[ConfiguredRole]      `json:"configuration"`
	Deputies   storage.PersonalData[DeputyRecord]        `json:"deputies"`
	Audit      storage.PersonalData[AuditRecord]         `json:"ownershipLog"`
	Requests   storage.PersonalData[RequestRecord]       `json:"statusRequests"`
	Outbox     storage.PersonalData[storage.OutboxEntry] `json:"outbox"`
}

// PersonRecord is a directory look-up of the person.
type PersonRecord struct {
	Principal string    `json:"principal"`
	AADID     string    `json:"aadId"`
	Name      string    `json:"name,omitempty"`
	Email     string    `json:"email,omitempty"`
	At        time.Time `json:"at"`
}

// OwnershipRecord is the person's part in an activity's ownership.
type OwnershipRecord struct {
	Activity string    `json:"activity"`
	Role     string    `json:"role"` // added_owner, removed_owner, delegate, delegated_by, changed_by
	At       time.Time `json:"at"`
}

// ConfiguredRole is what the configuration makes the person: the owner
// of an activity (status.owners) or a coordinator told of escalations
// (status.coordinators).
type ConfiguredRole struct {
	Role      string `json:"role"` // owner, coordinator
	Activity  string `json:"activity,omitempty"`
	Principal string `json:"principal"`
}

// DeputyRecord is a deputy arrangement: the person's own (role "owner") or
// one naming them (role "deputy").
type DeputyRecord struct {
	Role  string    `json:"role"`
	Until string    `json:"until,omitempty"`
	At    time.Time `json:"at"`
}

// AuditRecord is an ownership change the person made or that names them.
type AuditRecord struct {
	At       time.Time `json:"at"`
	Action   string    `json:"action"`
	Activity string    `json:"activity,omitempty"`
	Role     string    `json:"role"` // by, named
}

// RequestRecord is one round in which the person was asked for status.
type RequestRecord struct {
	Period      string    `json:"period"`
	Activities  []string  `json:"activities"`
	NudgedAt    time.Time `json:"nudgedAt"`
	RemindedAt  time.Time `json:"remindedAt,omitzero"`
	EscalatedAt time.Time `json:"escalatedAt,omitzero"`
	EscalatedTo []string  `json:"escalatedTo,omitempty"`
	Unreachable string    `json:"unreachable,omitempty"`
}

// DeleteReport says what DeleteUser did.
type DeleteReport struct {
	StatusesAnonymised int `json:"statusesAnonymised"`
	HistoryAnonymised  int `json:"historyEntriesAnonymised"`
	DirectoryDeleted   int `json:"directoryEntriesDeleted"`
	OwnershipChanged   int `json:"ownershipChanged"`
	DeputiesDeleted    int `json:"deputiesDeleted"`
	AuditAnonymised    int `json:"auditEntriesAnonymised"`
	RequestsDeleted    int `json:"statusRequestsDeleted"`
	// Configured is what the configuration still makes the person ("owner
	// of A12", "coordinator"): an administrator must change it.
	Configured []string `json:"stillInConfiguration"`
	// OutboxLeft are outbox entries about the person that stay until
	// retention purges them.
	OutboxLeft []string `json:"outboxEntriesLeft"`
}

func newUserData() UserData {
	kept := "Until deleted."
	return UserData{
		Statuses: storage.PersonalData[Update]{
			What:     "Current statuses of action plan activities that you reported, with your name.",
			Why:      "Follow-up of the action plan 2024–2027: the digest for koncernledningen and the annual report.",
			Kept:     kept,
			OnDelete: "Your name and Entra id are replaced by \"" + ErasedName + "\"; the status and texts are kept as the organisation's record of the activity.",
			Items:    []Update{},
		},
		History: storage.PersonalData[Update]{
			What:     "Every status report you made, with your name.",
			Why:      "The activity's timeline, the digest's changes and the annual report.",
			Kept:     kept,
			OnDelete: "Your name and Entra id are replaced by \"" + ErasedName + "\"; the reports are kept as the organisation's record of the activity.",
			Items:    []Update{},
		},
		Directory: storage.PersonalData[PersonRecord]{
			What:     "Your name, e-mail and Entra id as looked up in the directory from your UPN.",
			Why:      "To reach owners named by UPN.",
			Kept:     "Looked up again after a week when you are asked for status.",
			OnDelete: "Deleted.",
			Items:    []PersonRecord{},
		},
		Ownership: storage.PersonalData[OwnershipRecord]{
			What:     "Activities you were made owner or delegate of in chat, delegated, or whose owners you changed.",
			Why:      "To know whom to ask for each activity's status.",
			Kept:     kept,
			OnDelete: "You are no longer an owner added in chat or a delegate; where you made a change, who made it is erased.",
			Items:    []OwnershipRecord{},
		},
		Configured: storage.PersonalData[ConfiguredRole]{
			What:     "What the configuration file names you: owner of activities (status.owners) or coordinator (status.coordinators).",
			Why:      "To know whom to ask for each activity's status, and whom to tell when no answer comes.",
			Kept:     "Until an administrator changes the configuration.",
			OnDelete: "Not changed by Digibot: an administrator must edit the configuration, or you will be asked (or told) again.",
			Items:    []ConfiguredRole{},
		},
		Deputies: storage.PersonalData[DeputyRecord]{
			What:     "Your deputy while you are away, and arrangements that name you as someone's deputy.",
			Why:      "To ask the right person for status.",
			Kept:     "Until changed.",
			OnDelete: "Deleted.",
			Items:    []DeputyRecord{},
		},
		Audit: storage.PersonalData[AuditRecord]{
			What:     "The log of ownership, delegation and deputy changes you made or that name you.",
			Why:      "To see who changed who answers for an activity.",
			Kept:     kept,
			OnDelete: "Your name and Entra id in them are replaced by \"" + ErasedName + "\".",
			Items:    []AuditRecord{},
		},
		Requests: storage.PersonalData[RequestRecord]{
			What:     "When you were asked for status, reminded and escalated, or could not be reached.",
			Why:      "Reminders, escalation and the digest's list of missing answers.",
			Kept:     kept,
			OnDelete: "Deleted.",
			Items:    []RequestRecord{},
		},
		Outbox: storage.PersonalData[storage.OutboxEntry]{
			What:     "Status requests and reminders to you, and escalations naming you.",
			Why:      "Reliable delivery: a message is stored before it is sent.",
			Kept:     "Deleted automatically after retention.outbox_days (30 days by default) once sent or given up.",
			OnDelete: "Kept until retention deletes them; one not yet sent to you is not sent once your conversation is deleted.",
			Items:    []storage.OutboxEntry{},
		},
	}
}

// gdprService is the follow-up on st with cfg at the fixed time now,
// without Graph.
func gdprService(st GDPRStore, cfg Config, now time.Time) (*Service, error) {
	cal, err := schedule.NewCalendar()
	if err != nil {
		return nil, fmt.Errorf("status: calendar: %w", err)
	}
	return New(Options{Config: cfg, Store: st, Calendar: cal, Now: func() time.Time { return now }})
}

// who is the person: their lower-case Entra id and principals.
type who struct {
	aad        string
	principals map[string]bool
	people     []storage.Doc // directory cache docs of the person
}

func (w who) is(aad string) bool          { return aad != "" && strings.EqualFold(aad, w.aad) }
func (w who) named(principal string) bool { return w.principals[strings.ToLower(principal)] }

func (s *Service) whoIs(ctx context.Context, aadID string) (who, error) {
	w := who{aad: strings.ToLower(aadID), principals: map[string]bool{aadPrincipal(aadID): true}}
	docs, err := s.store.ListDocs(ctx, collPeople)
	if err != nil {
		return w, fmt.Errorf("status: list people: %w", err)
	}
	for _, d := range docs {
		var p person
		if json.Unmarshal(d.Value, &p) == nil && (w.is(p.AAD) || strings.EqualFold(d.ID, aadPrincipal(aadID))) {
			w.principals[strings.ToLower(d.ID)] = true
			w.people = append(w.people, d)
		}
	}
	return w, nil
}

// ExportUser returns what the status follow-up stores about the person
// with Entra object id aadID. cfg is the status configuration in use (it
// names owners).
func ExportUser(ctx context.Context, st GDPRStore, cfg Config, aadID string, now time.Time) (UserData, error) {
	d := newUserData()
	s, err := gdprService(st, cfg, now)
	if err != nil {
		return d, err
	}
	w, err := s.whoIs(ctx, aadID)
	if err != nil {
		return d, err
	}
	for _, pd := range w.people {
		var p person
		_ = json.Unmarshal(pd.Value, &p)
		d.Directory.Items = append(d.Directory.Items, PersonRecord{Principal: pd.ID, AADID: p.AAD, Name: p.Name, Email: p.Email, At: p.At})
	}
	recs, _, err := s.records(ctx)
	if err != nil {
		return d, err
	}
	for _, id := range sortedIDs(recs) {
		if u := recs[id]; w.is(u.Author) {
			d.Statuses.Items = append(d.Statuses.Items, u)
		}
	}
	hist, err := st.ReadLog(ctx, logHistory, time.Time{}, time.Time{}, 0)
	if err != nil {
		return d, fmt.Errorf("status: read history: %w", err)
	}
	for _, e := range hist {
		var u Update
		if json.Unmarshal(e.Data, &u) == nil && w.is(u.Author) {
			d.History.Items = append(d.History.Items, u)
		}
	}
	owns, err := st.ListDocs(ctx, collOwners)
	if err != nil {
		return d, fmt.Errorf("status: list owners: %w", err)
	}
	for _, od := range owns {
		var o ownership
		if json.Unmarshal(od.Value, &o) != nil {
			continue
		}
		for _, role := range ownershipRoles(o, w) {
			d.Ownership.Items = append(d.Ownership.Items, OwnershipRecord{Activity: od.ID, Role: role, At: o.At})
		}
	}
	d.Configured.Items = append(d.Configured.Items, s.configuredFor(w)...)
	deps, err := st.ListDocs(ctx, collDeputies)
	if err != nil {
		return d, fmt.Errorf("status: list deputies: %w", err)
	}
	for _, dd := range deps {
		var dp deputy
		if json.Unmarshal(dd.Value, &dp) != nil {
			continue
		}
		if w.is(dd.ID) {
			d.Deputies.Items = append(d.Deputies.Items, DeputyRecord{Role: "owner", Until: dp.Until, At: dp.At})
		}
		if dp.Deputy != "" && w.named(dp.Deputy) {
			d.Deputies.Items = append(d.Deputies.Items, DeputyRecord{Role: "deputy", Until: dp.Until, At: dp.At})
		}
	}
	audit, err := st.ReadLog(ctx, logAudit, time.Time{}, time.Time{}, 0)
	if err != nil {
		return d, fmt.Errorf("status: read audit: %w", err)
	}
	for _, e := range audit {
		var a struct {
			By       string   `json:"by"`
			Action   string   `json:"action"`
			Activity string   `json:"activity"`
			People   []string `json:"people"`
		}
		if json.Unmarshal(e.Data, &a) != nil {
			continue
		}
		if w.is(a.By) {
			d.Audit.Items = append(d.Audit.Items, AuditRecord{At: e.At, Action: a.Action, Activity: a.Activity, Role: "by"})
		}
		if slices.ContainsFunc(a.People, w.named) {
			d.Audit.Items = append(d.Audit.Items, AuditRecord{At: e.At, Action: a.Action, Activity: a.Activity, Role: "named"})
		}
	}
	reqs, err := s.requestsOf(ctx, w)
	if err != nil {
		return d, err
	}
	for _, r := range reqs {
		d.Requests.Items = append(d.Requests.Items, RequestRecord{Period: r.period, Activities: r.rc.Activities, NudgedAt: r.rc.NudgedAt,
			RemindedAt: r.rc.RemindedAt, EscalatedAt: r.rc.EscalatedAt, EscalatedTo: r.rc.EscalatedTo, Unreachable: r.rc.Unreachable})
	}
	if d.Outbox.Items, err = requestOutbox(ctx, st, reqs); err != nil {
		return d, err
	}
	return d, nil
}

// DeleteUser erases or anonymises what the status follow-up stores about
// the person (see the top of this file). cfg is the status configuration
// in use; now stamps the audit entries of the changes.
func DeleteUser(ctx context.Context, st GDPRStore, cfg Config, aadID string, now time.Time) (DeleteReport, error) {
	rep := DeleteReport{Configured: []string{}, OutboxLeft: []string{}}
	s, err := gdprService(st, cfg, now)
	if err != nil {
		return rep, err
	}
	w, err := s.whoIs(ctx, aadID)
	if err != nil {
		return rep, err
	}
	for _, c := range s.configuredFor(w) {
		what := c.Role
		if c.Activity != "" {
			what += " of " + c.Activity
		}
		if !slices.Contains(rep.Configured, what) {
			rep.Configured = append(rep.Configured, what)
		}
	}
	reqs, err := s.requestsOf(ctx, w)
	if err != nil {
		return rep, err
	}
	out, err := requestOutbox(ctx, st, reqs)
	if err != nil {
		return rep, err
	}
	for _, e := range out {
		rep.OutboxLeft = append(rep.OutboxLeft, e.ID)
	}

	// Current records.
	recs, _, err := s.records(ctx)
	if err != nil {
		return rep, err
	}
	for _, id := range sortedIDs(recs) {
		if !w.is(recs[id].Author) {
			continue
		}
		ok, err := s.anonymiseRecord(ctx, id, w)
		if err != nil {
			return rep, err
		}
		if ok {
			rep.StatusesAnonymised++
		}
	}

	// History and audit log entries, by id.
	if rep.HistoryAnonymised, err = editEntries(ctx, st, logHistory, func(m map[string]any) bool {
		if a, _ := m["author"].(string); !w.is(a) {
			return false
		}
		delete(m, "author")
		m["author_name"] = ErasedName
		return true
	}); err != nil {
		return rep, err
	}
	if rep.AuditAnonymised, err = editEntries(ctx, st, logAudit, func(m map[string]any) bool {
		changed := false
		if by, _ := m["by"].(string); w.is(by) {
			m["by"], m["by_name"], changed = "", ErasedName, true
		}
		if people, ok := m["people"].([]any); ok {
			for i, p := range people {
				if ps, _ := p.(string); w.named(ps) {
					people[i], changed = ErasedName, true
				}
			}
		}
		return changed
	}); err != nil {
		return rep, err
	}

	// Ownership changed in chat.
	owns, err := st.ListDocs(ctx, collOwners)
	if err != nil {
		return rep, fmt.Errorf("status: list owners: %w", err)
	}
	for _, od := range owns {
		var o ownership
		if json.Unmarshal(od.Value, &o) != nil || len(ownershipRoles(o, w)) == 0 {
			continue
		}
		changed, err := s.eraseFromOwnership(ctx, od.ID, w, now)
		if err != nil {
			return rep, err
		}
		if changed {
			rep.OwnershipChanged++
		}
	}

	// Deputies: their own arrangement and any naming them.
	deps, err := st.ListDocs(ctx, collDeputies)
	if err != nil {
		return rep, fmt.Errorf("status: list deputies: %w", err)
	}
	for _, dd := range deps {
		var dp deputy
		if json.Unmarshal(dd.Value, &dp) != nil || (!w.is(dd.ID) && !(dp.Deputy != "" && w.named(dp.Deputy))) {
			continue
		}
		if err := deleteDoc(ctx, st, collDeputies, dd.ID, &rep.DeputiesDeleted); err != nil {
			return rep, err
		}
	}

	// Status requests and the directory cache.
	for _, r := range reqs {
		if err := deleteDoc(ctx, st, collRoundPrefx+r.period, r.key, &rep.RequestsDeleted); err != nil {
			return rep, err
		}
	}
	for _, pd := range w.people {
		if err := deleteDoc(ctx, st, collPeople, pd.ID, &rep.DirectoryDeleted); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// ownershipRoles are the person's parts in o.
func ownershipRoles(o ownership, w who) []string {
	var out []string
	if slices.ContainsFunc(o.Added, w.named) {
		out = append(out, "added_owner")
	}
	if slices.ContainsFunc(o.Removed, w.named) {
		out = append(out, "removed_owner")
	}
	if o.Delegate != "" && w.named(o.Delegate) {
		out = append(out, "delegate")
	}
	if w.is(o.DelegatedBy) {
		out = append(out, "delegated_by")
	}
	if w.is(o.By) {
		out = append(out, "changed_by")
	}
	return out
}

// configuredFor is what the configuration makes the person.
func (s *Service) configuredFor(w who) []ConfiguredRole {
	var out []ConfiguredRole
	for _, id := range sortedIDs(s.owners) {
		for _, p := range s.owners[id] {
			if w.named(p) {
				out = append(out, ConfiguredRole{Role: "owner", Activity: id, Principal: p})
			}
		}
	}
	for _, c := range s.cfg.Coordinators {
		if p, err := normPrincipal(c); err == nil && w.named(p) {
			out = append(out, ConfiguredRole{Role: "coordinator", Principal: p})
		}
	}
	return out
}

// request is a recipient doc of the person in one round.
type request struct {
	period, key string
	rc          recipient
}

func (s *Service) requestsOf(ctx context.Context, w who) ([]request, error) {
	rounds, err := s.store.ListDocs(ctx, collRounds)
	if err != nil {
		return nil, fmt.Errorf("status: list rounds: %w", err)
	}
	var out []request
	for _, rd := range rounds {
		docs, err := s.store.ListDocs(ctx, collRoundPrefx+rd.ID)
		if err != nil {
			return nil, fmt.Errorf("status: list recipients: %w", err)
		}
		for _, d := range docs {
			var rc recipient
			if json.Unmarshal(d.Value, &rc) != nil {
				continue
			}
			if w.is(rc.AAD) || w.is(d.ID) || (rc.Principal != "" && w.named(rc.Principal)) {
				out = append(out, request{period: rd.ID, key: d.ID, rc: rc})
			}
		}
	}
	return out, nil
}

// requestOutbox finds the outbox entries of the person's status requests:
// the cards, the reminders (as many as the cards) and the escalation to
// their manager. Receipts that replaced a card are not found (their ids
// name the reports, not the person).
func requestOutbox(ctx context.Context, st GDPRStore, reqs []request) ([]storage.OutboxEntry, error) {
	out := []storage.OutboxEntry{}
	for _, r := range reqs {
		ids := slices.Clone(r.rc.Entries)
		if r.rc.AAD != "" {
			base := kindReminder + ":" + r.period + ":" + r.rc.AAD
			ids = append(ids, base)
			for j := 2; j <= max(1, len(r.rc.Entries)); j++ {
				ids = append(ids, fmt.Sprintf("%s:%d", base, j))
			}
			ids = append(ids, kindEscalation+":"+r.period+":"+r.rc.AAD+":manager")
		}
		for _, id := range ids {
			e, err := st.GetOutbox(ctx, id)
			switch {
			case errors.Is(err, storage.ErrNotFound):
			case err != nil:
				return nil, fmt.Errorf("status: read outbox %s: %w", id, err)
			default:
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// anonymiseRecord replaces the author of an activity's current record,
// retrying when it changed in between. ok is false when the record no
// longer names the person (someone reported since).
func (s *Service) anonymiseRecord(ctx context.Context, id string, w who) (bool, error) {
	for range 5 {
		d, err := s.store.GetDoc(ctx, collStatus, id)
		if errors.Is(err, storage.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("status: read %s: %w", id, err)
		}
		m, ok := anonymisedAuthor(d.Value, w)
		if !ok {
			return false, nil
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return false, fmt.Errorf("status: encode %s: %w", id, err)
		}
		_, err = s.store.PutDoc(ctx, collStatus, id, raw, d.Version)
		if !errors.Is(err, storage.ErrConflict) {
			if err != nil {
				return false, fmt.Errorf("status: save %s: %w", id, err)
			}
			return true, nil
		}
	}
	return false, fmt.Errorf("status: anonymise %s: %w", id, storage.ErrConflict)
}

// anonymisedAuthor is the update in raw with its author erased, keeping
// every other field as stored; ok is false when the person is not its
// author.
func anonymisedAuthor(raw []byte, w who) (map[string]any, bool) {
	m, err := decodeObject(raw)
	if err != nil {
		return nil, false
	}
	if a, _ := m["author"].(string); !w.is(a) {
		return nil, false
	}
	delete(m, "author")
	m["author_name"] = ErasedName
	return m, true
}

// eraseFromOwnership takes the person out of an activity's ownership doc
// and records that in the audit log without naming them.
func (s *Service) eraseFromOwnership(ctx context.Context, id string, w who, now time.Time) (bool, error) {
	for range 5 {
		o, ver, err := s.ownership(ctx, id)
		if err != nil {
			return false, err
		}
		configured := s.owners[id]
		before, _ := json.Marshal(o)
		o.Added = slices.DeleteFunc(o.Added, w.named)
		// A removal of a configured owner must stay, or they would own the
		// activity again; other removals only name the person.
		o.Removed = slices.DeleteFunc(o.Removed, func(p string) bool { return w.named(p) && !slices.Contains(configured, p) })
		if o.Delegate != "" && w.named(o.Delegate) {
			o.Delegate, o.DelegatedBy = "", ""
		}
		if w.is(o.DelegatedBy) {
			o.DelegatedBy = ""
		}
		if w.is(o.By) {
			o.By = ""
		}
		raw, err := json.Marshal(o)
		if err != nil {
			return false, err
		}
		if string(raw) == string(before) {
			return false, nil
		}
		_, err = s.store.PutDoc(ctx, collOwners, id, raw, ver)
		if errors.Is(err, storage.ErrConflict) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("status: save owners of %s: %w", id, err)
		}
		entry, _ := json.Marshal(map[string]any{"at": now, "by": "", "action": "gdpr_erasure", "activity": id})
		if _, err := s.store.AppendLog(ctx, logAudit, now, entry); err != nil {
			return true, fmt.Errorf("status: audit erasure of %s: %w", id, err)
		}
		return true, nil
	}
	return false, fmt.Errorf("status: owners of %s: %w", id, storage.ErrConflict)
}

// editEntries rewrites the entries of log that change says to change
// (it edits the decoded entry in place), keeping ids and times.
func editEntries(ctx context.Context, st GDPRStore, log string, change func(map[string]any) bool) (int, error) {
	es, err := st.ReadLog(ctx, log, time.Time{}, time.Time{}, 0)
	if err != nil {
		return 0, fmt.Errorf("status: read %s: %w", log, err)
	}
	var edits []storage.LogEdit
	for _, e := range es {
		m, err := decodeObject(e.Data)
		if err != nil || !change(m) {
			continue
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return 0, fmt.Errorf("status: encode %s entry: %w", log, err)
		}
		edits = append(edits, storage.LogEdit{ID: e.ID, Data: raw})
	}
	n := 0
	for len(edits) > 0 {
		batch := edits[:min(len(edits), storage.MaxLogEdits)]
		edits = edits[len(batch):]
		k, err := st.EditLog(ctx, log, batch)
		n += k
		if err != nil {
			return n, fmt.Errorf("status: edit %s: %w", log, err)
		}
	}
	return n, nil
}

// deleteDoc deletes coll/id, counting it when it was there.
func deleteDoc(ctx context.Context, st GDPRStore, coll, id string, n *int) error {
	err := st.DeleteDoc(ctx, coll, id, storage.AnyVersion)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("status: delete %s/%s: %w", coll, id, err)
	}
	*n++
	return nil
}

// decodeObject decodes a JSON object for editing, keeping numbers exactly
// as stored (versions are int64).
func decodeObject(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

func sortedIDs[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
