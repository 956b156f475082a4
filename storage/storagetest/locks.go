package storagetest

import (
	"fmt"
	"testing"
	"time"

	"digibot/storage"
)

func (e *env) acquire(name, owner string, ttl time.Duration, want bool) {
	e.t.Helper()
	got, err := e.s.AcquireLock(e.ctx, name, owner, ttl)
	e.must(err, "AcquireLock "+name+" by "+owner)
	if got != want {
		e.t.Fatalf("AcquireLock(%s, %s) = %v, want %v (clock %s)", name, owner, got, want, e.clock.Now().Sub(Start))
	}
}

func (e *env) startRun(job, period, owner string, ttl time.Duration, want bool) {
	e.t.Helper()
	got, err := e.s.StartRun(e.ctx, job, period, owner, ttl)
	e.must(err, "StartRun "+job+"/"+period+" by "+owner)
	if got != want {
		e.t.Fatalf("StartRun(%s, %s, %s) = %v, want %v (clock %s)", job, period, owner, got, want, e.clock.Now().Sub(Start))
	}
}

func (e *env) runDone(job, period string, want bool) {
	e.t.Helper()
	got, err := e.s.RunDone(e.ctx, job, period)
	e.must(err, "RunDone")
	if got != want {
		e.t.Fatalf("RunDone(%s, %s) = %v, want %v", job, period, got, want)
	}
}

func (e *env) mark(id string, ttl time.Duration, want bool) {
	e.t.Helper()
	got, err := e.s.MarkProcessed(e.ctx, id, ttl)
	e.must(err, "MarkProcessed "+id)
	if got != want {
		e.t.Fatalf("MarkProcessed(%s) first = %v, want %v (clock %s)", id, got, want, e.clock.Now().Sub(Start))
	}
}

func testLocks(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("AcquireRenewExpireRelease", func(t *testing.T) {
		e := newEnv(t, open)
		const ttl = 30 * time.Second
		e.acquire("leader", "A", ttl, true)
		e.acquire("leader", "B", ttl, false)
		e.acquire("other", "B", ttl, true) // locks are independent
		e.clock.Advance(20 * time.Second)
		e.acquire("leader", "A", ttl, true) // renew: now held until +50 s
		e.clock.Advance(20 * time.Second)   // +40 s: the first grant would have ended
		e.acquire("leader", "B", ttl, false)
		e.clock.Advance(10 * time.Second) // +50 s: the renewal ends now
		e.acquire("leader", "B", ttl, true)
		e.acquire("leader", "A", ttl, false)

		// Releasing a lock one does not hold changes nothing.
		e.must(e.s.ReleaseLock(e.ctx, "leader", "A"), "ReleaseLock by a non-holder")
		e.acquire("leader", "A", ttl, false)
		e.must(e.s.ReleaseLock(e.ctx, "leader", "B"), "ReleaseLock by the holder")
		e.acquire("leader", "A", ttl, true)
		e.must(e.s.ReleaseLock(e.ctx, "never-taken", "A"), "ReleaseLock of an unknown lock")
	})
	t.Run("BadInput", func(t *testing.T) {
		e := newEnv(t, open)
		for _, c := range []struct {
			name, lock, owner string
			ttl               time.Duration
		}{
			{"empty name", "", "A", time.Minute},
			{"empty owner", "l", "", time.Minute},
			{"zero ttl", "l", "A", 0},
			{"negative ttl", "l", "A", -time.Minute},
		} {
			_, err := e.s.AcquireLock(e.ctx, c.lock, c.owner, c.ttl)
			wantInvalid(t, "AcquireLock with "+c.name, err)
		}
		e.acquire("l", "B", time.Minute, true)
	})
}

