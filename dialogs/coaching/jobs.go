package coaching

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"digibot/bot/schedule"
)

// Job names.
const (
	JobReminderDayBefore = "coaching.reminder.daybefore"
	JobReminderSoon      = "coaching.reminder.soon"
	JobCoachList         = "coaching.coachlist"
	JobMeetings          = "coaching.meetings"
)

// Jobs returns the periodic jobs: the employee's reminder on the working
// day before and shortly before, each coach's morning list on session
// days, and (with Graph) the retry of Teams meetings. Every message has a
// deterministic outbox id, so a job run twice for one period sends
// nothing twice. No jobs when no sessions are configured.
func (c *Coaching) Jobs() []schedule.Job {
	if !c.Enabled() {
		return nil
	}
	dayBefore, morning, every5 := c.specs.dayBefore, c.specs.morning, c.specs.every5
	jobs := []schedule.Job{
		{
			Name: JobReminderDayBefore, Spec: schedule.OnWorkdays(dayBefore, c.plan.cal), CatchUp: 4 * time.Hour,
			Run: func(ctx context.Context, _ string, due time.Time) error { return c.remindDayBefore(ctx, due) },
		},
		{
			Name: JobReminderSoon, Spec: every5, CatchUp: 5 * time.Minute,
			Run: func(ctx context.Context, _ string, due time.Time) error { return c.remindSoon(ctx, due) },
		},
		{
			Name: JobCoachList, Spec: schedule.OnWorkdays(morning, c.plan.cal), CatchUp: 3 * time.Hour,
			Run: func(ctx context.Context, _ string, due time.Time) error { return c.sendCoachLists(ctx, due) },
		},
	}
	if c.meet != nil {
		jobs = append(jobs, schedule.Job{
			Name: JobMeetings, Spec: every5, CatchUp: 10 * time.Minute,
			Run: func(ctx context.Context, _ string, _ time.Time) error { return c.retryMeetings(ctx, c.now()) },
		})
	}
	return jobs
}

// jobSpecs are the cron specs of the jobs, built once by New.
type jobSpecs struct{ dayBefore, morning, every5 schedule.Spec }

func (p *plan) jobSpecs() (jobSpecs, error) {
	at := func(m int) string { return fmt.Sprintf("%d %d * * *", m%60, m/60) }
	var s jobSpecs
	var err1, err2, err3 error
	s.dayBefore, err1 = schedule.Cron(at(p.dayBeforeAt))
	s.morning, err2 = schedule.Cron(at(p.coachListAt))
	s.every5, err3 = schedule.Cron("*/5 * * * *")
	return s, errors.Join(err1, err2, err3)
}

// bookingsBetween returns the active bookings whose slot starts in
// [from, to), in time order.
func (c *Coaching) bookingsBetween(ctx context.Context, from, to time.Time) ([]slotBooking, error) {
	docs, err := readSlots(ctx, c.st, from, to)
	if err != nil {
		return nil, err
	}
	var out []slotBooking
	for _, id := range sortedKeys(docs) {
		d := docs[id]
		if d.Start.Before(from) || !d.Start.Before(to) {
			continue
		}
		for _, b := range d.Bookings {
			if b.State == stateBooked {
				out = append(out, slotBooking{SlotID: id, Doc: d, Booking: b})
			}
		}
	}
	sortBookings(out)
	return out, nil
}

// remindDayBefore reminds everyone booked on the days up to and including
// the next working day (Friday's run covers Monday).
func (c *Coaching) remindDayBefore(ctx context.Context, due time.Time) error {
	from := localDate(due).AddDate(0, 0, 1)
	to := localDate(c.plan.cal.AddWorkdays(due, 1)).AddDate(0, 0, 1)
	list, err := c.bookingsBetween(ctx, from, to)
	if err != nil {
		return fmt.Errorf("coaching: day-before reminders: %w", err)
	}
	var errs []error
	for _, sb := range list {
		tx := textFor(sb.Booking.Lang)
		errs = append(errs, c.enqueue(ctx, "coaching.remind.day:"+sb.Booking.ID, kindReminder, sb.Booking.AAD,
			c.reminderCard(tx, sb.Doc, sb.Booking, false, due)))
	}
	return errors.Join(errs...)
}

// remindSoon reminds everyone whose slot starts within the configured
// minutes after due. Runs every five minutes; each booking is covered by
// several runs and enqueued once.
func (c *Coaching) remindSoon(ctx context.Context, due time.Time) error {
	list, err := c.bookingsBetween(ctx, due.Add(time.Nanosecond), due.Add(time.Duration(c.plan.cfg.Reminders.MinutesBefore)*time.Minute+time.Nanosecond))
	if err != nil {
		return fmt.Errorf("coaching: reminders: %w", err)
	}
	var errs []error
	for _, sb := range list {
		tx := textFor(sb.Booking.Lang)
		errs = append(errs, c.enqueue(ctx, "coaching.remind.soon:"+sb.Booking.ID, kindReminder, sb.Booking.AAD,
			c.reminderCard(tx, sb.Doc, sb.Booking, true, due)))
	}
	return errors.Join(errs...)
}

// sendCoachLists sends each coach who has a session on due's date the
// day's bookings (also when there are none yet). A coach whose AAD id is
// unknown cannot be reached and is skipped with a warning.
func (c *Coaching) sendCoachLists(ctx context.Context, due time.Time) error {
	day := localDate(due)
	slots := c.plan.slotsOn(day)
	if len(slots) == 0 {
		return nil
	}
	list, err := c.bookingsBetween(ctx, day, day.AddDate(0, 0, 1))
	if err != nil {
		return fmt.Errorf("coaching: coach lists: %w", err)
	}
	var errs []error
	seen := map[string]bool{}
	for _, s := range slots {
		for _, co := range s.Coaches {
			key := strings.ToLower(co.UPN)
			if seen[key] {
				continue
			}
			seen[key] = true
			aad := c.coachAAD(ctx, co)
			if aad == "" {
				c.log.WarnContext(ctx, "coaching: coach has no known aad_id; no morning list sent", "coach", co.UPN)
				continue
			}
			var mine []slotBooking
			for _, sb := range list {
				if strings.EqualFold(sb.Booking.Coach, co.UPN) {
					mine = append(mine, sb)
				}
			}
			// Coaches read Swedish; the list is for IT-förvaltningen's staff.
			errs = append(errs, c.enqueue(ctx, "coaching.coachlist:"+day.Format(time.DateOnly)+":"+key, kindCoachList, aad,
				c.coachMorningCard(&sv, day, mine)))
		}
	}
	return errors.Join(errs...)
}
