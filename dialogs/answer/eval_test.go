package answer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// evalSet is one testdata/eval_*.yaml file (see KB_FORMAT.md).
type evalSet struct {
	Questions []struct {
		Q    string `yaml:"q"`
		Want string `yaml:"want"`
	} `yaml:"questions"`
	OutOfScope []string `yaml:"out_of_scope"`
}

type evalQuestion struct{ file, q, want string }

type evalStats struct {
	correct, total       int // answered with the wanted article
	rankedFirst          int // wanted article ranked first, answered or not
	rejected, oos        int
	misses, falseAnswers []string
}

func (s evalStats) accuracy() float64  { return pct(s.correct, s.total) }
func (s evalStats) rejection() float64 { return pct(s.rejected, s.oos) }

func pct(n, d int) float64 {
	if d == 0 {
		return 100
	}
	return 100 * float64(n) / float64(d)
}

func loadEvalSets(t testing.TB, pattern string) ([]evalQuestion, []evalQuestion) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var qs, oos []evalQuestion
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s evalSet
		if err := yaml.Unmarshal(data, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, q := range s.Questions {
			qs = append(qs, evalQuestion{filepath.Base(f), q.Q, q.Want})
		}
		for _, q := range s.OutOfScope {
			oos = append(oos, evalQuestion{filepath.Base(f), q, ""})
		}
	}
	return qs, oos
}

func runEval(e *Engine, qs, oos []evalQuestion) evalStats {
	ctx := context.Background()
	var s evalStats
	for _, q := range qs {
		s.total++
		if _, ok := e.Article(q.want); !ok {
			s.misses = append(s.misses, fmt.Sprintf("%s: %q wants %s, which is not in the knowledge base", q.file, q.q, q.want))
			continue
		}
		r := e.Ask(ctx, q.q, "")
		hits, _ := e.rank(ctx, prepareQuestion(q.q).text)
		first := r.ArticleID
		if !r.Answered && len(hits) > 0 {
			first = hits[0].art.ID
		}
		if first == q.want {
			s.rankedFirst++
		}
		if r.Answered && r.ArticleID == q.want {
			s.correct++
			continue
		}
		s.misses = append(s.misses, fmt.Sprintf("%s: %q want %s, got %s (answered=%v score=%.2f)%s",
			q.file, q.q, q.want, first, r.Answered, r.Score, rankOf(hits, q.want)))
	}
	for _, q := range oos {
		s.oos++
		r := e.Ask(ctx, q.q, "")
		if !r.Answered {
			s.rejected++
			continue
		}
		s.falseAnswers = append(s.falseAnswers, fmt.Sprintf("%s: %q answered with %s (score %.2f)", q.file, q.q, r.ArticleID, r.Score))
	}
	return s
}

func rankOf(hits []hit, id string) string {
	for i, h := range hits {
		if h.art.ID == id {
			return fmt.Sprintf(" [wanted at rank %d, confidence %.2f]", i+1, h.confidence)
		}
	}
	return " [wanted not in top 10]"
}

// TestEvaluation answers every question of testdata/eval_*.yaml with the
// embedded knowledge base and fails below 90 % top-1 accuracy or 90 %
// out-of-scope rejection. Without eval sets it runs over the fixtures.
func TestEvaluation(t *testing.T) {
	qs, oos := loadEvalSets(t, filepath.Join("testdata", "eval_*.yaml"))
	opts := Options{}
	name := "knowledge base"
	if len(qs)+len(oos) == 0 {
		qs, oos = loadEvalSets(t, filepath.Join("testdata", "fixtures", "eval_*.yaml"))
		opts.FS = os.DirFS(filepath.Join("testdata", "fixtures", "kb"))
		name = "fixtures"
	}
	if len(qs) == 0 {
		t.Fatal("no evaluation questions found")
	}
	e, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := runEval(e, qs, oos)
	for _, m := range s.misses {
		t.Log("miss: " + m)
	}
	for _, m := range s.falseAnswers {
		t.Log("out of scope but answered: " + m)
	}
	line := fmt.Sprintf("eval (%s): top-1 accuracy %.1f%% (%d/%d; ranked first %d), out-of-scope rejection %.1f%% (%d/%d), threshold %.2f",
		name, s.accuracy(), s.correct, s.total, s.rankedFirst, s.rejection(), s.rejected, s.oos, e.threshold)
	t.Log(line)
	fmt.Println(line)
	if s.accuracy() < 90 {
		t.Errorf("top-1 accuracy %.1f%% is below 90%%", s.accuracy())
	}
	if s.rejection() < 90 {
		t.Errorf("out-of-scope rejection %.1f%% is below 90%%", s.rejection())
	}
}

// TestEvaluationFixtures runs the same evaluation over the small fixture
// knowledge base, so that the pipeline is checked apart from the content.
func TestEvaluationFixtures(t *testing.T) {
	qs, oos := loadEvalSets(t, filepath.Join("testdata", "fixtures", "eval_*.yaml"))
	e := newFixtureEngine(t, nil)
	s := runEval(e, qs, oos)
	for _, m := range append(s.misses, s.falseAnswers...) {
		t.Log(m)
	}
	t.Logf("fixtures: top-1 accuracy %.1f%%, out-of-scope rejection %.1f%%", s.accuracy(), s.rejection())
	if s.accuracy() < 90 || s.rejection() < 90 {
		t.Errorf("fixtures: accuracy %.1f%%, rejection %.1f%%", s.accuracy(), s.rejection())
	}
}

// TestEvaluationSplit keeps the eval sets honest: they must not simply
// repeat article phrasings (KB_FORMAT.md). It reports, never fails.
func TestEvaluationSplit(t *testing.T) {
	qs, _ := loadEvalSets(t, filepath.Join("testdata", "eval_*.yaml"))
	if len(qs) == 0 {
		t.Skip("no eval sets yet")
	}
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Skip(err)
	}
	defer e.Close()
	copies := 0
	for _, q := range qs {
		a, ok := e.Article(q.want)
		if !ok {
			continue
		}
		for _, p := range append(append([]string{}, a.Phrasings.SV...), a.Phrasings.EN...) {
			if normalizePhrase(p) == normalizePhrase(q.q) {
				copies++
				t.Logf("%s: %q repeats a phrasing of %s", q.file, q.q, q.want)
			}
		}
	}
	t.Logf("%d of %d eval questions repeat a phrasing", copies, len(qs))
	_ = strings.TrimSpace
}
