package answer

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkAsk answers the evaluation questions in turn and reports the
// median and 99th percentile latency of one answer (target: p99 < 2 ms).
// Percentiles need at least minLatencySamples answers: run it with
// -benchtime 3000x (or the default 1s, which answers far more).
func BenchmarkAsk(b *testing.B) {
	e, err := New(context.Background(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	qs, oos := loadEvalSets(b, filepath.Join("testdata", "eval_*.yaml"))
	qs = append(qs, oos...)
	if len(qs) == 0 {
		b.Skip("no eval questions")
	}
	ctx := context.Background()
	// Allocated before the clock starts; the loop only appends.
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		e.Ask(ctx, qs[i%len(qs)].q, "sv")
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	if len(lat) < minLatencySamples {
		// Too few answers for a 99th percentile (the framework's first
		// short runs, or a small -benchtime).
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// minLatencySamples is the fewest answers BenchmarkAsk reports
// percentiles for: the 99th percentile of 2,000 is the 20th slowest.
const minLatencySamples = 2000

// BenchmarkLoad loads, validates and indexes the embedded knowledge base
// (target < 300 ms).
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e, err := New(ctx, Options{})
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}
