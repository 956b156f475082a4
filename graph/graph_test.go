package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"digibot/bot/identity"
)

const (
	anna    = "anna.andersson@example.org"
	annaID  = "11111111-2222-3333-4444-555555555555"
	coach   = "coach@example.org"
	eventID = "AAMkAGI2TG93AAA-_x="
)

var annaJSON = `{"@odata.type":"#microsoft.graph.user","id":"` + annaID + `","displayName":"Anna Andersson",` +
	`"mail":"anna.andersson@example.org","userPrincipalName":"` + anna + `","preferredLanguage":"sv-SE"}`

var annaUser = User{ID: annaID, DisplayName: "Anna Andersson", Mail: anna, UPN: anna, PreferredLanguage: "sv-SE"}

// checkAuth asserts that every request carried the bearer token.
func checkAuth(t *testing.T, reqs []seen) {
	t.Helper()
	for _, r := range reqs {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("%s %s: Authorization = %q, want the bearer token", r.Method, r.Path, got)
		}
	}
}

// wantErr checks err against a sentinel (nil: no error) and a status.
func wantErr(t *testing.T, err, kind error, status int) {
	t.Helper()
	if kind == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want %v", err, kind)
	}
	var ge *Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %T is not *graph.Error", err)
	}
	if ge.Status != status {
		t.Errorf("status = %d, want %d (%v)", ge.Status, status, err)
	}
	if status != 0 && !strings.Contains(err.Error(), fmt.Sprint(status)) {
		t.Errorf("message %q does not name status %d", err.Error(), status)
	}
}

