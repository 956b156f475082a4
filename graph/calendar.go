package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"digibot/graph/graphapi"
)

const (
	// graphDateTime is how Graph writes dateTimeTimeZone.dateTime: local
	// time without offset, usually with 7 fractional digits.
	graphDateTime = "2006-01-02T15:04:05.9999999"
	// Graph's getSchedule accepts at most 62 days.
	maxScheduleSpan = 62 * 24 * time.Hour
	minScheduleSpan = 5 * time.Minute
	maxMeetingLen   = 24 * time.Hour
	// scheduleInterval is getSchedule's availabilityViewInterval in minutes.
	scheduleInterval = 15
)

// preferUTC makes Graph answer with times in UTC (Prefer: outlook.timezone).
func preferUTC() *abs.RequestHeaders {
	h := abs.NewRequestHeaders()
	h.Add("Prefer", `outlook.timezone="UTC"`)
	return h
}

// CreateMeeting creates a Teams meeting in the organizer's calendar with one
// required attendee and returns the event id and the join URL (empty if
// Graph did not return one). Start and End go out in UTC, which every
// mailbox understands; Graph's zone list has Windows names, not IANA ones.
// Repeating a call with the same TransactionID does not create a second
// event. POST /users/{id}/events — Calendars.ReadWrite.
func (c *Client) CreateMeeting(ctx context.Context, organizer string, m Meeting) (eventID, joinURL string, err error) {
	const op = "CreateMeeting"
	if err := checkMeeting(organizer, m); err != nil {
		return "", "", withOp(op, err)
	}
	err = c.do(ctx, op, func(ctx context.Context) error {
		res, err := c.users.ByUserId(organizer).Events().Post(ctx, newEvent(m), &users.ItemEventsRequestBuilderPostRequestConfiguration{
			Headers: preferUTC(),
		})
		if err != nil {
			return err
		}
		if res == nil || deref(res.GetId()) == "" {
			return &Error{Op: op, Message: "Graph returned no event id"}
		}
		eventID = deref(res.GetId())
		if om := res.GetOnlineMeeting(); om != nil {
			joinURL = deref(om.GetJoinUrl())
		}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	return eventID, joinURL, nil
}

func checkMeeting(organizer string, m Meeting) error {
	if err := graphapi.CheckUserRef(organizer); err != nil {
		return err
	}
	if strings.TrimSpace(m.Subject) == "" {
		return &Error{Kind: ErrInvalidInput, Message: "meeting subject is empty"}
	}
	if err := graphapi.CheckText("meeting subject", m.Subject, graphapi.MaxSubjectLen); err != nil {
		return err
	}
	if err := graphapi.CheckText("meeting body", m.BodyHTML, graphapi.MaxBodyLen); err != nil {
		return err
	}
	switch {
	case m.Start.IsZero() || m.End.IsZero():
		return &Error{Kind: ErrInvalidInput, Message: "meeting start and end are required"}
	case !m.End.After(m.Start):
		return &Error{Kind: ErrInvalidInput, Message: "meeting must end after it starts"}
	case m.End.Sub(m.Start) > maxMeetingLen:
		return &Error{Kind: ErrInvalidInput, Message: "meeting is longer than 24 hours"}
	}
	if err := graphapi.CheckEmail(m.AttendeeEmail); err != nil {
		return err
	}
	if err := graphapi.CheckText("attendee name", m.AttendeeName, graphapi.MaxUserRefLen); err != nil {
		return err
	}
	if strings.TrimSpace(m.TransactionID) == "" {
		return &Error{Kind: ErrInvalidInput, Message: "meeting transaction id is empty (needed so a retry cannot book twice)"}
	}
	return graphapi.CheckText("transaction id", m.TransactionID, graphapi.MaxTxIDLen)
}

func newEvent(m Meeting) models.Eventable {
	ev := models.NewEvent()
	ev.SetSubject(&m.Subject)
	body := models.NewItemBody()
	html := models.HTML_BODYTYPE
	body.SetContentType(&html)
	body.SetContent(&m.BodyHTML)
	ev.SetBody(body)
	ev.SetStart(utcDateTime(m.Start))
	ev.SetEnd(utcDateTime(m.End))

	addr := models.NewEmailAddress()
	addr.SetAddress(&m.AttendeeEmail)
	if m.AttendeeName != "" {
		addr.SetName(&m.AttendeeName)
	}
	att := models.NewAttendee()
	att.SetEmailAddress(addr)
	required := models.REQUIRED_ATTENDEETYPE
	att.SetTypeEscaped(&required)
	ev.SetAttendees([]models.Attendeeable{att})

	online := true
	ev.SetIsOnlineMeeting(&online)
	teams := models.TEAMSFORBUSINESS_ONLINEMEETINGPROVIDERTYPE
	ev.SetOnlineMeetingProvider(&teams)
	ev.SetTransactionId(&m.TransactionID)
	return ev
}

func utcDateTime(t time.Time) models.DateTimeTimeZoneable {
	d := models.NewDateTimeTimeZone()
	s := t.UTC().Format("2006-01-02T15:04:05")
	tz := "UTC"
	d.SetDateTime(&s)
	d.SetTimeZone(&tz)
	return d
}

// DeleteEvent cancels (deletes) an event in the organizer's calendar; for a
// meeting Exchange sends the attendees a cancellation. An event that is
// already gone counts as done. DELETE /users/{id}/events/{id}.
func (c *Client) DeleteEvent(ctx context.Context, organizer, eventID string) error {
	const op = "DeleteEvent"
	if err := graphapi.CheckUserRef(organizer); err != nil {
		return withOp(op, err)
	}
	if err := graphapi.CheckEventID(eventID); err != nil {
		return withOp(op, err)
	}
	err := c.do(ctx, op, func(ctx context.Context) error {
		return c.users.ByUserId(organizer).Events().ByEventId(eventID).Delete(ctx, nil)
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// BusyTimes returns the periods in [from, to) in which the user's calendar
// is not free, in UTC, sorted and merged. POST /users/{upn}/calendar/getSchedule
// — Calendars.Read.
func (c *Client) BusyTimes(ctx context.Context, upn string, from, to time.Time) ([]Busy, error) {
	const op = "BusyTimes"
	if err := graphapi.CheckUserRef(upn); err != nil {
		return nil, withOp(op, err)
	}
	switch {
	case from.IsZero() || to.IsZero() || !to.After(from):
		return nil, &Error{Op: op, Kind: ErrInvalidInput, Message: "the period must have a start before its end"}
	case to.Sub(from) > maxScheduleSpan:
		return nil, &Error{Op: op, Kind: ErrInvalidInput, Message: "the period is longer than Graph's 62 days"}
	case to.Sub(from) < minScheduleSpan:
		return nil, &Error{Op: op, Kind: ErrInvalidInput, Message: "the period is shorter than Graph's 5 minutes"}
	}
	var busy []Busy
	err := c.do(ctx, op, func(ctx context.Context) error {
		body := users.NewItemCalendarGetSchedulePostRequestBody()
		body.SetSchedules([]string{upn})
		body.SetStartTime(utcDateTime(from))
		body.SetEndTime(utcDateTime(to))
		// Graph rejects an interval longer than the period (5..1440 min).
		interval := int32(min(scheduleInterval, int(to.Sub(from)/time.Minute)))
		body.SetAvailabilityViewInterval(&interval)
		res, err := c.users.ByUserId(upn).Calendar().GetSchedule().PostAsGetSchedulePostResponse(ctx, body,
			&users.ItemCalendarGetScheduleRequestBuilderPostRequestConfiguration{Headers: preferUTC()})
		if err != nil {
			return err
		}
		if res == nil {
			return &Error{Op: op, Message: "empty response"}
		}
		busy, err = busyFrom(op, upn, res.GetValue())
		return err
	})
	if err != nil {
		return nil, err
	}
	return busy, nil
}

// busyFrom reads the schedule of upn out of a getSchedule response.
func busyFrom(op, upn string, infos []models.ScheduleInformationable) ([]Busy, error) {
	var info models.ScheduleInformationable
	for _, in := range infos {
		if in != nil && (info == nil || strings.EqualFold(deref(in.GetScheduleId()), upn)) {
			info = in
		}
	}
	if info == nil {
		return nil, &Error{Op: op, Kind: ErrNotFound, Message: "no schedule in the response"}
	}
	if fe := info.GetError(); fe != nil {
		code := cleanText(deref(fe.GetResponseCode()), 64)
		e := &Error{Op: op, Code: code, Message: cleanText(deref(fe.GetMessage()), maxMessageLen)}
		switch {
		case strings.Contains(code, "NotFound"):
			e.Kind = ErrNotFound
		case strings.Contains(code, "AccessDenied"), strings.Contains(code, "NotAllowed"):
			e.Kind = ErrForbidden
		}
		return nil, e
	}
	var busy []Busy
	for _, it := range info.GetScheduleItems() {
		if it == nil {
			continue
		}
		if st := it.GetStatus(); st != nil && *st == models.FREE_FREEBUSYSTATUS {
			continue
		}
		start, err := parseDateTimeTZ(it.GetStart())
		if err != nil {
			return nil, &Error{Op: op, Message: "schedule item start: " + err.Error()}
		}
		end, err := parseDateTimeTZ(it.GetEnd())
		if err != nil {
			return nil, &Error{Op: op, Message: "schedule item end: " + err.Error()}
		}
		if end.After(start) {
			busy = append(busy, Busy{Start: start, End: end})
		}
	}
	return mergeBusy(busy), nil
}

// mergeBusy sorts periods and joins those that overlap or touch.
func mergeBusy(b []Busy) []Busy {
	slices.SortFunc(b, func(x, y Busy) int { return x.Start.Compare(y.Start) })
	out := b[:0]
	for _, p := range b {
		if n := len(out); n > 0 && !p.Start.After(out[n-1].End) {
			if p.End.After(out[n-1].End) {
				out[n-1].End = p.End
			}
			continue
		}
		out = append(out, p)
	}
	return out
}

// windowsZones maps the Windows zone names Graph may use (when a mailbox
// ignores the Prefer header) onto IANA names; UTC is what we ask for.
var windowsZones = map[string]string{
	"W. Europe Standard Time":        "Europe/Stockholm",
	"Central Europe Standard Time":   "Europe/Budapest",
	"Romance Standard Time":          "Europe/Paris",
	"GMT Standard Time":              "Europe/London",
	"FLE Standard Time":              "Europe/Helsinki",
	"Greenwich Standard Time":        "Atlantic/Reykjavik",
	"Central European Standard Time": "Europe/Warsaw",
}

// parseDateTimeTZ reads a Graph dateTimeTimeZone (outside input) as UTC.
func parseDateTimeTZ(d models.DateTimeTimeZoneable) (time.Time, error) {
	if d == nil {
		return time.Time{}, errors.New("missing")
	}
	return parseGraphTime(deref(d.GetDateTime()), deref(d.GetTimeZone()))
}

func parseGraphTime(dt, tz string) (time.Time, error) {
	if dt == "" || len(dt) > 40 {
		return time.Time{}, fmt.Errorf("dateTime %q: want e.g. 2026-03-02T09:00:00.0000000", cleanText(dt, 40))
	}
	if t, err := time.Parse(time.RFC3339Nano, dt); err == nil { // has its own offset
		return t.UTC(), nil
	}
	loc := time.UTC
	switch tz {
	case "", "UTC", "Etc/UTC", "tzone://Microsoft/Utc":
	default:
		name := tz
		if iana, ok := windowsZones[tz]; ok {
			name = iana
		}
		if len(name) > 64 {
			return time.Time{}, fmt.Errorf("unknown time zone %q", cleanText(tz, 64))
		}
		l, err := time.LoadLocation(name)
		if err != nil {
			return time.Time{}, fmt.Errorf("unknown time zone %q", cleanText(tz, 64))
		}
		loc = l
	}
	t, err := time.ParseInLocation(graphDateTime, dt, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("dateTime %q: want e.g. 2026-03-02T09:00:00.0000000", cleanText(dt, 40))
	}
	return t.UTC(), nil
}
