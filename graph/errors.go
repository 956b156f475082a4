package graph

import (
	"errors"
	"net/http"
	"strings"
	"unicode"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

const maxMessageLen = 300

// convert turns whatever the SDK returned into an *Error. It is the only
// place that looks inside SDK errors, and it never calls their Error():
// ODataError.Error() dereferences the body's "error" object without a nil
// check, so a 500 with some other JSON body panics (notes/graph.md). No SDK
// error value is kept, so nothing later can call it either.
func (c *Client) convert(op string, ci *callInfo, err error) error {
	var own *Error
	if errors.As(err, &own) { // built by this package, e.g. an empty result
		return own
	}
	e := &Error{Op: op, Status: ci.status}
	var odata *odataerrors.ODataError
	var api abs.ApiErrorable
	switch {
	case errors.As(err, &odata):
		if s := odata.GetStatusCode(); s != 0 {
			e.Status = s
		}
		if main := odata.GetErrorEscaped(); main != nil {
			e.Code = cleanText(deref(main.GetCode()), 64)
			e.Message = cleanText(deref(main.GetMessage()), maxMessageLen)
		} else {
			e.Message = "response body holds no Graph error object"
		}
	case errors.As(err, &api):
		// *abs.ApiError: no body, or no error mapping. Its Message is the
		// SDK's own generic text; the status says it all.
		if s := api.GetStatusCode(); s != 0 {
			e.Status = s
		}
	default:
		// Transport, context or parse errors: plain Go errors, safe to keep
		// so errors.Is(err, context.DeadlineExceeded) works.
		e.Err = err
	}
	e.Kind = kindOf(e.Status)
	if ra, ok := parseRetryAfter(ci.retryAfter, c.now()); ok && e.Kind == ErrThrottled {
		e.RetryAfter = ra
	}
	return e
}

// kindOf maps an HTTP status onto a sentinel. 429 and 503 reach the caller
// only after the retry handler gave up, hence "throttled".
func kindOf(status int) error {
	switch status {
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return ErrThrottled
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// cleanText keeps text from a response safe to log and show in an error:
// one line, no control characters, at most max bytes (on a rune boundary).
func cleanText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == unicode.ReplacementChar:
			return '?'
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	s = strings.TrimSpace(s)
	if len(s) > max {
		cut := max
		for cut > 0 && (s[cut]&0xC0) == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