func TestUserByUPN(t *testing.T) {
	path := "GET /v1.0/users/" + anna
	throttled := reply{Status: 429, Body: odataErr("TooManyRequests", "slow down"), Header: map[string]string{"Retry-After": "0"}}
	tests := []struct {
		name     string
		replies  []reply
		want     User
		kind     error
		status   int
		requests int
		code     string
	}{
		{name: "found", replies: []reply{{Status: 200, Body: annaJSON}}, want: annaUser, requests: 1},
		{name: "404 Graph error", replies: []reply{{Status: 404, Body: odataErr("Request_ResourceNotFound", "Resource does not exist.")}},
			kind: ErrNotFound, status: 404, requests: 1, code: "Request_ResourceNotFound"},
		{name: "404 empty body", replies: []reply{{Status: 404}}, kind: ErrNotFound, status: 404, requests: 1},
		{name: "403", replies: []reply{{Status: 403, Body: odataErr("Authorization_RequestDenied", "Insufficient privileges.")}},
			kind: ErrForbidden, status: 403, requests: 1, code: "Authorization_RequestDenied"},
		{name: "429 then 200", replies: []reply{throttled, {Status: 200, Body: annaJSON}}, want: annaUser, requests: 2},
		{name: "429 until retries run out", replies: []reply{throttled}, kind: ErrThrottled, status: 429, requests: 4, code: "TooManyRequests"},
		{name: "503 until retries run out", replies: []reply{{Status: 503, Header: map[string]string{"Retry-After": "0"}}},
			kind: ErrThrottled, status: 503, requests: 4},
		{name: "Retry-After beyond the bound: no retry", replies: []reply{{Status: 429, Body: odataErr("TooManyRequests", "x"),
			Header: map[string]string{"Retry-After": "120"}}}, kind: ErrThrottled, status: 429, requests: 1, code: "TooManyRequests"},
		{name: "429 without Retry-After: backoff exceeds the bound", replies: []reply{{Status: 429}},
			kind: ErrThrottled, status: 429, requests: 1},
		// ODataError.Error() would panic on this body (no "error" object).
		{name: "500 non-OData JSON", replies: []reply{{Status: 500, Body: `{"message":"boom","detail":null}`}}, status: 500, requests: 1},
		{name: "500 HTML", replies: []reply{{Status: 500, Body: "<html>oops</html>", Header: map[string]string{"Content-Type": "text/html"}}},
			status: 500, requests: 1},
		{name: "502 plain text", replies: []reply{{Status: 502, Body: "bad gateway", Header: map[string]string{"Content-Type": "text/plain"}}},
			status: 502, requests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.on(path, tc.replies...)
			c, cred := newTestClient(t, f)
			got, err := c.UserByUPN(context.Background(), anna)
			reqs := f.requests()
			if len(reqs) != tc.requests {
				t.Errorf("%d requests went out, want %d", len(reqs), tc.requests)
			}
			checkAuth(t, reqs)
			if cred.calls.Load() == 0 {
				t.Error("credential never asked for a token")
			}
			for _, r := range reqs {
				if r.Method != "GET" || r.Path != "/v1.0/users/"+anna {
					t.Errorf("request %s %s", r.Method, r.Path)
				}
				if sel := r.Query.Get("$select"); sel != strings.Join(userSelect, ",") {
					t.Errorf("$select = %q", sel)
				}
			}
			if tc.status >= 500 && tc.kind == nil {
				if err == nil {
					t.Fatal("want an error")
				}
				var ge *Error
				if !errors.As(err, &ge) || ge.Status != tc.status {
					t.Fatalf("error = %v, want *Error with status %d", err, tc.status)
				}
				if !strings.Contains(err.Error(), fmt.Sprint(tc.status)) || !strings.Contains(err.Error(), "UserByUPN") {
					t.Errorf("error %q should name the call and the status", err)
				}
				return
			}
			wantErr(t, err, tc.kind, tc.status)
			if err != nil {
				var ge *Error
				errors.As(err, &ge)
				if ge.Code != tc.code {
					t.Errorf("code = %q, want %q", ge.Code, tc.code)
				}
				if tc.code != "" && !strings.Contains(err.Error(), tc.code) {
					t.Errorf("message %q lacks the code", err)
				}
				return
			}
			if got != tc.want {
				t.Errorf("user = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestThrottledRetryAfter(t *testing.T) {
	f := newFake(t)
	f.on("GET /v1.0/users/"+anna, reply{Status: 429, Body: odataErr("TooManyRequests", "x"), Header: map[string]string{"Retry-After": "120"}})
	c, _ := newTestClient(t, f)
	_, err := c.UserByUPN(context.Background(), anna)
	var ge *Error
	if !errors.As(err, &ge) || ge.RetryAfter != 2*time.Minute {
		t.Fatalf("error = %#v, want RetryAfter 2m", err)
	}
}

func TestManager(t *testing.T) {
	path := "GET /v1.0/users/" + annaID + "/manager"
	tests := []struct {
		name   string
		reply  reply
		want   User
		kind   error
		status int
	}{
		{name: "user", reply: reply{Status: 200, Body: annaJSON}, want: annaUser},
		{name: "no manager", reply: reply{Status: 404, Body: odataErr("Request_ResourceNotFound", "Resource 'manager' does not exist.")},
			kind: ErrNotFound, status: 404},
		{name: "manager is a contact", reply: reply{Status: 200, Body: `{"@odata.type":"#microsoft.graph.orgContact","id":"c1"}`},
			kind: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.on(path, tc.reply)
			c, _ := newTestClient(t, f)
			got, err := c.Manager(context.Background(), annaID)
			wantErr(t, err, tc.kind, tc.status)
			if got != tc.want {
				t.Errorf("manager = %+v, want %+v", got, tc.want)
			}
			reqs := f.requests()
			checkAuth(t, reqs)
			if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/v1.0/users/"+annaID+"/manager" {
				t.Fatalf("requests = %+v", reqs)
			}
			if sel := reqs[0].Query.Get("$select"); sel != strings.Join(userSelect, ",") {
				t.Errorf("$select = %q", sel)
			}
		})
	}
}

func guid(i int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", i) }

func TestIsMemberOfAny(t *testing.T) {
	path := "POST /v1.0/users/" + annaID + "/checkMemberGroups"
	var many []string
	for i := range 25 {
		many = append(many, guid(i))
	}
	tests := []struct {
		name    string
		groups  []string
		replies []reply
		want    bool
		kind    error
		bodies  [][]string // groupIds per request
	}{
		{name: "no groups", want: false},
		{name: "member", groups: []string{guid(1), guid(2)}, replies: []reply{{Status: 200, Body: `{"value":["` + guid(2) + `"]}`}},
			want: true, bodies: [][]string{{guid(1), guid(2)}}},
		{name: "not member", groups: []string{guid(1)}, replies: []reply{{Status: 200, Body: `{"value":[]}`}},
			bodies: [][]string{{guid(1)}}},
		{name: "duplicates sent once", groups: []string{guid(1), strings.ToUpper(guid(1))}, replies: []reply{{Status: 200, Body: `{"value":[]}`}},
			bodies: [][]string{{guid(1)}}},
		{name: "25 groups in chunks of 20", groups: many,
			replies: []reply{{Status: 200, Body: `{"value":[]}`}, {Status: 200, Body: `{"value":["` + guid(24) + `"]}`}},
			want:    true, bodies: [][]string{many[:20], many[20:]}},
		{name: "match in the first chunk stops", groups: many, replies: []reply{{Status: 200, Body: `{"value":["` + guid(3) + `"]}`}},
			want: true, bodies: [][]string{many[:20]}},
		{name: "bad group id", groups: []string{"Digibot admins"}, kind: ErrInvalidInput},
		{name: "403", groups: []string{guid(1)}, replies: []reply{{Status: 403, Body: odataErr("Authorization_RequestDenied", "no")}},
			kind: ErrForbidden, bodies: [][]string{{guid(1)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.on(path, tc.replies...)
			c, _ := newTestClient(t, f)
			got, err := c.IsMemberOfAny(context.Background(), annaID, tc.groups)
			if !errors.Is(err, tc.kind) || (tc.kind == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tc.kind)
			}
			if got != tc.want {
				t.Errorf("member = %v, want %v", got, tc.want)
			}
			reqs := f.requests()
			checkAuth(t, reqs)
			if len(reqs) != len(tc.bodies) {
				t.Fatalf("%d requests, want %d", len(reqs), len(tc.bodies))
			}
			for i, r := range reqs {
				if r.Method+" "+r.Path != path || r.Encoding != "gzip" {
					t.Errorf("request %s %s encoding %q", r.Method, r.Path, r.Encoding)
				}
				var ids []string
				for _, v := range r.JSON(t)["groupIds"].([]any) {
					ids = append(ids, v.(string))
				}
				if !reflect.DeepEqual(ids, tc.bodies[i]) {
					t.Errorf("request %d groupIds = %v, want %v", i, ids, tc.bodies[i])
				}
			}
		})
	}
}

var testMeeting = Meeting{
	Subject:       "Coachning: digital arbetsplats",
	BodyHTML:      "<p>Välkommen!</p>",
	Start:         time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CET", 3600)),
	End:           time.Date(2026, 3, 2, 9, 45, 0, 0, time.FixedZone("CET", 3600)),
	AttendeeEmail: anna,
	AttendeeName:  "Anna Andersson",
	TransactionID: "booking-42",
}

const eventJSON = `{"id":"` + eventID + `","subject":"x","onlineMeeting":{"joinUrl":"https://teams.microsoft.com/l/meetup-join/abc"}}`

func TestCreateMeeting(t *testing.T) {
	path := "POST /v1.0/users/" + coach + "/events"
	tests := []struct {
		name     string
		replies  []reply
		kind     error
		requests int
		join     string
	}{
		{name: "created", replies: []reply{{Status: 201, Body: eventJSON}}, requests: 1, join: "https://teams.microsoft.com/l/meetup-join/abc"},
		{name: "no join url", replies: []reply{{Status: 201, Body: `{"id":"` + eventID + `"}`}}, requests: 1},
		// The kiota bug: a retried POST must still be valid gzip + JSON.
		{name: "429 then 201", replies: []reply{{Status: 429, Header: map[string]string{"Retry-After": "0"}}, {Status: 201, Body: eventJSON}},
			requests: 2, join: "https://teams.microsoft.com/l/meetup-join/abc"},
		{name: "503 twice then 201", replies: []reply{{Status: 503, Header: map[string]string{"Retry-After": "0"}},
			{Status: 503, Header: map[string]string{"Retry-After": "0"}}, {Status: 201, Body: eventJSON}},
			requests: 3, join: "https://teams.microsoft.com/l/meetup-join/abc"},
		{name: "403 mailbox outside policy", replies: []reply{{Status: 403, Body: odataErr("ErrorAccessDenied", "Access is denied.")}},
			kind: ErrForbidden, requests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.on(path, tc.replies...)
			c, _ := newTestClient(t, f)
			id, join, err := c.CreateMeeting(context.Background(), coach, testMeeting)
			if !errors.Is(err, tc.kind) || (tc.kind == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tc.kind)
			}
			if tc.kind == nil && (id != eventID || join != tc.join) {
				t.Errorf("got (%q, %q), want (%q, %q)", id, join, eventID, tc.join)
			}
			reqs := f.requests()
			checkAuth(t, reqs)
			if len(reqs) != tc.requests {
				t.Fatalf("%d requests, want %d", len(reqs), tc.requests)
			}
			for _, r := range reqs {
				if r.Method+" "+r.Path != path {
					t.Errorf("request %s %s", r.Method, r.Path)
				}
				if r.Encoding != "gzip" || r.BodyErr != "" {
					t.Errorf("attempt %s: encoding %q, body error %q", r.Header.Get("Retry-Attempt"), r.Encoding, r.BodyErr)
				}
				if p := r.Header.Get("Prefer"); p != `outlook.timezone="UTC"` {
					t.Errorf("Prefer = %q", p)
				}
				checkEventBody(t, r.JSON(t))
			}
			if len(reqs) > 1 && string(reqs[0].Body) != string(reqs[1].Body) {
				t.Errorf("retried body differs:\n%s\n%s", reqs[0].Body, reqs[1].Body)
			}
		})
	}
}

func checkEventBody(t *testing.T, b map[string]any) {
	t.Helper()
	get := func(path ...string) any {
		var v any = b
		for _, p := range path {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[p]
		}
		return v
	}
	want := map[string]any{
		"subject":               testMeeting.Subject,
		"body.contentType":      "html",
		"body.content":          testMeeting.BodyHTML,
		"start.dateTime":        "2026-03-02T08:00:00",
		"start.timeZone":        "UTC",
		"end.dateTime":          "2026-03-02T08:45:00",
		"end.timeZone":          "UTC",
		"isOnlineMeeting":       true,
		"onlineMeetingProvider": "teamsForBusiness",
		"transactionId":         "booking-42",
	}
	for k, w := range want {
		if got := get(strings.Split(k, ".")...); got != w {
			t.Errorf("event %s = %#v, want %#v", k, got, w)
		}
	}
	atts, _ := b["attendees"].([]any)
	if len(atts) != 1 {
		t.Fatalf("attendees = %#v", b["attendees"])
	}
	a := atts[0].(map[string]any)
	ea, _ := a["emailAddress"].(map[string]any)
	if a["type"] != "required" || ea["address"] != anna || ea["name"] != "Anna Andersson" {
		t.Errorf("attendee = %#v", a)
	}
}

func TestCreateMeetingRejectsBadInput(t *testing.T) {
	mod := func(f func(*Meeting)) Meeting { m := testMeeting; f(&m); return m }
	tests := []struct {
		name      string
		organizer string
		m         Meeting
	}{
		{"empty organizer", "", testMeeting},
		{"organizer with slash", "coach/../x", testMeeting},
		{"empty subject", coach, mod(func(m *Meeting) { m.Subject = "  " })},
		{"subject with control char", coach, mod(func(m *Meeting) { m.Subject = "a\x00b" })},
		{"long subject", coach, mod(func(m *Meeting) { m.Subject = strings.Repeat("x", 300) })},
		{"end before start", coach, mod(func(m *Meeting) { m.End = m.Start.Add(-time.Minute) })},
		{"zero start", coach, mod(func(m *Meeting) { m.Start = time.Time{} })},
		{"two days", coach, mod(func(m *Meeting) { m.End = m.Start.Add(48 * time.Hour) })},
		{"bad email", coach, mod(func(m *Meeting) { m.AttendeeEmail = "anna" })},
		{"header injection", coach, mod(func(m *Meeting) { m.AttendeeEmail = "a@b.se\r\nBcc: x@y.se" })},
		{"no transaction id", coach, mod(func(m *Meeting) { m.TransactionID = "" })},
		{"invalid UTF-8 body", coach, mod(func(m *Meeting) { m.BodyHTML = "\xff" })},
	}
	f := newFake(t)
	c, _ := newTestClient(t, f)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := c.CreateMeeting(context.Background(), tc.organizer, tc.m)
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "CreateMeeting") {
				t.Fatalf("error = %v, want ErrInvalidInput naming the call", err)
			}
		})
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests went out for bad input", n)
	}
}

