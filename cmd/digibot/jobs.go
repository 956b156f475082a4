package main

import (
	"context"
	"log/slog"
	"time"

	"digibot/bot/schedule"
	"digibot/storage"
)

// Logs whose entries hold personal data and are trimmed by retention.
var retainedLogs = []string{"questions", "feedback"}

func newScheduler(st storage.Store, owner string, log *slog.Logger, obs schedule.Observer, cfg *Config, jobs ...schedule.Job) (*schedule.Scheduler, error) {
	nightly, err := schedule.Cron("15 3 * * *")
	if err != nil {
		return nil, err
	}
	questionDays := cfg.File.Retention.QuestionsDays
	outboxDays := cfg.File.Retention.OutboxDays
	retention := schedule.Job{
		Name: "retention",
		Spec: nightly,
		Run: func(ctx context.Context, _ string, due time.Time) error {
			for _, l := range retainedLogs {
				n, err := st.TrimLog(ctx, l, due.AddDate(0, 0, -questionDays))
				if err != nil {
					return err
				}
				log.Info("retention: log trimmed", "log", l, "deleted", n)
			}
			n, err := st.PurgeOutbox(ctx, due.AddDate(0, 0, -outboxDays))
			if err != nil {
				return err
			}
			log.Info("retention: outbox purged", "deleted", n)
			return nil
		},
	}
	return schedule.New(st, owner, nil, log, obs, append([]schedule.Job{retention}, jobs...)...)
}
