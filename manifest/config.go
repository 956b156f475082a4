package manifest

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldError says which Config field is wrong and why. Validate and Build
// return one per bad field, joined with errors.Join.
type FieldError struct {
	Field   string // Config field, e.g. "AppID"
	Value   string // the rejected value (possibly cut short in Error)
	Problem string // what is wrong and what is expected
}

func (e *FieldError) Error() string {
	where := e.Field
	if s := fieldSources[e.Field]; s != "" {
		where += " (" + s + ")"
	}
	return fmt.Sprintf("manifest: %s: %s; got %s", where, e.Problem, quoteShort(e.Value))
}

// fieldSources tells an operator where a field comes from on the command line.
var fieldSources = map[string]string{
	"AppID":         "-app-id or " + envAppID,
	"BotID":         "-bot-id",
	"Version":       "-version or " + envVersion,
	"DeveloperName": "-developer-name or " + envDeveloperName,
	"WebsiteURL":    "-website-url or " + envWebsiteURL,
	"PrivacyURL":    "-privacy-url or " + envPrivacyURL,
	"TermsURL":      "-terms-url or " + envTermsURL,
	"ValidDomains":  "-domain or " + envValidDomains,
	"AccentColor":   "-accent-color or " + envAccentColor,
}

// Limits from the Teams manifest schema (and the 100-domain limit).
const (
	maxDeveloperName = 32
	maxURL           = 2048
	maxDomains       = 100
	maxDomain        = 253
	maxVersion       = 64 // the schema allows 256; nobody needs more than this
)