func TestDeleteEvent(t *testing.T) {
	path := "DELETE /v1.0/users/" + coach + "/events/" + eventID
	tests := []struct {
		name  string
		reply reply
		kind  error
	}{
		{"deleted", reply{Status: 204}, nil},
		{"already gone", reply{Status: 404, Body: odataErr("ErrorItemNotFound", "The specified object was not found in the store.")}, nil},
		{"forbidden", reply{Status: 403, Body: odataErr("ErrorAccessDenied", "Access is denied.")}, ErrForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.on(path, tc.reply)
			c, _ := newTestClient(t, f)
			err := c.DeleteEvent(context.Background(), coach, eventID)
			if !errors.Is(err, tc.kind) || (tc.kind == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tc.kind)
			}
			reqs := f.requests()
			checkAuth(t, reqs)
			if len(reqs) != 1 || reqs[0].Method+" "+reqs[0].Path != path {
				t.Fatalf("requests = %+v", reqs)
			}
		})
	}
}

func TestBusyTimes(t *testing.T) {
	path := "POST /v1.0/users/" + coach + "/calendar/getSchedule"
	from := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	to := from.Add(10 * time.Hour)
	at := func(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, time.UTC) }
	item := func(status, start, end, tz string) string {
		return `{"status":"` + status + `","start":{"dateTime":"` + start + `","timeZone":"` + tz + `"},"end":{"dateTime":"` + end + `","timeZone":"` + tz + `"}}`
	}
	schedule := func(items ...string) string {
		return `{"value":[{"scheduleId":"` + coach + `","availabilityView":"0022","scheduleItems":[` + strings.Join(items, ",") + `]}]}`
	}
	tests := []struct {
		name  string
		reply reply
		want  []Busy
		kind  error
	}{
		{name: "busy, free, tentative and overlapping", reply: reply{Status: 200, Body: schedule(
			item("busy", "2026-03-02T10:00:00.0000000", "2026-03-02T11:00:00.0000000", "UTC"),
			item("free", "2026-03-02T08:00:00.0000000", "2026-03-02T09:00:00.0000000", "UTC"),
			item("tentative", "2026-03-02T10:30:00.0000000", "2026-03-02T11:30:00.0000000", "UTC"),
			item("oof", "2026-03-02T07:00:00.0000000", "2026-03-02T07:30:00.0000000", "UTC"),
		)}, want: []Busy{{Start: at(7, 0), End: at(7, 30)}, {Start: at(10, 0), End: at(11, 30)}}},
		{name: "Windows zone name", reply: reply{Status: 200, Body: schedule(
			item("busy", "2026-03-02T10:00:00.0000000", "2026-03-02T11:00:00.0000000", "W. Europe Standard Time"))},
			want: []Busy{{Start: at(9, 0), End: at(10, 0)}}},
		{name: "empty calendar", reply: reply{Status: 200, Body: schedule()}},
		{name: "mailbox not found", reply: reply{Status: 200, Body: `{"value":[{"scheduleId":"` + coach +
			`","error":{"message":"not found","responseCode":"ErrorMailRecipientNotFound"}}]}`}, kind: ErrNotFound},
		{name: "unknown time zone", reply: reply{Status: 200, Body: schedule(
			item("busy", "2026-03-02T10:00:00", "2026-03-02T11:00:00", "Mars/Olympus"))}, kind: errAny},
		{name: "throttled", reply: reply{Status: 429, Header: map[string]string{"Retry-After": "3600"}}, kind: ErrThrottled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.on(path, tc.reply)
			c, _ := newTestClient(t, f)
			got, err := c.BusyTimes(context.Background(), coach, from, to)
			switch {
			case tc.kind == errAny && err == nil, tc.kind == nil && err != nil,
				tc.kind != nil && tc.kind != errAny && !errors.Is(err, tc.kind):
				t.Fatalf("error = %v, want %v", err, tc.kind)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("busy = %v, want %v", got, tc.want)
			}
			reqs := f.requests()
			checkAuth(t, reqs)
			if len(reqs) != 1 || reqs[0].Method+" "+reqs[0].Path != path {
				t.Fatalf("requests = %+v", reqs)
			}
			// The SDK writes this action's parameters as Graph's metadata
			// names them ("Schedules", "StartTime"); Graph matches them
			// case-insensitively, so the fake does too.
			b := reqs[0].JSON(t)
			if s, _ := field(b, "schedules").([]any); len(s) != 1 || s[0] != coach {
				t.Errorf("schedules = %#v in %s", field(b, "schedules"), reqs[0].Body)
			}
			st, _ := field(b, "startTime").(map[string]any)
			en, _ := field(b, "endTime").(map[string]any)
			if st["dateTime"] != "2026-03-02T07:00:00" || st["timeZone"] != "UTC" || en["dateTime"] != "2026-03-02T17:00:00" || en["timeZone"] != "UTC" {
				t.Errorf("startTime %v endTime %v", st, en)
			}
			if v := field(b, "availabilityViewInterval"); v != float64(15) {
				t.Errorf("availabilityViewInterval = %v", v)
			}
		})
	}
}

