package digest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"digibot/bot/schedule"
)

// Config is the digest's part of the app YAML (under "digest:"). Zero
// values take the defaults below.
//
//	digest:
//	  enabled: true
//	  channel: "conv:19:abc…@thread.tacv2"   # optional; "digest här" sets it in chat
//	  weekly: "0 8 * * MON"                  # cron, Europe/Stockholm; "off" turns it off
//	  monthly: "0 8 1 * *"                   # cron; "off" turns it off
//	  upcoming_days: 60
//	  language: sv
//
// A time that falls on a Swedish holiday or weekend moves to the next
// working day at the same time of day, so the default monthly schedule is
// the first working day of the month at 08:00.
type Config struct {
	// Enabled switches the digest on (default true). Off: no jobs and the
	// commands say the digest is switched off.
	Enabled *bool `yaml:"enabled"`
	// Channel is the reference key ("conv:<conversation id>") of
	// koncernledningen's channel. An administrator's "digest här" in a
	// channel overrides it; "digest stopp" stops posting either way.
	Channel string `yaml:"channel"`
	// Weekly is the weekly digest's cron expression (default "0 8 * * MON").
	// It summarises the last complete week (Monday–Sunday).
	Weekly string `yaml:"weekly"`
	// Monthly is the monthly summary's cron expression (default "0 8 1 * *",
	// i.e. the first working day 08:00). It summarises the last complete
	// calendar month.
	Monthly string `yaml:"monthly"`
	// UpcomingDays is how far ahead completion dates are listed (default 60).
	UpcomingDays int `yaml:"upcoming_days"`
	// Language of the card: sv (default) or en.
	Language string `yaml:"language"`
}

// Defaults.
const (
	DefaultWeekly       = "0 8 * * MON"
	DefaultMonthly      = "0 8 1 * *"
	DefaultUpcomingDays = 60
	// Off turns a schedule off.
	Off = "off"
)

// IsEnabled reports whether the digest is on (the default).
func (c Config) IsEnabled() bool { return c.Enabled == nil || *c.Enabled }

// WithDefaults returns c with zero values replaced by the defaults.
func (c Config) WithDefaults() Config {
	c.Channel = strings.TrimSpace(c.Channel)
	c.Weekly = strings.TrimSpace(c.Weekly)
	c.Monthly = strings.TrimSpace(c.Monthly)
	if c.Weekly == "" {
		c.Weekly = DefaultWeekly
	}
	if c.Monthly == "" {
		c.Monthly = DefaultMonthly
	}
	if c.UpcomingDays == 0 {
		c.UpcomingDays = DefaultUpcomingDays
	}
	c.Language = strings.ToLower(strings.TrimSpace(c.Language))
	if c.Language == "" {
		c.Language = "sv"
	}
	return c
}

// minGap is the least time between two digests of one schedule.
const minGap = 12 * time.Hour

// maxRefKey bounds a configured reference key.
const maxRefKey = 512

// Validate checks c with its defaults applied; every problem is reported
// with its key ("digest.weekly: …").
func (c Config) Validate() error {
	_, err := c.WithDefaults().compile(nil)
	return err
}

// specs are the compiled schedules; nil when off.
type specs struct{ weekly, monthly schedule.Spec }

func (c Config) compile(cal *schedule.Calendar) (specs, error) {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("digest.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.Channel != "" {
		if err := checkRefKey(c.Channel); err != nil {
			bad("channel", "%v", err)
		}
	}
	var s specs
	parse := func(key, expr string) schedule.Spec {
		if strings.EqualFold(expr, Off) {
			return nil
		}
		sp, err := schedule.Cron(expr)
		if err != nil {
			bad(key, "%q is not a cron expression like %q (minute hour day month weekday) or %q: %v", expr, DefaultWeekly, Off, err)
			return nil
		}
		if sp.Next(firstCheck).IsZero() {
			bad(key, "%q never happens", expr)
			return nil
		}
		// A digest is read by people, at most a couple of times a day;
		// the holiday shift also relies on few due times per day.
		prev := sp.Next(firstCheck)
		for range 50 {
			n := sp.Next(prev)
			if n.IsZero() {
				break
			}
			if n.Sub(prev) < minGap {
				bad(key, "%q runs more often than every %v; a digest needs at least that between posts", expr, minGap)
				return nil
			}
			prev = n
		}
		if cal != nil {
			return nextWorkday(sp, cal)
		}
		return sp
	}
	s.weekly = parse("weekly", c.Weekly)
	s.monthly = parse("monthly", c.Monthly)
	if c.UpcomingDays < 1 || c.UpcomingDays > 366 {
		bad("upcoming_days", "%d is outside 1–366", c.UpcomingDays)
	}
	if c.Language != "sv" && c.Language != "en" {
		bad("language", "%q is not sv or en", c.Language)
	}
	return s, errors.Join(errs...)
}

// checkRefKey checks a channel reference key "conv:<conversation id>".
func checkRefKey(k string) error {
	id, ok := strings.CutPrefix(k, "conv:")
	switch {
	case !ok || strings.TrimSpace(id) == "":
		return fmt.Errorf("%q is not a conversation reference key (conv:<conversation id>, e.g. conv:19:…@thread.tacv2)", k)
	case len(k) > maxRefKey:
		return fmt.Errorf("longer than %d characters", maxRefKey)
	case strings.ContainsAny(id, " \t\r\n"):
		return fmt.Errorf("%q contains white space", k)
	case strings.Contains(id, ";messageid="):
		return fmt.Errorf("%q names a message thread; give the channel's conversation id without ;messageid=…", k)
	}
	return nil
}
