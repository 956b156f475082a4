package auth

import (
	"errors"
	"fmt"
)

// ErrUnauthorized is wrapped by every error Validate returns: the HTTP layer
// answers 401 for it and logs the error text, which names the reason.
var ErrUnauthorized = errors.New("unauthorized")

// Reasons, wrapped together with ErrUnauthorized so callers can tell them apart
// with errors.Is (for logs and metrics, or a 403/503 where that fits better).
var (
	ErrNoToken         = errors.New("no bearer token")
	ErrMalformed       = errors.New("malformed token")
	ErrAlgorithm       = errors.New("signing algorithm not allowed")
	ErrSignature       = errors.New("invalid signature")
	ErrUnknownKey      = errors.New("unknown signing key")
	ErrIssuer          = errors.New("issuer not accepted")
	ErrAudience        = errors.New("audience is not this bot")
	ErrExpired         = errors.New("token expired")
	ErrNotYetValid     = errors.New("token not valid yet")
	ErrMissingClaim    = errors.New("required claim missing")
	ErrServiceURL      = errors.New("serviceurl claim does not match the activity")
	ErrEndorsement     = errors.New("signing key not endorsed for the channel")
	ErrKeysUnavailable = errors.New("signing keys unavailable")
	// errInternal marks a recovered panic; it should never happen and the fuzz
	// test checks that it does not.
	errInternal = errors.New("internal error")
)

// reject builds the error Validate returns: ErrUnauthorized, the reason and a
// detail for the log. The detail never contains the token itself.
func reject(reason error, format string, args ...any) error {
	if format == "" {
		return fmt.Errorf("%w: %w", ErrUnauthorized, reason)
	}
	return fmt.Errorf("%w: %w: %s", ErrUnauthorized, reason, fmt.Sprintf(format, args...))
}