var errAny = errors.New("any error")

// field looks a JSON property up case-insensitively, as Graph does.
func field(m map[string]any, name string) any {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

func TestBusyTimesRejectsBadPeriod(t *testing.T) {
	f := newFake(t)
	c, _ := newTestClient(t, f)
	from := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	for _, to := range []time.Time{from, from.Add(-time.Hour), from.Add(63 * 24 * time.Hour), from.Add(4 * time.Minute), {}} {
		if _, err := c.BusyTimes(context.Background(), coach, from, to); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("to=%v: error = %v, want ErrInvalidInput", to, err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests went out", n)
	}
}

func TestInstallForUser(t *testing.T) {
	path := "POST /v1.0/users/" + annaID + "/teamwork/installedApps"
	tests := []struct {
		name  string
		reply reply
		kind  error
	}{
		{"installed", reply{Status: 201}, nil},
		{"already installed", reply{Status: 409, Body: odataErr("Conflict", "App is already installed.")}, nil},
		{"forbidden", reply{Status: 403, Body: odataErr("Forbidden", "Missing role permissions on the request.")}, ErrForbidden},
		{"user not found", reply{Status: 404, Body: odataErr("NotFound", "User not found.")}, ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.on(path, tc.reply)
			c, _ := newTestClient(t, f)
			err := c.InstallForUser(context.Background(), annaID)
			if !errors.Is(err, tc.kind) || (tc.kind == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tc.kind)
			}
			reqs := f.requests()
			checkAuth(t, reqs)
			if len(reqs) != 1 || reqs[0].Method+" "+reqs[0].Path != path {
				t.Fatalf("requests = %+v", reqs)
			}
			b := reqs[0].JSON(t)
			if got, want := b["teamsApp@odata.bind"], f.base()+"/appCatalogs/teamsApps/"+testCatalog; got != want {
				t.Errorf("teamsApp@odata.bind = %v, want %v", got, want)
			}
		})
	}
	t.Run("no catalog id", func(t *testing.T) {
		f := newFake(t)
		c, _ := newTestClient(t, f, func(c *Config) { c.CatalogAppID = "" })
		if err := c.InstallForUser(context.Background(), annaID); !errors.Is(err, ErrNotConfigured) {
			t.Fatalf("error = %v, want ErrNotConfigured", err)
		}
		if len(f.requests()) != 0 {
			t.Error("a request went out")
		}
	})
}

