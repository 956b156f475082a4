package answer

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// The Go scorer (scorer.go) and the term sets (termsets.go) stand in for
// a bleve search with term locations. These tests keep them honest: the
// reference below is the search as it was written for bleve (match,
// match-phrase, prefix, term and fuzzy queries over the question text,
// coverage from the matched terms' locations), and every question must get
// the same hits with the same scores, coverage and evidence.

// bleveReferenceQuery is the query buildPlan stands for.
func bleveReferenceQuery(ix *kbIndex, p parsed) query.Query {
	var qs []query.Query
	for _, f := range svFields {
		mq := bleve.NewMatchQuery(p.text)
		mq.SetField(f)
		mq.Analyzer = analyzerSV
		mq.SetBoost(fieldBoost[f])
		qs = append(qs, mq)
	}
	for _, f := range []string{fieldTitleEN, fieldPhrasingsEN, fieldKeywordsEN, fieldSummaryEN, fieldBodyEN} {
		mq := bleve.NewMatchQuery(p.text)
		mq.SetField(f)
		mq.Analyzer = analyzerEN
		mq.SetBoost(fieldBoost[f])
		qs = append(qs, mq)
	}
	cq := bleve.NewMatchQuery(p.text)
	cq.SetField(fieldComp)
	cq.Analyzer = analyzerSVComp
	cq.SetBoost(fieldBoost[fieldComp])
	qs = append(qs, cq)
	if len(p.words) >= 2 {
		for _, f := range []string{fieldPhrasingsSV, fieldTitleSV} {
			pq := bleve.NewMatchPhraseQuery(p.text)
			pq.SetField(f)
			pq.Analyzer = analyzerSV
			pq.SetBoost(2)
			qs = append(qs, pq)
		}
		pq := bleve.NewMatchPhraseQuery(p.text)
		pq.SetField(fieldPhrasingsEN)
		pq.Analyzer = analyzerEN
		pq.SetBoost(2)
		qs = append(qs, pq)
	}
	for _, x := range p.expanded {
		if len(strings.Fields(x)) < 2 {
			continue
		}
		for _, f := range []string{fieldTitleSV, fieldPhrasingsSV} {
			pq := bleve.NewMatchPhraseQuery(x)
			pq.SetField(f)
			pq.Analyzer = analyzerSV
			pq.SetBoost(2)
			qs = append(qs, pq)
		}
	}
	for _, w := range p.words {
		n := utf8.RuneCountInString(w.sv)
		if n >= 4 {
			pq := bleve.NewPrefixQuery(w.sv)
			pq.SetField(fieldComp)
			pq.SetBoost(0.5)
			qs = append(qs, pq)
		}
		for _, c := range w.corr {
			for _, f := range svFields {
				tq := bleve.NewTermQuery(c)
				tq.SetField(f)
				tq.SetBoost(fieldBoost[f] * 0.8)
				qs = append(qs, tq)
			}
		}
		if w.sv != "" && !ix.knownSV(w.sv) && n >= 6 {
			rs := []rune(w.sv)
			for cut := 1; cut <= 3 && len(rs)-cut >= 5; cut++ {
				tq := bleve.NewTermQuery(string(rs[:len(rs)-cut]))
				tq.SetField(fieldComp)
				tq.SetBoost(0.7)
				qs = append(qs, tq)
			}
		}
		if w.en != "" && len(w.corr) == 0 && ix.dfEN[w.en] == 0 && ix.dfSV[w.sv] == 0 &&
			isASCII(w.en) && utf8.RuneCountInString(w.en) >= minFuzzyRunes {
			fq := bleve.NewFuzzyQuery(w.en)
			fq.SetField(fieldAllEN)
			fq.SetFuzziness(1)
			fq.SetBoost(0.6)
			qs = append(qs, fq)
		}
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// bleveReferenceSearch searches with bleve and computes coverage from the
// matched terms' locations.
func bleveReferenceSearch(t testing.TB, ix *kbIndex, p parsed, size int) []hit {
	t.Helper()
	req := bleve.NewSearchRequestOptions(bleveReferenceQuery(ix, p), size, 0, false)
	req.IncludeLocations = true
	res, err := ix.idx.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	var hits []hit
	for _, dm := range res.Hits {
		cov, ev := referenceCoverage(p, dm.Locations)
		hits = append(hits, hit{art: ix.arts[dm.ID], score: dm.Score, coverage: cov, evidence: ev})
	}
	return hits
}

func referenceCoverage(p parsed, locs search.FieldTermLocationMap) (float64, float64) {
	var total, got float64
	for _, u := range p.units {
		best := 0.0
		for _, alt := range u.alts {
			var sum float64
			for _, w := range alt {
				sum += referenceWordMatch(w, locs)
			}
			best = math.Max(best, sum/float64(len(alt)))
		}
		total += u.weight
		got += u.weight * best
	}
	if total == 0 {
		return 0, 0
	}
	return got / total, got
}

func referenceWordMatch(w qword, locs search.FieldTermLocationMap) float64 {
	best := 0.0
	for field, terms := range locs {
		trust := fieldTrust[field]
		var cands []string
		switch {
		case isENField(field):
			cands = []string{w.en}
		case field == fieldComp:
			cands = append(append([]string{w.sv}, w.comp...), w.corr...)
		default:
			cands = append([]string{w.sv}, w.corr...)
		}
		for term := range terms {
			for _, c := range cands {
				if q := termSimilarity(c, term); q > 0 {
					best = math.Max(best, q*trust)
				}
			}
		}
	}
	return best
}

// scorerQuestions exercise every kind of clause: phrases, synonyms,
// compounds and their prefixes, Swedish and English typos, shortened
// forms, stop words only, off-topic words.
var scorerQuestions = []string{
	"vad är digital basnivå", "basnivåtjänster", "vem ansvarar för systemägarrådet", "signring av avtal",
	"what is the digital baseline", "principels of the strategy", "who is responsable for the baseline",
	"kommunikationsförvaltningens ansvar", "tredje principen", "princip ett", "vad är det", "och eller men",
	"lunch i matsalen", "digitalisering digitalisering digitalisering", "A04", "aktivitet 12",
	"hur mäts förflyttningen", "vad betyder förändringsledning", "e-tjänster för invånare", "IT-säkerhet",
	"digital omställning 2024–2027", "vad är en digital tvilling", "strategy for digital transformation",
	"juridiskt beslutsstöd", "arkivering", "arkivring", "informationssäkerhetsklassning", "dgitalisering",
	"vem", "x", "12345", "coachning för chefer", "vilka principer finns det", "ai och automatisering",
}

// referenceIndex indexes e's articles again, with term positions in every
// field, for bleveReferenceSearch.
func referenceIndex(t testing.TB, e *Engine, syns synonymFile) *kbIndex {
	t.Helper()
	ix, err := buildIndexVectors(e.arts, syns, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func defaultSynonymFile(t testing.TB) synonymFile {
	t.Helper()
	syns, err := parseSynonyms(defaultSynonyms)
	if err != nil {
		t.Fatal(err)
	}
	return syns
}

// compareWithBleve compares e's search with bleve's on ref, the same
// articles indexed with every term's positions. It returns how many
// questions it compared (those with words to search).
func compareWithBleve(t *testing.T, e *Engine, ref *kbIndex, questions []string) int {
	t.Helper()
	ctx := context.Background()
	const size = 10
	checked := 0
	for _, q := range questions {
		text := prepareQuestion(q).text
		p := e.ix.analyze(text)
		got, err := e.ix.search(ctx, p, size)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.words) == 0 {
			if len(got) != 0 {
				t.Errorf("%q: %d hits without words", q, len(got))
			}
			continue
		}
		checked++
		want := bleveReferenceSearch(t, ref, p, size)
		if len(got) != len(want) {
			t.Errorf("%q: %d hits, bleve %d", q, len(got), len(want))
			continue
		}
		for i := range want {
			g, w := got[i], want[i]
			if !near(g.score, w.score) {
				t.Errorf("%q: hit %d score %v, bleve %v", q, i, g.score, w.score)
			}
			if g.art.ID != w.art.ID {
				// Equal scores may come in either order, and the last
				// places may go to either of equal articles.
				j := slices.IndexFunc(want, func(h hit) bool { return h.art.ID == g.art.ID })
				if j < 0 && near(g.score, want[len(want)-1].score) && len(want) == size {
					continue
				}
				if j < 0 || !near(want[j].score, g.score) {
					t.Errorf("%q: hit %d is %s, bleve %s", q, i, g.art.ID, w.art.ID)
					continue
				}
				w = want[j]
			}
			if !near(g.coverage, w.coverage) || !near(g.evidence, w.evidence) {
				t.Errorf("%q: %s coverage %v evidence %v, from bleve's locations %v %v",
					q, g.art.ID, g.coverage, g.evidence, w.coverage, w.evidence)
			}
		}
	}
	return checked
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func TestScorerMatchesBleve(t *testing.T) {
	qs, oos := loadEvalSets(t, filepath.Join("testdata", "eval_*.yaml"))
	questions := slices.Clone(scorerQuestions)
	for _, q := range append(qs, oos...) {
		questions = append(questions, q.q)
	}
	t.Run("knowledge base", func(t *testing.T) {
		e, err := New(context.Background(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		if n := compareWithBleve(t, e, referenceIndex(t, e, defaultSynonymFile(t)), questions); n < len(questions)/2 {
			t.Errorf("only %d of %d questions compared", n, len(questions))
		}
	})
	t.Run("fixtures", func(t *testing.T) {
		fqs, foos := loadEvalSets(t, filepath.Join("testdata", "fixtures", "eval_*.yaml"))
		questions := slices.Clone(scorerQuestions)
		for _, q := range append(fqs, foos...) {
			questions = append(questions, q.q)
		}
		e := newFixtureEngine(t, nil)
		if n := compareWithBleve(t, e, referenceIndex(t, e, defaultSynonymFile(t)), questions); n < len(questions)/2 {
			t.Errorf("only %d of %d questions compared", n, len(questions))
		}
	})
}

// FuzzScorerMatchesBleve: for any question, the Go scorer agrees with
// bleve.
func FuzzScorerMatchesBleve(f *testing.F) {
	for _, q := range scorerQuestions {
		f.Add(q)
	}
	e := newFixtureEngine(f, nil)
	ref := referenceIndex(f, e, defaultSynonymFile(f))
	f.Fuzz(func(t *testing.T, q string) {
		_ = compareWithBleve(t, e, ref, []string{q})
	})
}

func TestWithinOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"principle", "principle", true}, {"principle", "principl", true}, {"principle", "principles", true},
		{"principle", "prinicple", true}, {"principle", "prnciiple", false}, {"baseline", "basleine", true},
		{"abc", "acb", true}, {"abc", "bca", false}, {"åäö", "åöä", true}, {"åäö", "aäö", true}, {"", "a", true},
		{"", "ab", false}, {"ab", "ba", true}, {"abcd", "badc", false},
	} {
		if got := withinOneEdit(c.a, c.b); got != c.want {
			t.Errorf("withinOneEdit(%q, %q) = %v", c.a, c.b, got)
		}
		if got := withinOneEdit(c.b, c.a); got != c.want {
			t.Errorf("withinOneEdit(%q, %q) = %v", c.b, c.a, got)
		}
	}
}

// TestScorerPhraseEdges checks phrase matching where it is easy to get
// wrong, on a small knowledge base: a phrase must not run from one
// phrasing into the next, stop words leave gaps that must line up, and
// repeated words count twice.
func TestScorerPhraseEdges(t *testing.T) {
	arts := []*Article{
		{ID: "a", Title: Text{SV: "Alfa beta", EN: "Alpha beta"}, Summary: Text{SV: "Gamma delta.", EN: "Gamma delta."},
			Phrasings: Texts{SV: []string{"vad är alfa beta", "gamma delta"}, EN: []string{"what is alpha beta", "gamma delta"}},
			Keywords:  []string{"alfa"}},
		{ID: "b", Title: Text{SV: "Beta gamma", EN: "Beta gamma"}, Summary: Text{SV: "Beta i gamma.", EN: "Beta in gamma."},
			Phrasings: Texts{SV: []string{"beta i gamma", "beta gamma delta"}, EN: []string{"beta in gamma"}},
			Keywords:  []string{"beta", "gamma"}},
		{ID: "c", Title: Text{SV: "Delta", EN: "Delta"}, Summary: Text{SV: "Alfa alfa alfa.", EN: "Alpha alpha."},
			Phrasings: Texts{SV: []string{"alfa", "beta"}}, Body: Text{SV: "Beta gamma delta alfa beta gamma."}},
	}
	ix, err := buildIndex(arts, synonymFile{})
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{ix: ix, arts: arts}
	defer e.Close()
	qs := []string{"beta gamma", "alfa beta", "beta i gamma", "beta och gamma", "beta gamma delta", "alfa alfa",
		"delta alfa", "gamma delta", "beta in gamma", "alpha beta", "vad är alfa beta gamma"}
	if n := compareWithBleve(t, e, referenceIndex(t, e, synonymFile{}), qs); n != len(qs) {
		t.Fatalf("compared %d of %d", n, len(qs))
	}
}

// TestAskConcurrent: answers do not depend on other questions answered at
// the same time (the scorer reuses scratch space between questions).
func TestAskConcurrent(t *testing.T) {
	e := newFixtureEngine(t, nil)
	ctx := context.Background()
	want := make([]Result, len(scorerQuestions))
	for i, q := range scorerQuestions {
		want[i] = e.Ask(ctx, q, "sv")
	}
	errs := make(chan string, 4*len(scorerQuestions))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 * len(scorerQuestions) {
				i := (k*7 + g) % len(scorerQuestions)
				if r := e.Ask(ctx, scorerQuestions[i], "sv"); r.ArticleID != want[i].ArticleID || r.Score != want[i].Score ||
					!slices.Equal(r.Suggestions, want[i].Suggestions) {
					errs <- fmt.Sprintf("%q: %s %.3f, alone %s %.3f", scorerQuestions[i], r.ArticleID, r.Score, want[i].ArticleID, want[i].Score)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

// referenceCorrections is correctionsWithin as bleve's fuzzy dictionary
// (a Levenshtein automaton over comp_sv) finds the candidates.
func referenceCorrections(t testing.TB, ix *kbIndex, term string, edits int) []string {
	t.Helper()
	dict, err := ix.reader.(index.IndexReaderFuzzy).FieldDictFuzzy(fieldComp, term, edits, "")
	if err != nil {
		t.Fatal(err)
	}
	defer dict.Close()
	type cand struct {
		term     string
		dist, df int
	}
	var cs []cand
	first, _ := utf8.DecodeRuneInString(term)
	for {
		de, err := dict.Next()
		if err != nil || de == nil {
			break
		}
		if r, _ := utf8.DecodeRuneInString(de.Term); r != first {
			continue
		}
		if d := levenshtein(term, de.Term, edits); d <= edits {
			cs = append(cs, cand{de.Term, d, ix.dfSV[de.Term]})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		switch {
		case a.dist != b.dist:
			return a.dist - b.dist
		case a.df != b.df:
			return b.df - a.df
		}
		return strings.Compare(a.term, b.term)
	})
	var out []string
	for _, c := range cs {
		if len(out) == 2 || c.dist > cs[0].dist {
			break
		}
		out = append(out, c.term)
	}
	return out
}

// TestCorrectionsMatchBleveFuzzy: spelling corrections from the term sets
// are those bleve's fuzzy term dictionary gives, for typos of every kind.
func TestCorrectionsMatchBleveFuzzy(t *testing.T) {
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var typos []string
	for i, w := range e.ix.ts.comp {
		rs := []rune(w)
		if i%7 != 0 || len(rs) < 5 {
			continue
		}
		k := len(rs) / 2
		typos = append(typos,
			string(slices.Delete(slices.Clone(rs), k, k+1)),                             // deletion
			string(slices.Insert(slices.Clone(rs), k, 'e')),                             // insertion
			string(append(append(slices.Clone(rs[:k]), 'x'), rs[k+1:]...)),              // substitution
			string(append(append(slices.Clone(rs[:k-1]), rs[k], rs[k-1]), rs[k+1:]...)), // swap
			string(slices.Delete(slices.Clone(rs), 1, 3)),                               // two deletions
		)
	}
	if len(typos) < 100 {
		t.Fatalf("only %d typos", len(typos))
	}
	for _, typo := range typos {
		for edits := 1; edits <= 2; edits++ {
			got, want := e.ix.correctionsWithin(typo, edits), referenceCorrections(t, e.ix, typo, edits)
			if !slices.Equal(got, want) {
				t.Errorf("%q within %d: %q, bleve's fuzzy dictionary %q", typo, edits, got, want)
			}
		}
	}
}
