package coaching

// Personal data of IT coaching, for `digibot gdpr` (issue 7).
//
// What is stored about one person, and what DeleteUser does:
//
//   - Their bookings, inside the slot docs ("coaching.slots.<week>"):
//     Entra id, name, language, topic, department, coach, times, outcome
//     and the coach's note. Bookings that have not started are cancelled
//     first, through the package's own cancel path (the hold is released,
//     the place is offered to the waitlist, a Graph meeting is marked for
//     deletion); a booking inside the cancellation cutoff, which that path
//     refuses to a user, is cancelled the same way without the cutoff
//     (eraseCancel). Then every booking of theirs is anonymised: Entra id,
//     language, topic and note removed, name set to ErasedName. Start,
//     department, state and coach stay, so the digest's figures (Stats:
//     booked, held, no-show, cancelled, per week and department) do not
//     change; only the topic no longer appears in the digest.
//   - Their holds ("coaching.people/<aad>"): deleted.
//   - Their waitlist entry: removed.
//   - Log "coaching": entries name a booking id, department, coach and
//     outcome, never the booker. They are exported (they describe the
//     person's bookings) and kept: once the bookings are anonymised,
//     nothing links them to the person.
//   - As a coach: the Entra id learnt for their UPN ("coaching.coaches")
//     is deleted; in sessions that have started their UPN and name as
//     coach are replaced (ErasedName), their Entra id as the one who
//     marked the outcome is removed, and "coach" is removed from the log
//     entries naming them. Sessions that have not started keep them as
//     coach: the configuration (coaching.coaches, sessions) names them,
//     and only an administrator can hand the sessions to someone else;
//     the report lists those bookings.
//   - Outbox entries to or about them (reminders, meeting links, waitlist
//     offers, the coach's morning list naming them): exported and
//     reported; the outbox has no delete, retention purges them.
//
// A Teams meeting created in the coach's calendar through Graph is deleted
// by the running Digibot's meetings job (the cancellation marks it); the
// gdpr command itself never calls Graph. Meetings of past sessions stay in
// the coach's calendar, which Digibot does not own.
//
// Every change is an optimistic update of one doc, so DeleteUser is safe
// to run while Digibot serves from Redis; a booking the person makes
// meanwhile is left alone (run it again).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"digibot/storage"
)

// ErasedName replaces the name of a person whose data was deleted where a
// record must keep saying that someone was there (a coach list, a
// session). Swedish: it is shown in Teams as a name.
const ErasedName = "borttagen användare"

// GDPRStore is what ExportUser and DeleteUser need.
type GDPRStore interface {
	Store
	ReadLog(ctx context.Context, log string, from, to time.Time, limit int) ([]storage.LogEntry, error)
	EditLog(ctx context.Context, log string, edits []storage.LogEdit) (int, error)
	GetOutbox(ctx context.Context, id string) (storage.OutboxEntry, error)
}

// UserData is everything coaching stores about one person.
type UserData struct {
	Bookings      storage.PersonalData[BookingRecord]       `json:"bookings"`
	Holds         storage.PersonalData[HoldRecord]          `json:"bookingHolds"`
	Waitlist      storage.PersonalData[WaitlistRecord]      `json:"waitlist"`
	History       storage.PersonalData[HistoryRecord]       `json:"bookingHistory"`
	CoachIdentity storage.PersonalData[CoachIdentity]       `json:"coachIdentity"`
	CoachSessions storage.PersonalData[CoachSession]        `json:"coachSessions"`
	Outbox        storage.PersonalData[storage.OutboxEntry] `json:"outbox"`
}