func TestPersonalChatID(t *testing.T) {
	apps := "/v1.0/users/" + annaID + "/teamwork/installedApps"
	inst := func(id, externalID string) string {
		return `{"id":"` + id + `","teamsApp":{"id":"cat-1","externalId":"` + externalID + `","displayName":"Digibot"}}`
	}
	const chatPath = "/v1.0/users/" + annaID + "/teamwork/installedApps/inst-2/chat"
	chat := reply{Status: 200, Body: `{"id":"19:abc_def@unq.gbl.spaces","chatType":"oneOnOne"}`}
	tests := []struct {
		name    string
		pages   []reply
		want    string
		kind    error
		paths   []string
		errText string
	}{
		{name: "first page", pages: []reply{{Status: 200, Body: `{"value":[` + inst("inst-2", testManifest) + `]}`}},
			want: "19:abc_def@unq.gbl.spaces", paths: []string{apps, chatPath}},
		{name: "second page via nextLink", pages: []reply{
			{Status: 200, Body: `{"value":[` + inst("inst-1", "someone-else") + `],"@odata.nextLink":"{{base}}/users/` + annaID + `/teamwork/installedApps?$skiptoken=p2"}`},
			{Status: 200, Body: `{"value":[` + inst("inst-2", testManifest) + `]}`}},
			want: "19:abc_def@unq.gbl.spaces", paths: []string{apps, apps, chatPath}},
		{name: "not installed", pages: []reply{{Status: 200, Body: `{"value":[]}`}}, kind: ErrNotFound, paths: []string{apps}},
		{name: "nextLink to another host is not followed", pages: []reply{
			{Status: 200, Body: `{"value":[],"@odata.nextLink":"https://evil.example.com/v1.0/users/x/teamwork/installedApps"}`}},
			kind: errAny, paths: []string{apps}, errText: "nextLink"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.on("GET "+apps, tc.pages...)
			f.on("GET "+chatPath, chat)
			c, _ := newTestClient(t, f)
			got, err := c.PersonalChatID(context.Background(), annaID)
			switch {
			case tc.kind == errAny && (err == nil || !strings.Contains(err.Error(), tc.errText)),
				tc.kind == nil && err != nil,
				tc.kind != nil && tc.kind != errAny && !errors.Is(err, tc.kind):
				t.Fatalf("error = %v, want %v", err, tc.kind)
			}
			if got != tc.want {
				t.Errorf("chat id = %q, want %q", got, tc.want)
			}
			reqs := f.requests()
			checkAuth(t, reqs)
			var paths []string
			for _, r := range reqs {
				paths = append(paths, r.Path)
			}
			if !reflect.DeepEqual(paths, tc.paths) {
				t.Fatalf("paths = %v, want %v", paths, tc.paths)
			}
			q := reqs[0].Query
			if q.Get("$expand") != "teamsApp" || q.Get("$filter") != "teamsApp/externalId eq '"+testManifest+"'" {
				t.Errorf("first query = %v", q)
			}
			if len(reqs) > 1 && reqs[1].Path == apps && reqs[1].Query.Get("$skiptoken") != "p2" {
				t.Errorf("second page query = %v", reqs[1].Query)
			}
		})
	}
}

