package graphapi

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCheckUserRef(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"anna.andersson@regiongavleborg.se", true},
		{"11111111-2222-3333-4444-555555555555", true},
		{"o'brien@example.org", true},
		{"guest_example.org#EXT#@tenant.onmicrosoft.com", true}, // the SDK escapes '#'
		{"a#b", true},
		{"", false},
		{" anna@example.org", false},
		{"anna@example.org\n", false},
		{"a/b", false},
		{"a\\b", false},
		{"a?b", false},
		{"a%2Fb", false},
		{"\xff", false},
		{"a\u200bb", false}, // zero-width space: not printable
		{strings.Repeat("a", MaxUserRefLen), true},
		{strings.Repeat("a", MaxUserRefLen+1), false},
	}
	for _, tc := range tests {
		err := CheckUserRef(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("CheckUserRef(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidInput) {
			t.Errorf("CheckUserRef(%q) error %v does not wrap ErrInvalidInput", tc.in, err)
		}
	}
}

func TestCheckGUIDAndEmail(t *testing.T) {
	for in, ok := range map[string]bool{
		"7d3e9b10-2c4f-4e8a-8b6d-0a1b2c3d4e5f": true,
		"7D3E9B10-2C4F-4E8A-8B6D-0A1B2C3D4E5F": true,
		"7d3e9b10-2c4f-4e8a-8b6d-0a1b2c3d4e5":  false,
		"7d3e9b10x2c4f-4e8a-8b6d-0a1b2c3d4e5f": false,
		"7d3e9b10-2c4f-4e8a-8b6d-0a1b2c3d4e5g": false,
		"":                                     false,
	} {
		if err := CheckGUID("id", in); (err == nil) != ok {
			t.Errorf("CheckGUID(%q) = %v, want ok=%v", in, err, ok)
		}
	}
	for in, ok := range map[string]bool{
		"anna@example.org":        true,
		"o'brien+x@example.org":   true,
		"anna":                    false,
		"@example.org":            false,
		"anna@":                   false,
		"a@b@c":                   false,
		"anna@.example.org":       false,
		"anna@example..org":       false,
		"Anna <anna@example.org>": false,
		"a@b.se\r\nBcc: c@d.se":   false,
	} {
		if err := CheckEmail(in); (err == nil) != ok {
			t.Errorf("CheckEmail(%q) = %v, want ok=%v", in, err, ok)
		}
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Op: "UserByUPN", Status: 404, Code: "Request_ResourceNotFound", Kind: ErrNotFound, Message: "gone"}
	if got, want := e.Error(), "graph: UserByUPN: status 404 (Request_ResourceNotFound): not found: gone"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrNotFound) || errors.Is(e, ErrForbidden) {
		t.Error("errors.Is does not follow Kind")
	}
	cause := errors.New("dial tcp: refused")
	e = &Error{Op: "Manager", Err: cause}
	if !errors.Is(e, cause) || e.Error() != "graph: Manager: dial tcp: refused" {
		t.Errorf("Error() = %q", e.Error())
	}
}

// FuzzCheckUserRef: user references come from chat input and config.
func FuzzCheckUserRef(f *testing.F) {
	for _, s := range []string{"anna@example.org", "", "a/b", "a b", "\x00", "\xff\xfe", "é@ö.se", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckUserRef(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) || !utf8.ValidString(err.Error()) || len(err.Error()) > 300 {
				t.Fatalf("bad error for %q: %v", s, err)
			}
			return
		}
		if s == "" || len(s) > MaxUserRefLen || !utf8.ValidString(s) || strings.ContainsAny(s, "/\\?% ") {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) || unicode.IsSpace(r) {
				t.Fatalf("accepted %q with %U", s, r)
			}
		}
	})
}

// FuzzCheckEmail: attendee addresses come from the directory and from users.
func FuzzCheckEmail(f *testing.F) {
	for _, s := range []string{"anna@example.org", "a@b", "a@@b", "<a@b>", "a@b\r\n", "\xff@x.se"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := CheckEmail(s); err != nil {
			if !errors.Is(err, ErrInvalidInput) || !utf8.ValidString(err.Error()) {
				t.Fatalf("bad error for %q: %v", s, err)
			}
			return
		}
		if strings.Count(s, "@") != 1 || strings.ContainsAny(s, "\r\n<>,; ") || !utf8.ValidString(s) {
			t.Fatalf("accepted %q", s)
		}
	})
}