// BookingRecord is one of the person's bookings.
type BookingRecord struct {
	ID          string    `json:"id"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	State       string    `json:"state"` // booked, cancelled, held, noshow
	Name        string    `json:"name,omitempty"`
	Lang        string    `json:"lang,omitempty"`
	Topic       string    `json:"topic"`
	Department  string    `json:"department"`
	CoachName   string    `json:"coachName,omitempty"`
	BookedAt    time.Time `json:"bookedAt"`
	CancelledAt time.Time `json:"cancelledAt,omitzero"`
	CoachNote   string    `json:"coachNote,omitempty"`
	MarkedAt    time.Time `json:"markedAt,omitzero"`
	MeetingLink string    `json:"meetingLink,omitempty"`
}

// HoldRecord is a claim on a future place, counted against the limit.
type HoldRecord struct {
	Booking string    `json:"booking"`
	Start   time.Time `json:"start"`
	At      time.Time `json:"at"`
}

// WaitlistRecord is the person's place in the waitlist.
type WaitlistRecord struct {
	Position   int       `json:"position"`
	Name       string    `json:"name,omitempty"`
	Lang       string    `json:"lang,omitempty"`
	Topic      string    `json:"topic"`
	Department string    `json:"department"`
	At         time.Time `json:"at"`
}

// HistoryRecord is an entry of the coaching log about the person's
// bookings or naming them as coach.
type HistoryRecord struct {
	At    time.Time       `json:"at"`
	Entry json.RawMessage `json:"entry"`
}

// CoachIdentity is the person as a coach.
type CoachIdentity struct {
	UPN        string `json:"upn"`
	Configured bool   `json:"configured"` // named in coaching.coaches with this Entra id
	IDLearned  bool   `json:"idLearned"`  // Entra id stored in coaching.coaches docs
}

// CoachSession is a booking the person coached or marked; the booker's
// name and topic are theirs and left out.
type CoachSession struct {
	Booking string    `json:"booking"`
	Start   time.Time `json:"start"`
	State   string    `json:"state"`
	Coach   bool      `json:"coach"`  // the person is the session's coach
	Marked  bool      `json:"marked"` // the person marked the outcome
}

// DeleteReport says what DeleteUser did.
type DeleteReport struct {
	Cancelled       int  `json:"futureBookingsCancelled"`
	Anonymised      int  `json:"bookingsAnonymised"`
	HoldsDeleted    bool `json:"holdsDeleted"`
	WaitlistRemoved bool `json:"waitlistRemoved"`
	CoachIDsDeleted int  `json:"coachIdsDeleted"`
	CoachSessions   int  `json:"coachSessionsAnonymised"`
	HistoryEdited   int  `json:"historyEntriesEdited"`
	ConfiguredCoach bool `json:"configuredCoach"`
	// FutureAsCoach are upcoming bookings the person still coaches: the
	// configuration must give them to someone else.
	FutureAsCoach []string `json:"futureSessionsAsCoach"`
	// OutboxLeft are outbox entries about the person that stay until
	// retention purges them.
	OutboxLeft []string `json:"outboxEntriesLeft"`
}

func newUserData() UserData {
	return UserData{
		Bookings: storage.PersonalData[BookingRecord]{
			What: "Your IT-coaching bookings: time, topic, department, coach, your name and language, the outcome and the coach's note.",
			Why:  "To give you the place, remind you, tell the coach what you need, and count the service's use for koncernledningen's digest (activity A18).",
			Kept: "Until deleted.",
			OnDelete: "Bookings that have not started are cancelled and offered to the waitlist. Then your name, Entra id, language, topic and the coach's note " +
				"are removed from every booking; time, department and outcome stay, pointing to no one, for the service's figures.",
			Items: []BookingRecord{},
		},
		Holds: storage.PersonalData[HoldRecord]{
			What:     "Your claims on upcoming places.",
			Why:      "To keep the limit of upcoming bookings per person.",
			Kept:     "Until the session starts or the booking is cancelled.",
			OnDelete: "Deleted.",
			Items:    []HoldRecord{},
		},
		Waitlist: storage.PersonalData[WaitlistRecord]{
			What:     "Your place in the waitlist with your topic and department.",
			Why:      "To offer you a place that becomes free.",
			Kept:     "Until you book, leave the waitlist, or twice the booking horizon has passed.",
			OnDelete: "Removed.",
			Items:    []WaitlistRecord{},
		},
		History: storage.PersonalData[HistoryRecord]{
			What:     "The coaching log's entries about your bookings: booked, cancelled, marked, with the department and the coach.",
			Why:      "To follow up the service.",
			Kept:     "Until deleted.",
			OnDelete: "Kept: they name a booking, never you or your topic; once your bookings are anonymised nothing links them to you. As a coach, your UPN is removed from them.",
			Items:    []HistoryRecord{},
		},
		CoachIdentity: storage.PersonalData[CoachIdentity]{
			What:     "You as an IT coach: your UPN, and your Entra id if Digibot learnt it.",
			Why:      "To recognise you as a coach and send you your morning list.",
			Kept:     "While you are a coach in the configuration.",
			OnDelete: "The learnt Entra id is deleted. The configuration file (coaching.coaches and sessions) is not changed: an administrator must remove you there.",
			Items:    []CoachIdentity{},
		},
		CoachSessions: storage.PersonalData[CoachSession]{
			What:     "Sessions you held as coach or whose outcome you marked.",
			Why:      "To show the coach list and count the service's use.",
			Kept:     "Until deleted.",
			OnDelete: "In sessions that have started your name and UPN as coach, and your Entra id as the one who marked them, are removed. Upcoming sessions keep you as coach until an administrator changes the configuration.",
			Items:    []CoachSession{},
		},
		Outbox: storage.PersonalData[storage.OutboxEntry]{
			What:     "Messages to you or naming you: reminders, meeting links, waitlist offers, the coach's morning list.",
			Why:      "Reliable delivery: a message is stored before it is sent.",
			Kept:     "Deleted automatically after retention.outbox_days (30 days by default) once sent or given up.",
			OnDelete: "Kept until retention deletes them; one not yet sent to you is not sent once your conversation is deleted.",
			Items:    []storage.OutboxEntry{},
		},
	}
}

// gdprScan is what coaching holds about one person, read once.
type gdprScan struct {
	aad       string
	slots     map[string]slotDoc // slot id -> doc, of every week scanned
	audit     []storage.LogEntry
	person    personDoc
	personID  string // the person doc's id as stored ("" when none)
	waitlist  []waiter
	waitPos   []int
	coachUPNs map[string]bool // lower-case UPNs of the person as coach
	learnt    []string        // coach doc ids holding the person's Entra id
}

// ExportUser returns what coaching stores about the person with Entra
// object id aadID. cfg is the coaching configuration in use (it names the
// coaches); now decides which bookings are upcoming.
func ExportUser(ctx context.Context, st GDPRStore, cfg Config, aadID string, now time.Time) (UserData, error) {
	d := newUserData()
	c, err := gdprCoaching(st, cfg, now)
	if err != nil {
		return d, err
	}
	sc, err := c.scanUser(ctx, st, aadID, now)
	if err != nil {
		return d, err
	}
	mine := map[string]bool{}
	for _, id := range sortedKeys(sc.slots) {
		doc := sc.slots[id]
		for _, b := range doc.Bookings {
			if sameID(b.AAD, aadID) {
				mine[b.ID] = true
				d.Bookings.Items = append(d.Bookings.Items, BookingRecord{
					ID: b.ID, Start: doc.Start, End: doc.End, State: b.State, Name: b.Name, Lang: b.Lang, Topic: b.Topic,
					Department: b.Department, CoachName: b.CoachName, BookedAt: b.BookedAt, CancelledAt: b.CancelledAt,
					CoachNote: b.Note, MarkedAt: b.MarkedAt, MeetingLink: b.Meeting.JoinURL,
				})
			}
			asCoach, marked := sc.coaches(b), sameID(b.MarkedBy, aadID)
			if asCoach || marked {
				d.CoachSessions.Items = append(d.CoachSessions.Items, CoachSession{Booking: b.ID, Start: doc.Start, State: b.State, Coach: asCoach, Marked: marked})
			}
		}
	}
	for _, h := range sc.person.Holds {
		d.Holds.Items = append(d.Holds.Items, HoldRecord{Booking: h.Booking, Start: h.Start, At: h.At})
	}
	for i, w := range sc.waitlist {
		d.Waitlist.Items = append(d.Waitlist.Items, WaitlistRecord{Position: sc.waitPos[i], Name: w.Name, Lang: w.Lang,
			Topic: w.Topic, Department: w.Department, At: w.At})
	}
	for _, e := range sc.audit {
		var rec struct {
			Booking string `json:"booking"`
			Coach   string `json:"coach"`
		}
		if json.Unmarshal(e.Data, &rec) == nil && (mine[rec.Booking] || sc.coachUPNs[strings.ToLower(rec.Coach)]) {
			d.History.Items = append(d.History.Items, HistoryRecord{At: e.At, Entry: json.RawMessage(e.Data)})
		}
	}
	for _, upn := range slices.Sorted(maps.Keys(sc.coachUPNs)) {
		d.CoachIdentity.Items = append(d.CoachIdentity.Items, CoachIdentity{UPN: upn, Configured: c.configuredCoach(upn, aadID),
			IDLearned: slices.Contains(sc.learnt, upn)})
	}
	if d.Outbox.Items, err = sc.outbox(ctx, st); err != nil {
		return d, err
	}
	return d, nil
}

// DeleteUser cancels the person's upcoming bookings and anonymises the
// rest, removes their holds, waitlist entry and learnt coach id (see the
// top of this file). cfg is the coaching configuration in use; now is the
// time the cancellations are made at.
func DeleteUser(ctx context.Context, st GDPRStore, cfg Config, aadID string, now time.Time) (DeleteReport, error) {
	rep := DeleteReport{FutureAsCoach: []string{}, OutboxLeft: []string{}}
	c, err := gdprCoaching(st, cfg, now)
	if err != nil {
		return rep, err
	}
	sc, err := c.scanUser(ctx, st, aadID, now)
	if err != nil {
		return rep, err
	}
	// Outbox ids are derived from booking ids: list them before the
	// bookings stop naming the person.
	out, err := sc.outbox(ctx, st)
	if err != nil {
		return rep, err
	}
	for _, e := range out {
		rep.OutboxLeft = append(rep.OutboxLeft, e.ID)
	}
	for upn := range sc.coachUPNs {
		rep.ConfiguredCoach = rep.ConfiguredCoach || c.configuredCoach(upn, aadID)
	}

	// Off the waitlist first, so that no freed place is offered to them.
	for _, w := range sc.waitlist {
		removed, err := c.leaveWaitlist(ctx, w.AAD)
		if err != nil {
			return rep, errorf("leave waitlist", err)
		}
		rep.WaitlistRemoved = rep.WaitlistRemoved || removed
	}

	touched := map[string]bool{}
	for _, id := range sortedKeys(sc.slots) {
		doc := sc.slots[id]
		for _, b := range doc.Bookings {
			asCoach := sc.coaches(b)
			if !sameID(b.AAD, aadID) && !asCoach && !sameID(b.MarkedBy, aadID) {
				continue
			}
			touched[id] = true
			if asCoach && b.active() && doc.Start.After(now) && !sameID(b.AAD, aadID) {
				rep.FutureAsCoach = append(rep.FutureAsCoach, b.ID)
			}
			if !sameID(b.AAD, aadID) || b.State != stateBooked || !doc.Start.After(now) {
				continue
			}
			ok, err := c.cancelForErasure(ctx, b)
			if err != nil {
				return rep, err
			}
			if ok {
				rep.Cancelled++
			}
		}
	}

	var left []string
	for _, id := range sortedKeys(touched) {
		start, err := parseSlotID(id)
		if err != nil {
			continue // not a slot id: no booking of ours could be in it
		}
		var anon, coached int
		var upcoming []string
		_, err = update(ctx, c.st, slotColl(start), id, func(d *slotDoc, exists bool) error {
			anon, coached, upcoming = 0, 0, nil
			for i := range d.Bookings {
				b := &d.Bookings[i]
				started := !d.Start.After(now)
				if sameID(b.AAD, aadID) {
					if b.State == stateBooked && !started {
						// Booked again since the scan: not cancelled.
						upcoming = append(upcoming, b.ID)
					} else {
						b.AAD, b.Name, b.Lang, b.Topic, b.Note = "", ErasedName, "", "", ""
						anon++
					}
				}
				changed := false
				if sameID(b.MarkedBy, aadID) {
					b.MarkedBy, changed = "", true
				}
				if started && sc.coaches(*b) {
					b.Coach, b.CoachName, changed = "", ErasedName, true
				}
				if changed {
					coached++
				}
			}
			if anon == 0 && coached == 0 {
				return errNoChange
			}
			return nil
		})
		if err != nil {
			return rep, errorf("anonymise slot "+id, err)
		}
		rep.Anonymised += anon
		rep.CoachSessions += coached
		left = append(left, upcoming...)
	}

	if sc.personID != "" {
		err := st.DeleteDoc(ctx, collPeople, sc.personID, storage.AnyVersion)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return rep, errorf("delete holds", err)
		default:
			rep.HoldsDeleted = true
		}
	}
	for _, id := range sc.learnt {
		err := st.DeleteDoc(ctx, collCoaches, id, storage.AnyVersion)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return rep, errorf("delete coach id", err)
		default:
			rep.CoachIDsDeleted++
		}
	}
	if len(sc.coachUPNs) > 0 {
		var edits []storage.LogEdit
		for _, e := range sc.audit {
			// UseNumber: the entry is written back, numbers as stored.
			dec := json.NewDecoder(bytes.NewReader(e.Data))
			dec.UseNumber()
			var rec map[string]any
			if dec.Decode(&rec) != nil {
				continue
			}
			if upn, _ := rec["coach"].(string); !sc.coachUPNs[strings.ToLower(upn)] {
				continue
			}
			delete(rec, "coach")
			b, err := json.Marshal(rec)
			if err != nil {
				return rep, errorf("encode log entry", err)
			}
			edits = append(edits, storage.LogEdit{ID: e.ID, Data: b})
		}
		for len(edits) > 0 {
			batch := edits[:min(len(edits), storage.MaxLogEdits)]
			edits = edits[len(batch):]
			n, err := st.EditLog(ctx, auditLog, batch)
			rep.HistoryEdited += n
			if err != nil {
				return rep, errorf("edit log", err)
			}
		}
	}
	if len(left) > 0 {
		return rep, fmt.Errorf("coaching: bookings %s were made while deleting; run the deletion again", strings.Join(left, ", "))
	}
	return rep, nil
}

// gdprCoaching is the capability on st with cfg at the fixed time now,
// without Graph: the gdpr command runs beside, or instead of, a serve.
func gdprCoaching(st GDPRStore, cfg Config, now time.Time) (*Coaching, error) {
	return New(Options{Config: cfg, Store: st, Now: func() time.Time { return now }})
}

// scanUser reads everything that may hold the person's data. Slot docs
// are found by week: the year before now up to past the horizon, plus
// every week a booking in the coaching log, or a hold, points at (so an
// older booking is found as long as its "booked" entry was logged).
func (c *Coaching) scanUser(ctx context.Context, st GDPRStore, aadID string, now time.Time) (*gdprScan, error) {
	sc := &gdprScan{aad: aadID, slots: map[string]slotDoc{}, coachUPNs: map[string]bool{}}
	var err error
	if sc.audit, err = st.ReadLog(ctx, auditLog, time.Time{}, time.Time{}, 0); err != nil {
		return nil, errorf("read log", err)
	}
	weeks := map[string]bool{}
	for _, w := range weeksBetween(now.AddDate(-1, 0, 0), c.plan.horizonEnd(now).AddDate(0, 0, 7)) {
		weeks[w] = true
	}
	for _, e := range sc.audit {
		var rec struct {
			Booking string `json:"booking"`
		}
		if json.Unmarshal(e.Data, &rec) == nil {
			if _, start, err := parseBookingID(rec.Booking); err == nil {
				weeks[isoWeek(start)] = true
			}
		}
	}
	// The person doc's id is the Entra id as Teams sent it.
	for _, id := range []string{aadID, strings.ToLower(aadID)} {
		p, ok, err := read[personDoc](ctx, st, collPeople, id)
		if err != nil {
			return nil, errorf("read holds", err)
		}
		if ok {
			sc.person, sc.personID = p, id
			break
		}
	}
	for _, h := range sc.person.Holds {
		weeks[isoWeek(h.Start)] = true
	}
	for _, w := range slices.Sorted(maps.Keys(weeks)) {
		docs, err := st.ListDocs(ctx, collSlotsPrefix+w)
		if err != nil {
			return nil, errorf("list slots of "+w, err)
		}
		for _, d := range docs {
			var s slotDoc
			if err := json.Unmarshal(d.Value, &s); err != nil {
				return nil, errorf("decode slot "+d.ID, err)
			}
			sc.slots[d.ID] = s
		}
	}
	w, _, err := read[waitlistDoc](ctx, st, collWaitlist, waitlistID)
	if err != nil {
		return nil, errorf("read waitlist", err)
	}
	for i, e := range w.Entries {
		if sameID(e.AAD, aadID) {
			sc.waitlist = append(sc.waitlist, e)
			sc.waitPos = append(sc.waitPos, i+1)
		}
	}
	for _, co := range c.plan.coaches {
		if sameID(co.AADID, aadID) {
			sc.coachUPNs[strings.ToLower(co.UPN)] = true
		}
	}
	docs, err := st.ListDocs(ctx, collCoaches)
	if err != nil {
		return nil, errorf("list coaches", err)
	}
	for _, d := range docs {
		var cd coachDoc
		if json.Unmarshal(d.Value, &cd) == nil && sameID(cd.AADID, aadID) {
			sc.learnt = append(sc.learnt, d.ID)
			sc.coachUPNs[strings.ToLower(d.ID)] = true
		}
	}
	return sc, nil
}

// coaches reports whether b's coach is the person.
func (sc *gdprScan) coaches(b booking) bool {
	return b.Coach != "" && sc.coachUPNs[strings.ToLower(b.Coach)]
}

// outbox finds the entries to or about the person: for each of their
// bookings the reminders, meeting links and the coach's morning list of
// that day (it names them); the waitlist offers of every freed place; and
// as a coach, their morning lists.
func (sc *gdprScan) outbox(ctx context.Context, st GDPRStore) ([]storage.OutboxEntry, error) {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, slotID := range sortedKeys(sc.slots) {
		d := sc.slots[slotID]
		day := localDate(d.Start).Format(time.DateOnly)
		for _, b := range d.Bookings {
			if sameID(b.AAD, sc.aad) {
				for _, p := range []string{"coaching.remind.day:", "coaching.remind.soon:", "coaching.link:", "coaching.link-failed:"} {
					add(p + b.ID)
				}
				if b.Coach != "" {
					add("coaching.coachlist:" + day + ":" + strings.ToLower(b.Coach))
				}
			}
			if !b.active() && sc.aad != "" {
				add("coaching.offer:" + b.ID + ":" + sc.aad)
				if strings.ToLower(sc.aad) != sc.aad {
					add("coaching.offer:" + b.ID + ":" + strings.ToLower(sc.aad))
				}
			}
			if sc.coaches(b) {
				add("coaching.coachlist:" + day + ":" + strings.ToLower(b.Coach))
			}
		}
	}
	out := []storage.OutboxEntry{}
	for _, id := range ids {
		e, err := st.GetOutbox(ctx, id)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return nil, errorf("read outbox "+id, err)
		default:
			out = append(out, e)
		}
	}
	return out, nil
}

// cancelForErasure cancels an upcoming booking through the ordinary cancel
// path; inside the cancellation cutoff, which that path refuses, through
// eraseCancel. ok is false when the booking was no longer upcoming.
func (c *Coaching) cancelForErasure(ctx context.Context, b booking) (bool, error) {
	_, err := c.cancel(ctx, b.AAD, b.ID)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, errTooLate):
		return c.eraseCancel(ctx, b.AAD, b.ID)
	case errors.Is(err, errCancelled), errors.Is(err, errStarted), errors.Is(err, errNotFound), errors.Is(err, errNotYours):
		return false, nil // changed meanwhile; anonymised as it is
	}
	return false, errorf("cancel "+b.ID, err)
}

// eraseCancel is cancel without the cutoff: the person's data goes even
// if the session is soon. It does what cancel does after its checks:
// the hold is released, the cancellation logged, a Graph meeting marked
// for deletion (and deleted now when Graph is configured), and the place
// offered to the waitlist if it can still be booked.
func (c *Coaching) eraseCancel(ctx context.Context, aad, bookingID string) (bool, error) {
	now := c.now()
	slotID, start, err := parseBookingID(bookingID)
	if err != nil {
		return false, err
	}
	var cancelled booking
	done := false
	doc, err := update(ctx, c.st, slotColl(start), slotID, func(d *slotDoc, exists bool) error {
		done = false
		i, ok := d.find(bookingID)
		if !exists || !ok {
			return errNoChange
		}
		b := &d.Bookings[i]
		if b.AAD != aad || b.State != stateBooked || !d.Start.After(now) {
			return errNoChange
		}
		b.State, b.CancelledAt = stateCancelled, now
		if b.Meeting.Mode == modeGraph {
			switch b.Meeting.Status {
			case meetCreated:
				b.Meeting.Status, b.Meeting.NextTry, b.Meeting.Attempts = meetDeleting, now, 0
			case meetPending:
				b.Meeting.Status = meetDropped
			}
		}
		cancelled, done = *b, true
		return nil
	})
	if err != nil || !done {
		return false, err
	}
	if _, err := update(ctx, c.st, collPeople, aad, func(p *personDoc, _ bool) error {
		if !p.remove(bookingID) {
			return errNoChange
		}
		return nil
	}); err != nil {
		c.log.WarnContext(ctx, "coaching: cannot release the hold of a cancelled booking; it will be repaired", "err", err)
	}
	c.audit(ctx, now, "cancelled", bookingID, map[string]any{"erasure": true})
	if cancelled.Meeting.Status == meetDeleting && c.meet != nil {
		c.deleteMeeting(ctx, slotID, doc, cancelled)
	}
	if err := c.offerFreedPlace(ctx, slotID, bookingID, aad); err != nil {
		c.log.WarnContext(ctx, "coaching: cannot offer the freed place to the waitlist", "err", err)
	}
	return true, nil
}

// configuredCoach reports whether the configuration names upn as a coach
// with the person's Entra id.
func (c *Coaching) configuredCoach(upn, aadID string) bool {
	co, ok := c.plan.coach(upn)
	return ok && sameID(co.AADID, aadID)
}

// sameID compares Entra object ids (GUIDs) without regard to case; an
// empty id is nobody.
func sameID(a, b string) bool { return a != "" && strings.EqualFold(a, b) }