func TestDisabled(t *testing.T) {
	ctx := context.Background()
	if _, err := New(Config{}); !errors.Is(err, ErrNotConfigured) {
		t.Fatalf("New without credential: %v, want ErrNotConfigured", err)
	}
	for name, c := range map[string]*Client{"Disabled": Disabled(), "nil": nil} {
		if c.Enabled() {
			t.Errorf("%s: Enabled", name)
		}
		calls := map[string]error{}
		_, calls["UserByUPN"] = c.UserByUPN(ctx, anna)
		_, calls["Manager"] = c.Manager(ctx, annaID)
		_, calls["IsMemberOfAny"] = c.IsMemberOfAny(ctx, annaID, []string{guid(1)})
		_, _, calls["CreateMeeting"] = c.CreateMeeting(ctx, coach, testMeeting)
		calls["DeleteEvent"] = c.DeleteEvent(ctx, coach, eventID)
		_, calls["BusyTimes"] = c.BusyTimes(ctx, coach, testMeeting.Start, testMeeting.End)
		calls["InstallForUser"] = c.InstallForUser(ctx, annaID)
		_, calls["PersonalChatID"] = c.PersonalChatID(ctx, annaID)
		for op, err := range calls {
			if !errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), op) {
				t.Errorf("%s.%s: %v, want ErrNotConfigured naming the call", name, op, err)
			}
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cred := &fakeCred{}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"http to a remote host", Config{Credential: cred, BaseURL: "http://graph.microsoft.com/v1.0"}},
		{"no host", Config{Credential: cred, BaseURL: "/v1.0"}},
		{"query", Config{Credential: cred, BaseURL: "https://graph.microsoft.com/v1.0?x=1"}},
		{"user info", Config{Credential: cred, BaseURL: "https://u:p@graph.microsoft.com/v1.0"}},
		{"catalog id not a GUID", Config{Credential: cred, CatalogAppID: "digibot"}},
		{"manifest id with a quote", Config{Credential: cred, ManifestAppID: "7d3e9b10-2c4f-4e8a-8b6d-0a1b2c3d4e5'"}},
	}
	for _, tc := range tests {
		if _, err := New(tc.cfg); err == nil {
			t.Errorf("%s: New accepted %+v", tc.name, tc.cfg)
		}
	}
	c, err := New(Config{Credential: cred})
	if err != nil || !c.Enabled() || c.baseURL != DefaultBaseURL {
		t.Fatalf("defaults: %v %+v", err, c)
	}
}