func testRuns(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("ClaimTakeoverFinish", func(t *testing.T) {
		e := newEnv(t, open)
		const ttl = 10 * time.Minute
		e.runDone("nudge", "2027-01", false)
		e.startRun("nudge", "2027-01", "A", ttl, true)
		e.startRun("nudge", "2027-01", "B", ttl, false)
		e.startRun("nudge", "2027-01", "A", ttl, true) // the owner may claim again
		e.startRun("nudge", "2027-02", "B", ttl, true) // another period
		e.startRun("digest", "2027-01", "B", ttl, true)
		e.runDone("nudge", "2027-01", false)

		// A crashes; once its claim expires B takes over and finishes.
		e.clock.Advance(ttl - time.Second)
		e.startRun("nudge", "2027-01", "B", ttl, false)
		e.clock.Advance(time.Second)
		e.startRun("nudge", "2027-01", "B", ttl, true)
		e.startRun("nudge", "2027-01", "A", ttl, false)
		e.must(e.s.FinishRun(e.ctx, "nudge", "2027-01", "B"), "FinishRun")
		e.runDone("nudge", "2027-01", true)
		e.runDone("nudge", "2027-02", false)

		// Done is for good: nobody runs it again, however long we wait.
		for _, owner := range []string{"A", "B", "C"} {
			e.startRun("nudge", "2027-01", owner, ttl, false)
		}
		e.clock.Advance(400 * 24 * time.Hour)
		e.startRun("nudge", "2027-01", "C", ttl, false)
		e.runDone("nudge", "2027-01", true)
		e.must(e.s.FinishRun(e.ctx, "nudge", "2027-01", "C"), "FinishRun again")
		e.runDone("nudge", "2027-01", true)
	})
	t.Run("FinishWithoutStart", func(t *testing.T) {
		e := newEnv(t, open)
		e.must(e.s.FinishRun(e.ctx, "digest", "2027-W01", "A"), "FinishRun")
		e.runDone("digest", "2027-W01", true)
		e.startRun("digest", "2027-W01", "A", time.Minute, false)
	})
	t.Run("KeysDoNotCollide", func(t *testing.T) {
		e := newEnv(t, open)
		e.must(e.s.FinishRun(e.ctx, "a:b", "c", "A"), "FinishRun")
		e.runDone("a", "b:c", false)
		e.runDone("a:b", "c", true)
	})
	t.Run("BadInput", func(t *testing.T) {
		e := newEnv(t, open)
		for _, c := range []struct {
			name, job, period, owner string
			ttl                      time.Duration
		}{
			{"empty job", "", "p", "A", time.Minute},
			{"empty period", "j", "", "A", time.Minute},
			{"empty owner", "j", "p", "", time.Minute},
			{"zero ttl", "j", "p", "A", 0},
			{"NUL in job", "j\x00p", "p", "A", time.Minute},
		} {
			_, err := e.s.StartRun(e.ctx, c.job, c.period, c.owner, c.ttl)
			wantInvalid(t, "StartRun with "+c.name, err)
		}
		wantInvalid(t, "FinishRun with empty job", e.s.FinishRun(e.ctx, "", "p", "A"))
		_, err := e.s.RunDone(e.ctx, "j", "")
		wantInvalid(t, "RunDone with empty period", err)
		e.startRun("j", "p", "A", time.Minute, true)
	})
}

func testDedupe(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("FirstSecondExpiryForget", func(t *testing.T) {
		e := newEnv(t, open)
		const ttl = time.Hour
		e.mark("act-1", ttl, true)
		e.mark("act-1", ttl, false)
		e.mark("act-2", ttl, true)
		e.clock.Advance(ttl - time.Second)
		e.mark("act-1", ttl, false) // a duplicate does not extend the window
		e.clock.Advance(time.Second)
		e.mark("act-1", ttl, true) // expired: processed anew
		e.mark("act-1", ttl, false)

		e.must(e.s.ForgetProcessed(e.ctx, "act-2"), "ForgetProcessed")
		e.mark("act-2", ttl, true)
		e.must(e.s.ForgetProcessed(e.ctx, "never-seen"), "ForgetProcessed of an unknown id")
	})
	t.Run("ManyExpire", func(t *testing.T) {
		// After expiry every id is new again, also once sweeps have run.
		e := newEnv(t, open)
		for i := range 100 {
			e.mark(fmt.Sprint("act-", i), time.Minute, true)
		}
		e.clock.Advance(2 * time.Minute)
		for i := range 100 {
			e.mark(fmt.Sprint("act-", i), time.Minute, true)
			e.mark(fmt.Sprint("act-", i), time.Minute, false)
		}
	})
	t.Run("BadInput", func(t *testing.T) {
		e := newEnv(t, open)
		_, err := e.s.MarkProcessed(e.ctx, "", time.Minute)
		wantInvalid(t, "MarkProcessed with empty id", err)
		_, err = e.s.MarkProcessed(e.ctx, "x", 0)
		wantInvalid(t, "MarkProcessed with zero ttl", err)
		wantInvalid(t, "ForgetProcessed with empty id", e.s.ForgetProcessed(e.ctx, ""))
		e.mark("x", time.Minute, true)
	})
}