var (
	guidRE    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	semverRE  = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
	colorRE   = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	dnsLabels = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

const nilGUID = "00000000-0000-0000-0000-000000000000"

// Validate reports every problem with c, each as a *FieldError naming the
// field; nil means Build will accept c.
func (c Config) Validate() error {
	_, err := c.normalize()
	return err
}

// normalize validates c and returns the values Build uses: trimmed,
// GUIDs in lower case, defaults applied, domains lower-cased and deduplicated.
func (c Config) normalize() (Config, error) {
	var errs []error
	bad := func(field, value, problem string) {
		errs = append(errs, &FieldError{Field: field, Value: value, Problem: problem})
	}
	n := Config{
		AppID:         strings.ToLower(strings.TrimSpace(c.AppID)),
		BotID:         strings.ToLower(strings.TrimSpace(c.BotID)),
		Version:       strings.TrimSpace(c.Version),
		DeveloperName: strings.TrimSpace(c.DeveloperName),
		WebsiteURL:    strings.TrimSpace(c.WebsiteURL),
		PrivacyURL:    strings.TrimSpace(c.PrivacyURL),
		TermsURL:      strings.TrimSpace(c.TermsURL),
		AccentColor:   strings.TrimSpace(c.AccentColor),
	}

	checkGUID := func(field, v string) {
		switch {
		case v == "":
			bad(field, v, "is required: the bot's Microsoft App ID, a GUID like 2f0a6c1e-8b7d-4c59-9e1a-3d5b7c9e0f12")
		case !guidRE.MatchString(v):
			bad(field, v, "must be a GUID like 2f0a6c1e-8b7d-4c59-9e1a-3d5b7c9e0f12")
		case v == nilGUID:
			bad(field, v, "must not be the all-zero GUID")
		}
	}
	checkGUID("AppID", n.AppID)
	if n.BotID == "" {
		n.BotID = n.AppID
	} else {
		checkGUID("BotID", n.BotID)
	}

	switch {
	case n.Version == "":
		bad("Version", n.Version, "is required: MAJOR.MINOR.PATCH such as 1.0.0")
	case len(n.Version) > maxVersion || !semverRE.MatchString(n.Version):
		bad("Version", n.Version, "must be MAJOR.MINOR.PATCH with plain numbers, such as 1.4.0 (no v prefix, no pre-release)")
	}

	switch {
	case n.DeveloperName == "":
		bad("DeveloperName", n.DeveloperName, "is required: the publisher shown in Teams, such as Region Gävleborg")
	case !utf8.ValidString(n.DeveloperName) || hasControl(n.DeveloperName):
		bad("DeveloperName", n.DeveloperName, "must be printable UTF-8 text")
	case utf8.RuneCountInString(n.DeveloperName) > maxDeveloperName:
		bad("DeveloperName", n.DeveloperName, fmt.Sprintf("must be at most %d characters", maxDeveloperName))
	}

	for _, f := range []struct{ field, v string }{
		{"WebsiteURL", n.WebsiteURL}, {"PrivacyURL", n.PrivacyURL}, {"TermsURL", n.TermsURL},
	} {
		if p := httpsURLProblem(f.v); p != "" {
			bad(f.field, f.v, p)
		}
	}

	if len(c.ValidDomains) > maxDomains {
		bad("ValidDomains", fmt.Sprintf("%d domains", len(c.ValidDomains)), fmt.Sprintf("must list at most %d domains", maxDomains))
	} else {
		seen := map[string]bool{}
		n.ValidDomains = []string{}
		for _, d := range c.ValidDomains {
			d = strings.ToLower(strings.TrimSpace(d))
			if p := domainProblem(d); p != "" {
				bad("ValidDomains", d, p)
				continue
			}
			if !seen[d] {
				seen[d] = true
				n.ValidDomains = append(n.ValidDomains, d)
			}
		}
	}

	if n.AccentColor == "" {
		n.AccentColor = DefaultAccentColor
	} else if !colorRE.MatchString(n.AccentColor) {
		bad("AccentColor", n.AccentColor, "must be an HTML colour #RRGGBB such as "+DefaultAccentColor)
	}

	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return n, nil
}

// httpsURLProblem returns why v is not an absolute https URL Teams accepts,
// or "".
func httpsURLProblem(v string) string {
	const want = "must be an absolute https:// URL such as https://www.regiongavleborg.se/"
	if v == "" {
		return "is required: " + want[len("must be "):]
	}
	if len(v) > maxURL {
		return fmt.Sprintf("must be at most %d characters", maxURL)
	}
	if !utf8.ValidString(v) || hasControl(v) || strings.ContainsAny(v, " \t") {
		return "must not contain spaces or control characters"
	}
	if !strings.HasPrefix(strings.ToLower(v), "https://") {
		return want
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
		return want
	}
	if u.User != nil {
		return "must not contain a user name or password"
	}
	if u.Hostname() == "" {
		return want
	}
	return ""
}

// domainProblem returns why d is not a host name Teams accepts in
// validDomains, or "".
func domainProblem(d string) string {
	switch {
	case d == "":
		return "must not be empty"
	case strings.Contains(d, "://") || strings.ContainsAny(d, "/?#@:"):
		return "must be a host name only, such as digibot.regiongavleborg.se (no https://, port, path or query)"
	case len(d) > maxDomain:
		return fmt.Sprintf("must be at most %d characters", maxDomain)
	}
	host := strings.TrimPrefix(d, "*.")
	if strings.Contains(host, "*") {
		return "may only use a wildcard as the first label, as in *.regiongavleborg.se"
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		if host != d {
			return "must not be a wildcard over a whole top-level domain"
		}
		return "must be a fully qualified host name such as digibot.regiongavleborg.se"
	}
	for _, l := range labels {
		if !dnsLabels.MatchString(l) {
			return "must be a host name of letters a-z, digits and hyphens (use punycode for å, ä, ö)"
		}
	}
	return ""
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// quoteShort quotes v for an error message, cut to a readable length so a
// huge or hostile value cannot flood a log.
func quoteShort(v string) string {
	const max = 80
	if len(v) <= max {
		return fmt.Sprintf("%q", v)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", v[:cut], len(v))
}
