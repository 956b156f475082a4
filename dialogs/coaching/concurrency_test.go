package coaching

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
)

// raceResult is what a crowd of bookers saw.
type raceResult struct {
	Winners []string `json:"winners"`
	// LosersTold counts losers whose reply said the slot was taken and
	// offered other free slots (never the lost one).
	LosersTold int      `json:"losersTold"`
	Odd        []string `json:"odd,omitempty"` // replies that were neither
}

// race makes n different people submit the booking card for slotID at
// once, through the router, and sorts the replies.
func race(e *env, slotID string, n int, who func(i int) user) raceResult {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		res   raceResult
		start = make(chan struct{})
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := who(i)
			<-start
			a := schema.Activity{Type: schema.Message, Value: map[string]any{
				"action": ActionBook, inSlot: slotID, inTopic: "Samma tid för alla", inDepartment: "IT-förvaltningen"}}
			a.From = schema.ChannelAccount{ID: "29:" + u.aad, Name: u.name, AadObjectID: u.aad}
			a.Conversation.ConversationType = "personal"
			t := turn.New(a)
			err := e.router.HandleTurn(e.ctx, t)
			js := replyJSON(t)
			offered := offeredSlots(t)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				res.Odd = append(res.Odd, "error: "+err.Error())
			case strings.Contains(js, "Du är bokad!"):
				res.Winners = append(res.Winners, u.aad)
			case strings.Contains(js, "Någon hann före dig") && len(offered) > 0 && !slices.Contains(offered, slotID):
				res.LosersTold++
			default:
				res.Odd = append(res.Odd, js)
			}
		}()
	}
	close(start)
	wg.Wait()
	return res
}

func TestTwoHundredAttemptsOneWinner(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			clk := newClock(sthlm(2026, time.November, 30, 9, 0))
			e := newEnvOn(t, s.open(t, clk), clk)
			const n = 200
			res := race(e, tue13, n, person)
			if len(res.Odd) > 0 {
				t.Fatalf("%d odd replies, first: %s", len(res.Odd), res.Odd[0])
			}
			if len(res.Winners) != 1 || res.LosersTold != n-1 {
				t.Fatalf("winners %v, losers told %d", res.Winners, res.LosersTold)
			}
			bs := e.activeIn(tue13)
			if len(bs) != 1 || bs[0].AAD != res.Winners[0] {
				t.Fatalf("slot doc %+v, winner %s", bs, res.Winners[0])
			}
			// No loser keeps a hold: the limit does not drift.
			for i := range n {
				p, _, err := read[personDoc](e.ctx, e.st, collPeople, person(i).aad)
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				if person(i).aad == res.Winners[0] {
					want = 1
				}
				if len(p.Holds) != want {
					t.Fatalf("person %d holds %+v", i, p.Holds)
				}
			}
		})
	}
}

func TestCrowdFillsTwoPlaces(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			clk := newClock(sthlm(2026, time.November, 30, 9, 0))
			e := newEnvOn(t, s.open(t, clk), clk)
			res := race(e, thu09, 50, person)
			if len(res.Odd) > 0 || len(res.Winners) != 2 || res.LosersTold != 48 {
				t.Fatalf("winners %v, losers told %d, odd %d", res.Winners, res.LosersTold, len(res.Odd))
			}
			bs := e.activeIn(thu09)
			coaches := []string{bs[0].Coach, bs[1].Coach}
			slices.Sort(coaches)
			if !slices.Equal(coaches, []string{annaUPN, bertilUPN}) {
				t.Fatalf("two places should go to two coaches: %v", coaches)
			}
		})
	}
}

// Two serve processes on one Redis: the test binary runs itself twice as
// TestChildBooker, each with 100 concurrent bookers on the same one-place
// slot, started together.
const (
	childEnv       = "DIGIBOT_COACHING_CHILD"
	childPrefixEnv = "DIGIBOT_COACHING_CHILD_PREFIX"
	childNowEnv    = "DIGIBOT_COACHING_CHILD_NOW"
)

