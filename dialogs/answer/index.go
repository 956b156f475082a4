package answer

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
)

// Index fields. Swedish and English text are analysed separately; comp_sv
// repeats the short Swedish text with compound parts, for prefix and typo
// matching; all_en does the same for English.
const (
	fieldTitleSV     = "title_sv"
	fieldPhrasingsSV = "phrasings_sv"
	fieldKeywordsSV  = "keywords_sv"
	fieldSummarySV   = "summary_sv"
	fieldBodySV      = "body_sv"
	fieldActivitySV  = "activity_sv"
	fieldTitleEN     = "title_en"
	fieldPhrasingsEN = "phrasings_en"
	fieldKeywordsEN  = "keywords_en"
	fieldSummaryEN   = "summary_en"
	fieldBodyEN      = "body_en"
	fieldComp        = "comp_sv"
	fieldAllEN       = "all_en"
)

var (
	svFields = []string{fieldTitleSV, fieldPhrasingsSV, fieldKeywordsSV, fieldSummarySV, fieldBodySV, fieldActivitySV}
	enFields = []string{fieldTitleEN, fieldPhrasingsEN, fieldKeywordsEN, fieldSummaryEN, fieldBodyEN, fieldAllEN}
)

// fieldBoost weighs a match by where it is: how people ask (phrasings) and
// what the article is called count most, the long body least.
var fieldBoost = map[string]float64{
	fieldTitleSV: 3, fieldPhrasingsSV: 3.5, fieldKeywordsSV: 3, fieldSummarySV: 1.5, fieldBodySV: 0.6, fieldActivitySV: 2,
	fieldTitleEN: 3, fieldPhrasingsEN: 3.5, fieldKeywordsEN: 2.5, fieldSummaryEN: 1.5, fieldBodyEN: 0.6,
	fieldComp: 0.8,
}

// fieldTrust is how much a word matched in a field counts as evidence that
// the article answers the question (for the confidence score).
var fieldTrust = map[string]float64{
	fieldTitleSV: 1, fieldPhrasingsSV: 1, fieldKeywordsSV: 1, fieldActivitySV: 1, fieldComp: 0.9,
	fieldSummarySV: 0.85, fieldBodySV: 0.6,
	fieldTitleEN: 1, fieldPhrasingsEN: 1, fieldKeywordsEN: 1, fieldAllEN: 0.9, fieldSummaryEN: 0.85, fieldBodyEN: 0.6,
}

func isENField(f string) bool {
	return strings.HasSuffix(f, "_en")
}

// kbIndex is the in-memory search index over one knowledge base.
type kbIndex struct {
	idx     bleve.Index
	arts    map[string]*Article
	byAct   map[string]*Article // "A04" → article
	sv      analysis.Analyzer
	svComp  analysis.Analyzer
	en      analysis.Analyzer
	surface analysis.Analyzer // tokens as typed, lowercased
	dfSV    map[string]int    // Swedish term → number of articles containing it
	dfEN    map[string]int    // English term → number of articles containing it
	order   []*Article        // the articles in docSet order
	artNo   map[string]int    // article id → position in order
	ts      termSets          // which articles have which terms (termsets.go)
	n       int
	maxIDF  float64
	syn     []synonym
	vocabSV map[string]bool // every Swedish index term (exact-known words)
	reader  index.IndexReader
	// offTopicWords are the single off-topic words as typed (lowercase);
	// offTopicPrefixes those long enough to match as a word's beginning.
	offTopicWords    map[string]bool
	offTopicPrefixes []string
	// refScore is the typical score of a question that an article answers
	// (its own first phrasing): confidence uses scores relative to it, so
	// that it means the same for a small and a large knowledge base.
	refScore float64
	// surfaceSyn are phrases matched on the words as typed: off-topic
	// phrases of several words and "always" synonyms.
	surfaceSyn []surfacePhrase
	// exact maps a normalised phrasing or title to the articles that have it.
	exact map[string][]string
	// synByFirst and surfaceByFirst index syn and surfaceSyn by their
	// first word.
	synByFirst, surfaceByFirst map[string][]int32
}

// indexSynonyms indexes the synonym rules by their first word.
func (ix *kbIndex) indexSynonyms() {
	ix.synByFirst = map[string][]int32{}
	for i, s := range ix.syn {
		if len(s.say) > 0 {
			ix.synByFirst[s.say[0]] = append(ix.synByFirst[s.say[0]], int32(i))
		}
	}
	ix.surfaceByFirst = map[string][]int32{}
	for i, s := range ix.surfaceSyn {
		if len(s.words) > 0 {
			ix.surfaceByFirst[s.words[0]] = append(ix.surfaceByFirst[s.words[0]], int32(i))
		}
	}
}

// synCand is a synonym rule whose first word is at a position of the
// question.
type synCand struct{ rule, at int32 }

