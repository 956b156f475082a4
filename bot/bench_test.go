package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/connector"
	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/storage"
	"digibot/storage/embedded"
	"digibot/storage/redis/redistest"
)

// benchTurns drives b.N simple message turns through the real HTTP edge
// from 50 concurrent conversations and reports latency percentiles.
func benchTurns(b *testing.B, st Store) {
	fc := newFakeConnector(b)
	// Production wiring keeps connections to the connector alive; so must the bench.
	connHTTP := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	cl := connector.New(connHTTP, nil, connector.WithServiceURLCheck(connector.LoopbackOnly))
	r := dialogs.NewRouter()
	r.Fallback(turn.HandlerFunc(echo))
	srv, err := NewServer(Options{Store: st, Auth: DevAuth{}, Conn: cl, Handlers: Handlers{Message: r},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Routes(mux)
	bs := httptest.NewServer(mux)
	defer bs.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	const conversations = 50
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	run := time.Now().UnixNano()
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range conversations {
		n := b.N / conversations
		if c < b.N%conversations {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, n)
			for i := range n {
				a := schema.Activity{
					Type: schema.Message, ID: fmt.Sprintf("%d-%d-%d", run, c, i), Text: "hej", ServiceURL: fc.URL,
					ChannelID: "msteams", From: schema.ChannelAccount{ID: "29:u", AadObjectID: fmt.Sprintf("aad-%d", c)},
					Recipient:    schema.ChannelAccount{ID: "28:digibot"},
					Conversation: schema.ConversationAccount{ID: fmt.Sprintf("a:conv-%d", c), ConversationType: "personal"},
				}
				body, _ := json.Marshal(a)
				start := time.Now()
				resp, err := client.Post(bs.URL+"/api/messages", "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				local = append(local, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func BenchmarkTurnEmbedded(b *testing.B) {
	st, err := embedded.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchTurns(b, st)
}

var _ storage.Store = (*embedded.Store)(nil)

func BenchmarkTurnRedis(b *testing.B) {
	st, _ := redistest.Open(b, "bench") // keys deleted when b ends
	benchTurns(b, st)
}