func TestDefaultScopeIsGraphScope(t *testing.T) {
	if DefaultScope != identity.GraphScope {
		t.Fatalf("DefaultScope %q != identity.GraphScope %q", DefaultScope, identity.GraphScope)
	}
	f := newFake(t)
	f.on("GET /v1.0/users/"+anna, reply{Status: 200, Body: annaJSON})
	c, cred := newTestClient(t, f)
	if _, err := c.UserByUPN(context.Background(), anna); err != nil {
		t.Fatal(err)
	}
	cred.mu.Lock()
	defer cred.mu.Unlock()
	if !reflect.DeepEqual(cred.scopes, []string{DefaultScope}) {
		t.Errorf("token scopes = %v", cred.scopes)
	}
}

func TestContextCanceled(t *testing.T) {
	f := newFake(t)
	f.on("GET /v1.0/users/"+anna, reply{Status: 200, Body: annaJSON})
	c, _ := newTestClient(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.UserByUPN(ctx, anna)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{"1.9", time.Second, true},
		{"-3", 0, true},
		{"NaN", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"1e12", 24 * time.Hour, true},
	}
	for _, tc := range tests {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSDKPanicIsContained(t *testing.T) {
	f := newFake(t)
	c, _ := newTestClient(t, f)
	err := c.do(context.Background(), "Probe", func(context.Context) error {
		// What the SDK does when something formats an ODataError without
		// an "error" object (e.g. an OpenTelemetry span recording it).
		_ = odataerrors.NewODataError().Error()
		return nil
	})
	var ge *Error
	if !errors.As(err, &ge) || ge.Op != "Probe" {
		t.Fatalf("error = %v, want *Error for Probe", err)
	}
}

func TestPathEscaping(t *testing.T) {
	// A guest UPN holds '#', which must reach Graph escaped in the path.
	const guest = "anna_example.org#EXT#@tenant.onmicrosoft.com"
	f := newFake(t)
	f.on("GET /v1.0/users/"+guest, reply{Status: 200, Body: annaJSON})
	c, _ := newTestClient(t, f)
	if _, err := c.UserByUPN(context.Background(), guest); err != nil {
		t.Fatal(err)
	}
	if reqs := f.requests(); len(reqs) != 1 || reqs[0].Path != "/v1.0/users/"+guest || len(reqs[0].Query) != 1 {
		t.Fatalf("requests = %+v", reqs)
	}
}

func TestConcurrentCalls(t *testing.T) {
	f := newFake(t)
	f.on("GET /v1.0/users/"+anna, reply{Status: 200, Body: annaJSON})
	f.on("POST /v1.0/users/"+coach+"/events", reply{Status: 201, Body: eventJSON})
	c, _ := newTestClient(t, f)
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			var err error
			if i%2 == 0 {
				_, err = c.UserByUPN(context.Background(), anna)
			} else {
				_, _, err = c.CreateMeeting(context.Background(), coach, testMeeting)
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(f.requests()); n != 16 {
		t.Errorf("%d requests, want 16", n)
	}
}