// sortSynCands orders candidates by rule, then position: the order in
// which trying every rule at every position would find them.
func sortSynCands(cs []synCand) {
	slices.SortFunc(cs, func(a, b synCand) int {
		if a.rule != b.rule {
			return int(a.rule - b.rule)
		}
		return int(a.at - b.at)
	})
}

func buildIndex(arts []*Article, syns synonymFile) (*kbIndex, error) {
	return buildIndexVectors(arts, syns, false)
}

// buildIndexVectors is buildIndex, with term positions in every field
// when allVectors is set.
func buildIndexVectors(arts []*Article, syns synonymFile, allVectors bool) (_ *kbIndex, err error) {
	m, err := newMapping(kbDictionary(arts), allVectors)
	if err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	defer func() {
		if err != nil {
			_ = idx.Close()
		}
	}()
	ix := &kbIndex{
		idx: idx, arts: map[string]*Article{}, byAct: map[string]*Article{},
		sv: m.AnalyzerNamed(analyzerSV), svComp: m.AnalyzerNamed(analyzerSVComp), en: m.AnalyzerNamed(analyzerEN),
		surface: m.AnalyzerNamed(analyzerSurface),
		dfSV:    map[string]int{}, dfEN: map[string]int{}, n: len(arts), vocabSV: map[string]bool{},
		order: arts,
	}
	if ix.sv == nil || ix.svComp == nil || ix.en == nil || ix.surface == nil {
		return nil, fmt.Errorf("index mapping: analyzers missing")
	}
	ix.exact = map[string][]string{}
	b := idx.NewBatch()
	for _, a := range arts {
		ix.arts[a.ID] = a
		for _, p := range append(append([]string{a.Title.SV, a.Title.EN}, a.Phrasings.SV...), a.Phrasings.EN...) {
			if k := normalizePhrase(p); k != "" && !slices.Contains(ix.exact[k], a.ID) {
				ix.exact[k] = append(ix.exact[k], a.ID)
			}
		}
		if a.Activity != nil {
			ix.byAct[a.Activity.ID] = a
		}
		if err := b.Index(a.ID, indexDoc(a)); err != nil {
			return nil, fmt.Errorf("index %s: %w", a.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	// The index never changes after this: one reader serves every query's
	// spelling corrections.
	adv, err := idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	if ix.reader, err = adv.Reader(); err != nil {
		return nil, fmt.Errorf("index reader: %w", err)
	}
	defer func() {
		if err != nil {
			_ = ix.reader.Close()
		}
	}()
	if err := ix.readTermSets(context.Background()); err != nil {
		return nil, fmt.Errorf("index terms: %w", err)
	}
	ix.maxIDF = idf(ix.n, 0)
	for _, r := range syns.Synonyms {
		ix.syn = append(ix.syn, ix.compileSynonym(r)...)
	}
	ix.compileOffTopic(syns.OffTopic)
	// Longer phrases first: "digitala brevlådan" before "brevlådan".
	sort.SliceStable(ix.syn, func(i, j int) bool { return len(ix.syn[i].say) > len(ix.syn[j].say) })
	ix.indexSynonyms()
	ix.refScore = ix.referenceScore(arts)
	return ix, nil
}

func (ix *kbIndex) Close() error {
	if ix.reader != nil {
		_ = ix.reader.Close()
	}
	return ix.idx.Close()
}

// corrections returns the KB terms closest to an unknown Swedish term
// (typos: "signring" → "signering"), the most common first, at most two.
// One edit is tried first; two only for long words without a one-edit
// match.
func (ix *kbIndex) corrections(term string) []string {
	n := utf8.RuneCountInString(term)
	if n < minFuzzyRunes {
		return nil
	}
	if cs := ix.correctionsWithin(term, 1); len(cs) > 0 || maxEdits(n) < 2 {
		return cs
	}
	return ix.correctionsWithin(term, 2)
}

// correctionsWithin finds the comp_sv terms within edits of term. Typos
// are rarely in the first letter; requiring it keeps "dikt" from becoming
// "vikt" (and keeps the candidates few).
func (ix *kbIndex) correctionsWithin(term string, edits int) []string {
	type cand struct {
		term string
		dist int
		df   int
	}
	var buf [8]cand
	cs := buf[:0]
	first, _ := utf8.DecodeRuneInString(term)
	n := utf8.RuneCountInString(term)
	for _, v := range ix.ts.first[first] {
		if abs(v.runes-n) > edits {
			continue
		}
		if d := levenshtein(term, v.term, edits); d <= edits {
			cs = append(cs, cand{v.term, d, ix.dfSV[v.term]})
		}
	}
	if len(cs) == 0 {
		return nil
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].dist != cs[j].dist {
			return cs[i].dist < cs[j].dist
		}
		if cs[i].df != cs[j].df {
			return cs[i].df > cs[j].df
		}
		return cs[i].term < cs[j].term
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

func indexDoc(a *Article) map[string]any {
	d := map[string]any{
		fieldTitleSV:     a.Title.SV,
		fieldPhrasingsSV: a.Phrasings.SV,
		fieldKeywordsSV:  a.Keywords,
		fieldSummarySV:   a.Summary.SV,
		fieldBodySV:      plainMarkdown(a.Body.SV),
		fieldTitleEN:     a.Title.EN,
		fieldPhrasingsEN: a.Phrasings.EN,
		fieldKeywordsEN:  a.Keywords,
		fieldSummaryEN:   a.Summary.EN,
		fieldBodyEN:      plainMarkdown(a.Body.EN),
	}
	comp := []string{a.Title.SV, a.Summary.SV}
	comp = append(comp, a.Phrasings.SV...)
	comp = append(comp, a.Keywords...)
	all := []string{a.Title.EN, a.Summary.EN}
	all = append(all, a.Phrasings.EN...)
	all = append(all, a.Keywords...)
	if a.Activity != nil {
		d[fieldActivitySV] = []string{a.Activity.Name, a.Activity.Department, a.Activity.Area}
		comp = append(comp, a.Activity.Name, a.Activity.Department)
	}
	d[fieldComp] = comp
	d[fieldAllEN] = all
	return d
}

var mdMarks = strings.NewReplacer("**", " ", "__", " ", "`", " ", "#", " ")

// plainMarkdown drops the markdown marks that would otherwise become terms.
func plainMarkdown(s string) string { return mdMarks.Replace(s) }

// referenceScore is the median top score of the first Swedish phrasing of
// up to 25 articles, spread over the knowledge base.
func (ix *kbIndex) referenceScore(arts []*Article) float64 {
	step := max(1, len(arts)/25)
	var scores []float64
	for i := 0; i < len(arts); i += step {
		if len(arts[i].Phrasings.SV) == 0 {
			continue
		}
		p := ix.analyze(arts[i].Phrasings.SV[0])
		if len(p.words) == 0 {
			continue
		}
		pl, _ := ix.buildPlan(p)
		best := ix.ts.top(&pl, 1, nil)
		if len(best) == 0 {
			continue
		}
		scores = append(scores, best[0].score)
	}
	if len(scores) == 0 {
		return 1
	}
	sort.Float64s(scores)
	return scores[len(scores)/2]
}

// idf is BM25's inverse document frequency.
func idf(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// qword is one content word of a question in every form the index knows.
type qword struct {
	surface string
	pos     int
	sv      string   // Swedish analysed term
	en      string   // English analysed term
	comp    []string // compound parts (Swedish), including sv
	corr    []string // spelling corrections when sv is not a KB term
}

// unit is what the confidence score counts: a word, or a phrase that a
// synonym rule matched, with its alternatives.
type unit struct {
	alts     [][]qword // each alternative is a list of words; the unit matches as well as its best alternative
	weight   float64
	offTopic bool // an off-topic phrase: never matches
	unknown  bool // a word the KB does not know, not even as a typo or compound part
}

// parsed is a question ready for searching.
type parsed struct {
	text       string // searched text (question plus synonym expansions)
	normalized string // the question as normalizePhrase has it
	words      []qword
	units      []unit
	expanded   []string // synonym expansions that fired
	// expandedSyn are the rules behind expanded.
	expandedSyn []*synonym
	// Analysed terms of text, for the term queries.
	svToks, enToks, compToks []tok
	offTopic                 int // off-topic phrases found
	// offTopicUnknown counts off-topic phrases the KB never uses: stronger
	// evidence than "lön", which one activity is about.
	offTopicUnknown int
}

// surfaceOffTopicSyn marks a match of a several-word off-topic phrase.
var surfaceOffTopicSyn = synonym{offTopic: true}

// unknownShare is the share of the question's weight that the KB cannot
// match at all: unknown and off-topic words.
func (p parsed) unknownShare() float64 {
	var unk, total float64
	for _, u := range p.units {
		total += u.weight
		if u.unknown || u.offTopic {
			unk += u.weight
		}
	}
	if total == 0 {
		return 1
	}
	return unk / total
}

// tok is an analysed term and its position in the searched text.
type tok struct {
	term string
	pos  int
}

// analyze splits a question into content words, applies synonyms and
// off-topic phrases, and weighs each unit by how rare its words are in the
// knowledge base. It also keeps the analysed terms of the searched text
// (question plus expansions), which buildPlan turns into term queries.
func (ix *kbIndex) analyze(text string) parsed {
	p := parsed{text: text, normalized: normalizePhrase(text)}
	// The tokenizer is the same for every analyzer, so positions align;
	// they run from 1 to the number of tokens.
	b := []byte(text)
	st := ix.surface.Analyze(b)
	n := 0
	for _, t := range st {
		n = max(n, t.Position)
	}
	surf := make([]string, n+1)
	positions := make([]int, 0, len(st))
	for _, t := range st {
		if surf[t.Position] == "" {
			positions = append(positions, t.Position)
		}
		surf[t.Position] = string(t.Term)
	}
	slices.Sort(positions)
	inRange := func(pos int) bool { return pos >= 0 && pos <= n }
	svAt := make([]string, n+1)
	hasSV := make([]bool, n+1)
	for _, t := range ix.sv.Analyze(b) {
		term := string(t.Term)
		p.svToks = append(p.svToks, tok{term, t.Position})
		if inRange(t.Position) {
			svAt[t.Position], hasSV[t.Position] = term, true
		}
	}
	enAt := make([]string, n+1)
	for _, t := range ix.en.Analyze(b) {
		term := string(t.Term)
		p.enToks = append(p.enToks, tok{term, t.Position})
		if inRange(t.Position) {
			enAt[t.Position] = term
		}
	}
	compAt := make([][]string, n+1)
	for _, t := range ix.svComp.Analyze(b) {
		term := string(t.Term)
		p.compToks = append(p.compToks, tok{term, t.Position})
		if inRange(t.Position) {
			compAt[t.Position] = append(compAt[t.Position], term)
		}
	}

	// Synonyms and off-topic phrases match on the Swedish term sequence
	// (stop words removed), longest phrase first, without overlaps.
	seq := make([]int, 0, len(positions))
	for _, pos := range positions {
		if hasSV[pos] {
			seq = append(seq, pos)
		}
	}
	type phraseMatch struct {
		positions []int
		syn       *synonym
	}
	covered := make([]int, n+1) // position → 1 + index in matches; 0 when free
	var matches []phraseMatch
	free := func(ps []int) bool {
		for _, pos := range ps {
			if covered[pos] != 0 {
				return false
			}
		}
		return true
	}
	// Candidates are looked up by their first word; they are then tried in
	// rule order, each from the start of the question, as if every rule
	// were tried at every position.
	var cbuf [16]synCand
	cands := cbuf[:0]
	for i, pos := range positions {
		for _, k := range ix.surfaceByFirst[surf[pos]] {
			cands = append(cands, synCand{k, int32(i)})
		}
	}
	sortSynCands(cands)
	// Some phrases match on the words as typed, stop words included.
	for _, c := range cands {
		sp, i := &ix.surfaceSyn[c.rule], int(c.at)
		phrase := sp.words
		if i+len(phrase) <= len(positions) {
			ok := true
			for j, w := range phrase {
				if surf[positions[i+j]] != w {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			ps := positions[i : i+len(phrase)]
			if free(ps) {
				for _, pos := range ps {
					covered[pos] = len(matches) + 1
				}
				matches = append(matches, phraseMatch{positions: ps, syn: sp.syn})
			}
		}
	}
	cands = cands[:0]
	for i, pos := range seq {
		for _, k := range ix.synByFirst[svAt[pos]] {
			cands = append(cands, synCand{k, int32(i)})
		}
	}
	sortSynCands(cands)
	for _, c := range cands {
		s, i := &ix.syn[c.rule], int(c.at)
		if i+len(s.say) <= len(seq) {
			ok := true
			for j, term := range s.say[1:] {
				if svAt[seq[i+1+j]] != term {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			ps := seq[i : i+len(s.say)]
			if !free(ps) {
				continue
			}
			for _, pos := range ps {
				covered[pos] = len(matches) + 1
			}
			matches = append(matches, phraseMatch{positions: ps, syn: s})
		}
	}

	word := func(pos int) (qword, bool) {
		s := surf[pos]
		if s == "" || svStop[s] || (enStop[s] && !keepWords[s]) || fillerWords[s] {
			return qword{}, false
		}
		if utf8.RuneCountInString(s) < 2 && !isDigits(s) {
			return qword{}, false
		}
		w := qword{surface: s, pos: pos, sv: svAt[pos], en: enAt[pos], comp: compAt[pos]}
		if w.sv == "" && w.en == "" {
			return qword{}, false
		}
		if w.sv != "" && !ix.vocabSV[w.sv] && ix.dfEN[w.en] == 0 && !ix.knownPart(w) {
			w.corr = ix.corrections(w.sv)
		}
		return w, true
	}
	done := make([]bool, n+1)
	var expanded []*synonym
	for _, pos := range positions {
		if done[pos] {
			continue
		}
		if covered[pos] == 0 {
			done[pos] = true
			w, ok := word(pos)
			if !ok {
				continue
			}
			if ix.offTopicWord(w.surface) {
				p.offTopic++
				if ix.dfSV[w.sv] == 0 && ix.dfEN[w.en] == 0 {
					p.offTopicUnknown++
				}
				p.units = append(p.units, unit{weight: offTopicWeight * ix.maxIDF, offTopic: true})
				continue
			}
			p.words = append(p.words, w)
			p.units = append(p.units, unit{alts: [][]qword{{w}}, weight: ix.unitWeight([]qword{w}), unknown: ix.unknown(w)})
			continue
		}
		m := matches[covered[pos]-1]
		var orig []qword
		for _, pp := range m.positions {
			done[pp] = true
			if w, ok := word(pp); ok {
				orig = append(orig, w)
			}
		}
		if m.syn.offTopic {
			// Out of scope: never matches, whatever the KB says about it.
			p.offTopic++
			p.offTopicUnknown++
			p.units = append(p.units, unit{weight: offTopicWeight * ix.maxIDF, offTopic: true})
			continue
		}
		p.words = append(p.words, orig...)
		if len(orig) > 0 && ix.allKnown(orig) && !m.syn.always {
			// The KB already uses these words: the synonym would only add noise.
			p.units = append(p.units, unit{alts: [][]qword{orig}, weight: ix.unitWeight(orig)})
			continue
		}
		u := unit{alts: [][]qword{m.syn.means}, weight: ix.unitWeight(m.syn.means)}
		if len(orig) > 0 {
			u.alts = append(u.alts, orig)
		}
		p.units = append(p.units, u)
		p.expanded = append(p.expanded, m.syn.meansText)
		expanded = append(expanded, m.syn)
	}
	if len(p.expanded) > 0 {
		p.text = text + " " + strings.Join(p.expanded, " ")
		// The expansions' terms, analysed once when the rule was compiled,
		// follow the question's as if the joined text had been analysed.
		off := n
		for _, s := range expanded {
			for _, t := range s.meansSV {
				p.svToks = append(p.svToks, tok{t.term, t.pos + off})
			}
			for _, t := range s.meansEN {
				p.enToks = append(p.enToks, tok{t.term, t.pos + off})
			}
			for _, t := range s.meansComp {
				p.compToks = append(p.compToks, tok{t.term, t.pos + off})
			}
			off += s.meansLen
		}
		p.expandedSyn = expanded
	}
	return p
}

// keepWords are English stop words that are Swedish content words.
var keepWords = setOf("it")

// Weights of words the KB does not know, relative to the rarest KB word:
// an unknown word is often just colloquial ("framöver"), an off-topic word
// ("lunch") is evidence against every article.
const (
	unknownWeight  = 0.6
	offTopicWeight = 1.0
)

// allKnown reports whether every word occurs in the KB as it is.
func (ix *kbIndex) allKnown(ws []qword) bool {
	for _, w := range ws {
		if ix.dfSV[w.sv] == 0 && ix.dfEN[w.en] == 0 {
			return false
		}
	}
	return true
}

// unitWeight is the mean idf of the words; a word the knowledge base does
// not know at all weighs the most, so that "lunch" sinks a question.
func (ix *kbIndex) unitWeight(ws []qword) float64 {
	if len(ws) == 0 {
		return 0
	}
	var sum float64
	for _, w := range ws {
		sum += ix.wordIDF(w)
	}
	return sum / float64(len(ws))
}

func (ix *kbIndex) wordIDF(w qword) float64 {
	df := max(ix.dfSV[w.sv], ix.dfEN[w.en])
	if df == 0 {
		for _, c := range w.comp {
			if c != w.sv && utf8.RuneCountInString(c) >= 4 {
				df = max(df, ix.dfSV[c])
			}
		}
	}
	for _, c := range w.corr {
		df = max(df, ix.dfSV[c])
	}
	if df == 0 {
		return unknownWeight * ix.maxIDF
	}
	return idf(ix.n, df)
}

// unknown reports whether the KB knows a word in no form at all.
func (ix *kbIndex) unknown(w qword) bool {
	return ix.dfSV[w.sv] == 0 && ix.dfEN[w.en] == 0 && len(w.corr) == 0 && !ix.knownPart(w)
}

// offTopicWord reports whether a word is off-topic, or starts with a long
// off-topic word: "friskvårdsersättning", "semesterdagarna".
func (ix *kbIndex) offTopicWord(surface string) bool {
	if ix.offTopicWords[surface] {
		return true
	}
	for _, p := range ix.offTopicPrefixes {
		if strings.HasPrefix(surface, p) {
			return true
		}
	}
	return false
}

// knownPart reports whether a compound part of the word is a KB term.
func (ix *kbIndex) knownPart(w qword) bool {
	for _, c := range w.comp {
		if c != w.sv && utf8.RuneCountInString(c) >= 4 && ix.vocabSV[c] {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// knownSV reports whether a Swedish term occurs anywhere in the KB.
func (ix *kbIndex) knownSV(term string) bool { return ix.vocabSV[term] }

// queryTerms are the index terms a query can match, by group of fields:
// what bleve would report as term locations (see termsets.go).
type queryTerms struct {
	sv    []string // in every Swedish field (svMatchFields)
	en    []string // in the English fields (enMatchFields)
	comp  []string // in comp_sv
	allEN []string // in all_en
}

// buildPlan combines, per language, stemmed matches in every field with
// their boosts, phrase matches, prefix matches (compounds: "basnivå" finds
// "basnivåtjänster") and fuzzy matches for words the KB does not know
// (typos: "signring"). The clauses are those of the bleve query this
// search was first written as (see bleveReferenceQuery in the tests): a
// match query per field over the question and its expansions, match-phrase
// queries, prefix, term and fuzzy queries.
func (ix *kbIndex) buildPlan(p parsed) (plan, queryTerms) {
	ts := &ix.ts
	pl := plan{clauses: make([]clause, 0, 24)}
	for _, f := range svMatchFields {
		pl.clauses = append(pl.clauses, ts.termsClause(p.svToks, f, ts.boost[f]))
	}
	for _, f := range enMatchFields {
		pl.clauses = append(pl.clauses, ts.termsClause(p.enToks, f, ts.boost[f]))
	}
	pl.clauses = append(pl.clauses, ts.termsClause(p.compToks, fnComp, ts.boost[fnComp]))
	qt := queryTerms{sv: distinctTerms(p.svToks, nil), en: distinctTerms(p.enToks, nil), comp: distinctTerms(p.compToks, nil)}

	if len(p.words) >= 2 {
		pl.clauses = append(pl.clauses,
			ts.phraseClause(p.svToks, fnPhrasingsSV, 2),
			ts.phraseClause(p.svToks, fnTitleSV, 2),
			ts.phraseClause(p.enToks, fnPhrasingsEN, 2))
	}

	// A synonym's canonical phrase in a title or phrasing is strong
	// evidence: "tredje principen" → "princip 3" → "Princip 3: …".
	for i, x := range p.expanded {
		if len(strings.Fields(x)) < 2 {
			continue
		}
		toks := p.expandedSyn[i].meansSV
		pl.clauses = append(pl.clauses, ts.phraseClause(toks, fnTitleSV, 2), ts.phraseClause(toks, fnPhrasingsSV, 2))
	}
	for _, w := range p.words {
		n := utf8.RuneCountInString(w.sv)
		if n >= 4 {
			// bleve's prefix query: the one term itself when it is the only
			// one (or there are none), else any of them.
			terms := ts.withPrefix(w.sv)
			if len(terms) == 0 || (len(terms) == 1 && terms[0] == w.sv) {
				pl.clauses = append(pl.clauses, clause{kind: clauseTerm, leaves: []leaf{ts.newLeaf(fnComp, w.sv, 0.5)}})
			} else {
				c := clause{kind: clauseOr, leaves: make([]leaf, len(terms))}
				for i, t := range terms {
					c.leaves[i] = ts.newLeaf(fnComp, t, 0.5)
				}
				pl.clauses = append(pl.clauses, c)
			}
			qt.comp = append(qt.comp, terms...)
		}
		for _, c := range w.corr {
			// A corrected typo counts nearly as the word itself, in every field.
			for _, f := range svMatchFields {
				pl.clauses = append(pl.clauses, clause{kind: clauseTerm, leaves: []leaf{ts.newLeaf(f, c, ts.boost[f]*0.8)}})
			}
			qt.sv = append(qt.sv, c)
		}
		if w.sv != "" && !ix.knownSV(w.sv) && n >= 6 {
			// The KB may have a shorter form: "kommunikationsförvaltningens".
			rs := []rune(w.sv)
			for cut := 1; cut <= 3 && len(rs)-cut >= 5; cut++ {
				t := string(rs[:len(rs)-cut])
				pl.clauses = append(pl.clauses, clause{kind: clauseTerm, leaves: []leaf{ts.newLeaf(fnComp, t, 0.7)}})
				qt.comp = append(qt.comp, t)
			}
		}
		if w.en != "" && len(w.corr) == 0 && ix.dfEN[w.en] == 0 && ix.dfSV[w.sv] == 0 &&
			isASCII(w.en) && utf8.RuneCountInString(w.en) >= minFuzzyRunes {
			// An English typo ("principels"); one edit is enough for English
			// words, whose stems are short.
			from := len(qt.allEN)
			qt.allEN = ts.fuzzyTerms(w.en, qt.allEN)
			pl.clauses = append(pl.clauses, ts.fuzzyClause(w.en, qt.allEN[from:], 0.6))
		}
	}
	return pl, qt
}

// termsClause is what a match query builds from analysed text: any of the
// tokens' terms, one term query per token (duplicates included).
func (ts *termSets) termsClause(toks []tok, f int, boost float64) clause {
	if len(toks) == 0 {
		return clause{kind: clauseNone}
	}
	c := clause{kind: clauseOr, leaves: make([]leaf, len(toks))}
	for i, t := range toks {
		c.leaves[i] = ts.newLeaf(f, t.term, boost)
	}
	return c
}

// phraseClause is what a match-phrase query builds from analysed text: the
// terms by position, gaps where stop words were.
func (ts *termSets) phraseClause(toks []tok, f int, boost float64) clause {
	if len(toks) == 0 {
		return clause{kind: clauseNone}
	}
	first, last := toks[0].pos, toks[0].pos
	for _, t := range toks {
		first, last = min(first, t.pos), max(last, t.pos)
	}
	c := clause{kind: clausePhrase, slots: make([]slot, last-first+1), leaves: make([]leaf, 0, len(toks))}
	for i := range c.slots {
		from := len(c.leaves)
		for _, t := range toks {
			if t.pos-first == i {
				c.leaves = append(c.leaves, ts.newLeaf(f, t.term, boost))
			}
		}
		c.slots[i] = slot{from, len(c.leaves)}
	}
	return c
}

// fuzzyClause is bleve's fuzzy query with fuzziness 1 on all_en: any term
// within one edit (terms, from fuzzyTerms), weighed down by its distance;
// the term itself when there is no other.
func (ts *termSets) fuzzyClause(term string, terms []string, boost float64) clause {
	if len(terms) == 0 || (len(terms) == 1 && terms[0] == term) {
		return clause{kind: clauseTerm, leaves: []leaf{ts.newLeaf(fnAllEN, term, boost)}}
	}
	c := clause{kind: clauseOr, leaves: make([]leaf, len(terms))}
	for i, t := range terms {
		dist := 1
		if t == term {
			dist = 0
		}
		c.leaves[i] = ts.newLeaf(fnAllEN, t, boost*(1/float64(dist+1)))
	}
	return c
}

// fuzzyTerms appends the all_en terms within one edit of term, in
// dictionary order.
func (ts *termSets) fuzzyTerms(term string, out []string) []string {
	n := utf8.RuneCountInString(term)
	from := len(out)
	for l := max(n-1, 0); l <= n+1 && l < len(ts.allENByLen); l++ {
		for _, t := range ts.allENByLen[l] {
			if withinOneEdit(term, t) {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out[from:])
	return out
}

// distinctTerms appends the terms of toks not already in out.
func distinctTerms(toks []tok, out []string) []string {
	for _, t := range toks {
		if !slices.Contains(out, t.term) {
			out = append(out, t.term)
		}
	}
	return out
}

// maxEdits is the typo tolerance for a word of n letters.
func maxEdits(n int) int {
	if n >= 8 {
		return 2
	}
	return 1
}

// hit is one ranked article with its confidence.
type hit struct {
	art        *Article
	score      float64 // bleve score
	coverage   float64 // share of the question's weight the article matches
	evidence   float64 // the matched weight itself (sum of idf × match quality)
	confidence float64
	rank       float64 // ordering key
	exact      bool    // the question is one of the article's phrasings or its title
}

// search returns up to size hits, best first.
func (ix *kbIndex) search(ctx context.Context, p parsed, size int) ([]hit, error) {
	if len(p.words) == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	pl, qt := ix.buildPlan(p)
	var buf [8]scored
	best := ix.ts.top(&pl, size, buf[:0])
	hits := make([]hit, len(best))
	docs := make([]int, len(best))
	exact := ix.exact[p.normalized]
	for i, b := range best {
		a := ix.order[b.doc]
		hits[i] = hit{art: a, score: b.score, exact: slices.Contains(exact, a.ID)}
		docs[i] = b.doc
	}
	ix.coverage(p, &qt, docs, hits)
	return hits, nil
}

// termField is a field in which a query term occurs, with its trust.
type termField struct {
	trust float64
	info  *termInfo
}

// termHit is a query term that some hit has, in the fields fields[from:to].
type termHit struct {
	term     string
	from, to int
}

// coverage sets each hit's coverage: the weighted share of the question's
// units that the article matched, each by its best alternative and the
// field it matched in; and its evidence, the matched weight itself.
// docs[i] is the article number of hits[i].
func (ix *kbIndex) coverage(p parsed, qt *queryTerms, docs []int, hits []hit) {
	if len(hits) == 0 {
		return
	}
	ts := &ix.ts
	hitSet := make(docSet, ts.words)
	for _, d := range docs {
		hitSet.add(d)
	}
	// Only terms some hit has matter; the rest could match no hit.
	// The groups share one backing array, room for every term.
	fields := make([]termField, 0, 64)
	termHits := make([]termHit, 0, len(qt.sv)+len(qt.en)+len(qt.comp)+len(qt.allEN))
	group := func(terms []string, fs []int) []termHit {
		out := termHits[len(termHits):len(termHits)]
		for _, t := range terms {
			from := len(fields)
			for _, f := range fs {
				if s := ts.info(f, t); s != nil && s.set.meets(hitSet) {
					fields = append(fields, termField{ts.trust[f], s})
				}
			}
			if len(fields) > from {
				out = append(out, termHit{t, from, len(fields)})
			}
		}
		termHits = termHits[:len(termHits)+len(out)]
		return out
	}
	svHits := group(qt.sv, svMatchFields)
	enHits := group(qt.en, enMatchFields)
	compHits := group(qt.comp, compFields)
	allENHits := group(qt.allEN, allENFields)

	k := len(hits)
	buf := make([]float64, 4*k)
	m, sum, best, got := buf[:k], buf[k:2*k], buf[2*k:3*k], buf[3*k:]
	// credit gives each hit that has the term in a field the match q
	// weighed by the field's trust, if better than what it has.
	credit := func(th termHit, q float64) {
		for _, f := range fields[th.from:th.to] {
			for h, d := range docs {
				if f.info.set.has(d) {
					m[h] = math.Max(m[h], q*f.trust)
				}
			}
		}
	}
	// match sets m to how well one word matched in each hit: 1 for the
	// same term in a trusted field, less for a prefix, compound part or
	// typo match and for matches only in the body.
	match := func(w *qword) {
		clear(m)
		for _, th := range svHits {
			q := termSimilarity(w.sv, th.term)
			for _, c := range w.corr {
				q = math.Max(q, termSimilarity(c, th.term))
			}
			if q > 0 {
				credit(th, q)
			}
		}
		for _, th := range compHits {
			q := termSimilarity(w.sv, th.term)
			for _, c := range w.comp {
				q = math.Max(q, termSimilarity(c, th.term))
			}
			for _, c := range w.corr {
				q = math.Max(q, termSimilarity(c, th.term))
			}
			if q > 0 {
				credit(th, q)
			}
		}
		for _, ths := range [2][]termHit{enHits, allENHits} {
			for _, th := range ths {
				if q := termSimilarity(w.en, th.term); q > 0 {
					credit(th, q)
				}
			}
		}
	}
	var total float64
	for _, u := range p.units {
		clear(best)
		for _, alt := range u.alts {
			clear(sum)
			for i := range alt {
				match(&alt[i])
				for h := range sum {
					sum[h] += m[h]
				}
			}
			for h := range best {
				best[h] = math.Max(best[h], sum[h]/float64(len(alt)))
			}
		}
		total += u.weight
		for h := range got {
			got[h] += u.weight * best[h]
		}
	}
	if total == 0 {
		return
	}
	for h := range hits {
		hits[h].coverage, hits[h].evidence = got[h]/total, got[h]
	}
}

// termSimilarity compares a query term with an index term.
func termSimilarity(q, t string) float64 {
	if q == "" {
		return 0
	}
	if q == t {
		return 1
	}
	nq, nt := utf8.RuneCountInString(q), utf8.RuneCountInString(t)
	switch {
	case nq >= 4 && strings.HasPrefix(t, q): // compound or longer form in the KB
		return 0.85
	case nt >= 5 && nq-nt <= 3 && strings.HasPrefix(q, t): // inflected form in the question
		return 0.85
	case nq >= minFuzzyRunes && abs(nq-nt) <= maxEdits(nq) && sameFirst(q, t) && levenshtein(q, t, maxEdits(nq)) <= maxEdits(nq):
		return 0.75
	}
	return 0
}

// minFuzzyRunes: shorter words are too easily another word with one edit.
const minFuzzyRunes = 5

func sameFirst(a, b string) bool {
	ra, _ := utf8.DecodeRuneInString(a)
	rb, _ := utf8.DecodeRuneInString(b)
	return ra == rb
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// levenshtein is the edit distance of a and b, or limit+1 if it exceeds limit.
func levenshtein(a, b string, limit int) int {
	var abuf, bbuf [64]rune
	ra, rb := appendRunes(abuf[:0], a), appendRunes(bbuf[:0], b)
	if abs(len(ra)-len(rb)) > limit {
		return limit + 1
	}
	var pbuf, cbuf [65]int
	prev, cur := pbuf[:0], cbuf[:0]
	if len(rb)+1 > len(pbuf) {
		prev, cur = make([]int, 0, len(rb)+1), make([]int, 0, len(rb)+1)
	}
	prev, cur = prev[:len(rb)+1], cur[:len(rb)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

var activityRef = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(?:a|aktivitet(?:en)?|activity)\s?(?:nr\.?\s?|nummer\s)?-?\s?(\d{1,2})(?:[^\p{L}\p{N}]|$)`)

// activityArticle finds an activity id ("A12", "a12", "aktivitet 12") in a
// question and returns its article.
func (ix *kbIndex) activityArticle(q string) *Article {
	for _, m := range activityRef.FindAllStringSubmatch(q, 3) {
		id := m[1]
		if len(id) == 1 {
			id = "0" + id
		}
		if a := ix.byAct["A"+id]; a != nil {
			return a
		}
	}
	return nil
}
