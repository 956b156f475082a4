package coaching

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// benchConfig has thousands of one-place 5-minute slots, so that a
// benchmark never runs out.
func benchConfig() Config {
	c := Config{Coaches: []Coach{{UPN: annaUPN}}, HorizonDays: 180, Departments: []string{"IT-förvaltningen"}}
	for _, wd := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		c.Sessions = append(c.Sessions, Session{Weekday: wd, Start: "06:00", End: "22:00", SlotMinutes: 5, Coaches: []string{annaUPN}})
	}
	return c
}

// BenchmarkBookContended: every slot is contested by `contenders`
// concurrent bookers (different people); one wins, the rest are told the
// slot is taken. Reports won bookings and attempts per second.
func BenchmarkBookContended(b *testing.B) {
	const contenders = 8
	for _, s := range stores {
		b.Run(s.name, func(b *testing.B) {
			clk := newClock(sthlm(2026, time.November, 30, 5, 0))
			e := newEnvOn(b, s.open(b, clk), clk, withConfig(benchConfig()))
			slots := e.c.plan.bookable(clk.Now())
			var next, won, lost atomic.Int64
			b.SetParallelism(contenders / 2) // × GOMAXPROCS goroutines
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := next.Add(1) - 1
					sl := slots[int(n/contenders)%len(slots)]
					_, err := e.c.book(e.ctx, bookRequest{SlotID: sl.ID, AAD: fmt.Sprintf("bench-%d", n), Topic: "t", Department: "IT-förvaltningen"})
					switch {
					case err == nil:
						won.Add(1)
					case errors.Is(err, errFull):
						lost.Add(1)
					default:
						b.Errorf("book: %v", err)
						return
					}
				}
			})
			elapsed := time.Since(start).Seconds()
			b.StopTimer()
			if int(next.Load()/contenders) <= len(slots) && won.Load() != (next.Load()+contenders-1)/contenders {
				b.Fatalf("%d won for %d attempts over %d slots", won.Load(), next.Load(), (next.Load()+contenders-1)/contenders)
			}
			b.ReportMetric(float64(won.Load())/elapsed, "bookings/s")
			b.ReportMetric(float64(won.Load()+lost.Load())/elapsed, "attempts/s")
		})
	}
}
