// Package graphapi holds the types and errors of Digibot's Microsoft Graph
// client without importing the Graph SDK.
//
// Packages that use Graph define their own small interfaces in terms of these
// types and import only this package, so their test binaries never link
// msgraph-sdk-go (minutes of compile time on 2 cores, see
// /work/shared/notes/graph.md). Package digibot/graph implements them.
package graphapi

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors; every error from package graph that has one of these
// meanings wraps it, so callers use errors.Is.
var (
	// ErrNotConfigured: Graph is not configured (no credential); the feature
	// that needs it is off and the rest of Digibot works.
	ErrNotConfigured = errors.New("graph: not configured")
	// ErrNotFound: the user, manager, event or installation does not exist
	// (HTTP 404, or an empty result where one was required).
	ErrNotFound = errors.New("graph: not found")
	// ErrForbidden: the app lacks the permission (HTTP 403), e.g. admin
	// consent missing or a mailbox outside the application access policy.
	ErrForbidden = errors.New("graph: forbidden")
	// ErrThrottled: Graph still answered 429 or 503 after the client's
	// bounded retries; try again later (Error.RetryAfter says when, if known).
	ErrThrottled = errors.New("graph: throttled")
	// ErrInvalidInput: an argument was rejected before any request was sent.
	ErrInvalidInput = errors.New("graph: invalid input")
)

// User is a directory user, reduced to what Digibot needs.
type User struct {
	ID                string
	DisplayName       string
	Mail              string
	UPN               string // userPrincipalName
	PreferredLanguage string // e.g. "sv-SE"; may be empty
}

// Meeting is a Teams meeting to create in an organizer's calendar.
type Meeting struct {
	Subject       string
	BodyHTML      string
	Start, End    time.Time // any location; sent to Graph in UTC
	AttendeeEmail string
	AttendeeName  string
	// TransactionID makes creation idempotent: Graph does not create a second
	// event for a repeated POST with the same id. Use a stable id per booking.
	TransactionID string
}

// Busy is a period in which a calendar is not free (busy, tentative,
// out of office, working elsewhere or unknown). Times are in UTC.
type Busy struct {
	Start, End time.Time
}

// Error describes a failed Graph call. It never holds an SDK error value
// (some of them panic in Error()), only what was safely read from it.
type Error struct {
	Op         string        // the client method, e.g. "UserByUPN"
	Status     int           // HTTP status of the last response; 0 if none arrived
	Code       string        // Graph error code, e.g. "Request_ResourceNotFound"
	Message    string        // Graph's message, shortened; may be empty
	RetryAfter time.Duration // from the last response's Retry-After, if any
	Kind       error         // one of the sentinels above, or nil
	Err        error         // a non-SDK cause (transport, context), or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("graph")
	if e.Op != "" {
		b.WriteString(": ")
		b.WriteString(e.Op)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "graph: "))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the sentinel and the cause to errors.Is / errors.As.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