func TestTwoProcessesOneWinner(t *testing.T) {
	prefix := newPrefix(t)
	now := sthlm(2026, time.November, 30, 9, 0)
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Scanner
	}
	var kids []*child
	for i := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildBooker$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"="+fmt.Sprint(i), childPrefixEnv+"="+prefix, childNowEnv+"="+now.Format(time.RFC3339))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		k := &child{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
		k.out.Buffer(make([]byte, 1<<20), 1<<24)
		kids = append(kids, k)
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	}
	// Wait until both are ready, then start them together.
	readLine := func(k *child, prefix string) string {
		for k.out.Scan() {
			if line := k.out.Text(); strings.HasPrefix(line, prefix) {
				return strings.TrimPrefix(line, prefix)
			}
		}
		t.Fatalf("child ended without %q: %v", prefix, k.out.Err())
		return ""
	}
	for _, k := range kids {
		readLine(k, "READY")
	}
	for _, k := range kids {
		if _, err := io.WriteString(k.stdin, "GO\n"); err != nil {
			t.Fatal(err)
		}
	}
	var total raceResult
	for i, k := range kids {
		var r raceResult
		if err := json.Unmarshal([]byte(readLine(k, "RESULT ")), &r); err != nil {
			t.Fatalf("child %d result: %v", i, err)
		}
		if len(r.Odd) > 0 {
			t.Fatalf("child %d: %d odd replies, first: %s", i, len(r.Odd), r.Odd[0])
		}
		total.Winners = append(total.Winners, r.Winners...)
		total.LosersTold += r.LosersTold
		if err := k.cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
	}
	if len(total.Winners) != 1 || total.LosersTold != 199 {
		t.Fatalf("two processes: winners %v, losers told %d", total.Winners, total.LosersTold)
	}
	clk := newClock(now)
	e := newEnvOn(t, openRedisPrefix(t, clk, prefix), clk)
	if bs := e.activeIn(tue13); len(bs) != 1 || bs[0].AAD != total.Winners[0] {
		t.Fatalf("slot doc %+v", bs)
	}
}

// TestChildBooker is one "serve process" of TestTwoProcessesOneWinner;
// it does nothing when run normally.
func TestChildBooker(t *testing.T) {
	id := os.Getenv(childEnv)
	if id == "" {
		t.Skip("runs only as a child of TestTwoProcessesOneWinner")
	}
	now, err := time.Parse(time.RFC3339, os.Getenv(childNowEnv))
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock(now)
	st := openRedisPrefix(t, clk, os.Getenv(childPrefixEnv))
	e := newEnvOn(t, st, clk)
	fmt.Println("READY")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	res := race(e, tue13, 100, func(i int) user {
		return user{aad: fmt.Sprintf("22222222-000%s-4000-8000-%012d", id, i), name: "Child " + id}
	})
	b, _ := json.Marshal(res)
	fmt.Println("RESULT " + string(b))
}

// With Graph, a crowd makes one calendar look-up per coach and one
// meeting for the one winner.
func TestCrowdWithGraph(t *testing.T) {
	fm := newFakeMeetings()
	e := newEnv(t, withMeetings(fm))
	res := race(e, tue13, 50, person)
	if len(res.Odd) > 0 || len(res.Winners) != 1 || res.LosersTold != 49 {
		t.Fatalf("winners %v, losers told %d, odd %v", res.Winners, res.LosersTold, res.Odd)
	}
	creates, _ := fm.calls()
	fm.mu.Lock()
	busyCalls := fm.busyCalls
	fm.mu.Unlock()
	if len(creates) != 1 || busyCalls > 2 {
		t.Fatalf("%d meetings created, %d calendar look-ups for 2 coaches", len(creates), busyCalls)
	}
}
