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
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
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
	df      map[string]int    // "sv:"/"en:" + term → number of articles containing it
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
}

func buildIndex(arts []*Article, syns synonymFile) (_ *kbIndex, err error) {
	m, err := newMapping(kbDictionary(arts))
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
		df:      map[string]int{}, n: len(arts), vocabSV: map[string]bool{},
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
	if err := ix.countTerms(); err != nil {
		return nil, fmt.Errorf("index terms: %w", err)
	}
	ix.maxIDF = idf(ix.n, 0)
	for _, r := range syns.Synonyms {
		ix.syn = append(ix.syn, ix.compileSynonym(r)...)
	}
	ix.compileOffTopic(syns.OffTopic)
	// Longer phrases first: "digitala brevlådan" before "brevlådan".
	sort.SliceStable(ix.syn, func(i, j int) bool { return len(ix.syn[i].say) > len(ix.syn[j].say) })
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
// match (the two-edit automaton costs far more to build).
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

func (ix *kbIndex) correctionsWithin(term string, edits int) []string {
	fz, ok := ix.reader.(index.IndexReaderFuzzy)
	if !ok {
		return nil
	}
	dict, err := fz.FieldDictFuzzy(fieldComp, term, edits, "")
	if err != nil {
		return nil
	}
	defer dict.Close()
	type cand struct {
		term string
		dist int
		df   int
	}
	var cs []cand
	first, _ := utf8.DecodeRuneInString(term)
	for range 200 {
		de, err := dict.Next()
		if err != nil || de == nil {
			break
		}
		// Typos are rarely in the first letter; requiring it keeps
		// "dikt" from becoming "vikt".
		if r, _ := utf8.DecodeRuneInString(de.Term); r != first {
			continue
		}
		if d := levenshtein(term, de.Term, edits); d <= edits {
			cs = append(cs, cand{de.Term, d, ix.df["sv:"+de.Term]})
		}
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
		req := bleve.NewSearchRequestOptions(ix.buildQuery(p), 1, 0, false)
		res, err := ix.idx.Search(req)
		if err != nil || len(res.Hits) == 0 {
			continue
		}
		scores = append(scores, res.Hits[0].Score)
	}
	if len(scores) == 0 {
		return 1
	}
	sort.Float64s(scores)
	return scores[len(scores)/2]
}

// countTerms reads the document frequencies from the index's term
// dictionaries: a term's frequency is its highest in any one field of its
// language (a close stand-in for the number of articles that contain it).
func (ix *kbIndex) countTerms() error {
	read := func(field, prefix string) error {
		d, err := ix.reader.FieldDict(field)
		if err != nil {
			return err
		}
		defer d.Close()
		for {
			de, err := d.Next()
			if err != nil {
				return err
			}
			if de == nil {
				return nil
			}
			k := prefix + de.Term
			ix.df[k] = max(ix.df[k], int(de.Count))
			if prefix == "sv:" {
				ix.vocabSV[de.Term] = true
			}
		}
	}
	for _, f := range append(append([]string{}, svFields...), fieldComp) {
		if err := read(f, "sv:"); err != nil {
			return err
		}
	}
	for _, f := range enFields {
		if err := read(f, "en:"); err != nil {
			return err
		}
	}
	return nil
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
	offTopic   int      // off-topic phrases found
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

// analyze splits a question into content words, applies synonyms and
// off-topic phrases, and weighs each unit by how rare its words are in the
// knowledge base.
func (ix *kbIndex) analyze(text string) parsed {
	p := parsed{text: text, normalized: normalizePhrase(text)}
	// The tokenizer is the same for every analyzer, so positions align.
	surf := map[int]string{}
	for _, t := range ix.surface.Analyze([]byte(text)) {
		surf[t.Position] = string(t.Term)
	}
	svAt := map[int]string{}
	for _, t := range ix.sv.Analyze([]byte(text)) {
		svAt[t.Position] = string(t.Term)
	}
	enAt := map[int]string{}
	for _, t := range ix.en.Analyze([]byte(text)) {
		enAt[t.Position] = string(t.Term)
	}
	compAt := map[int][]string{}
	for _, t := range ix.svComp.Analyze([]byte(text)) {
		compAt[t.Position] = append(compAt[t.Position], string(t.Term))
	}
	positions := make([]int, 0, len(surf))
	for pos := range surf {
		positions = append(positions, pos)
	}
	sort.Ints(positions)

	// Synonyms and off-topic phrases match on the Swedish term sequence
	// (stop words removed), longest phrase first, without overlaps.
	var seq []int
	for _, pos := range positions {
		if _, ok := svAt[pos]; ok {
			seq = append(seq, pos)
		}
	}
	type phraseMatch struct {
		positions []int
		syn       *synonym
	}
	covered := map[int]int{} // position → index in matches
	var matches []phraseMatch
	// Some phrases match on the words as typed, stop words included.
	for _, sp := range ix.surfaceSyn {
		phrase := sp.words
		for i := 0; i+len(phrase) <= len(positions); i++ {
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
			free := true
			for _, pos := range ps {
				if _, taken := covered[pos]; taken {
					free = false
				}
			}
			if free {
				for _, pos := range ps {
					covered[pos] = len(matches)
				}
				matches = append(matches, phraseMatch{positions: append([]int(nil), ps...), syn: sp.syn})
			}
		}
	}
	for si := range ix.syn {
		s := &ix.syn[si]
		for i := 0; i+len(s.say) <= len(seq); i++ {
			ok := true
			for j, term := range s.say {
				if svAt[seq[i+j]] != term {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			ps := seq[i : i+len(s.say)]
			free := true
			for _, pos := range ps {
				if _, taken := covered[pos]; taken {
					free = false
				}
			}
			if !free {
				continue
			}
			for _, pos := range ps {
				covered[pos] = len(matches)
			}
			matches = append(matches, phraseMatch{positions: append([]int(nil), ps...), syn: s})
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
		if w.sv != "" && !ix.vocabSV[w.sv] && ix.df["en:"+w.en] == 0 && !ix.knownPart(w) {
			w.corr = ix.corrections(w.sv)
		}
		return w, true
	}
	done := map[int]bool{}
	for _, pos := range positions {
		if done[pos] {
			continue
		}
		mi, inPhrase := covered[pos]
		if !inPhrase {
			done[pos] = true
			w, ok := word(pos)
			if !ok {
				continue
			}
			if ix.offTopicWord(w.surface) {
				p.offTopic++
				if ix.df["sv:"+w.sv] == 0 && ix.df["en:"+w.en] == 0 {
					p.offTopicUnknown++
				}
				p.units = append(p.units, unit{weight: offTopicWeight * ix.maxIDF, offTopic: true})
				continue
			}
			p.words = append(p.words, w)
			p.units = append(p.units, unit{alts: [][]qword{{w}}, weight: ix.unitWeight([]qword{w}), unknown: ix.unknown(w)})
			continue
		}
		m := matches[mi]
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
	}
	if len(p.expanded) > 0 {
		p.text = text + " " + strings.Join(p.expanded, " ")
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
		if ix.df["sv:"+w.sv] == 0 && ix.df["en:"+w.en] == 0 {
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
	df := max(ix.df["sv:"+w.sv], ix.df["en:"+w.en])
	if df == 0 {
		for _, c := range w.comp {
			if c != w.sv && utf8.RuneCountInString(c) >= 4 {
				df = max(df, ix.df["sv:"+c])
			}
		}
	}
	for _, c := range w.corr {
		df = max(df, ix.df["sv:"+c])
	}
	if df == 0 {
		return unknownWeight * ix.maxIDF
	}
	return idf(ix.n, df)
}

// unknown reports whether the KB knows a word in no form at all.
func (ix *kbIndex) unknown(w qword) bool {
	return ix.df["sv:"+w.sv] == 0 && ix.df["en:"+w.en] == 0 && len(w.corr) == 0 && !ix.knownPart(w)
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

// buildQuery combines, per language, stemmed matches in every field with
// their boosts, phrase matches, prefix matches (compounds: "basnivå" finds
// "basnivåtjänster") and fuzzy matches for words the KB does not know
// (typos: "signring").
func (ix *kbIndex) buildQuery(p parsed) query.Query {
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

	// A synonym's canonical phrase in a title or phrasing is strong
	// evidence: "tredje principen" → "princip 3" → "Princip 3: …".
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
			// A corrected typo counts nearly as the word itself, in every field.
			for _, f := range svFields {
				tq := bleve.NewTermQuery(c)
				tq.SetField(f)
				tq.SetBoost(fieldBoost[f] * 0.8)
				qs = append(qs, tq)
			}
		}
		if w.sv != "" && !ix.knownSV(w.sv) && n >= 6 {
			// The KB may have a shorter form: "kommunikationsförvaltningens".
			rs := []rune(w.sv)
			for cut := 1; cut <= 3 && len(rs)-cut >= 5; cut++ {
				tq := bleve.NewTermQuery(string(rs[:len(rs)-cut]))
				tq.SetField(fieldComp)
				tq.SetBoost(0.7)
				qs = append(qs, tq)
			}
		}
		if w.en != "" && len(w.corr) == 0 && ix.df["en:"+w.en] == 0 && ix.df["sv:"+w.sv] == 0 &&
			isASCII(w.en) && utf8.RuneCountInString(w.en) >= minFuzzyRunes {
			// An English typo ("principels"); one edit is enough for English
			// words, whose stems are short.
			fq := bleve.NewFuzzyQuery(w.en)
			fq.SetField(fieldAllEN)
			fq.SetFuzziness(1)
			fq.SetBoost(0.6)
			qs = append(qs, fq)
		}
	}
	return bleve.NewDisjunctionQuery(qs...)
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
	req := bleve.NewSearchRequestOptions(ix.buildQuery(p), size, 0, false)
	req.IncludeLocations = true
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	hits := make([]hit, 0, len(res.Hits))
	for _, dm := range res.Hits {
		a := ix.arts[dm.ID]
		if a == nil {
			continue
		}
		cov, ev := ix.coverage(p, dm.Locations)
		hits = append(hits, hit{art: a, score: dm.Score, coverage: cov, evidence: ev,
			exact: slices.Contains(ix.exact[p.normalized], a.ID)})
	}
	return hits, nil
}

// coverage is the weighted share of the question's units that the article
// matched, each by its best alternative and the field it matched in, and
// the matched weight itself.
func (ix *kbIndex) coverage(p parsed, locs search.FieldTermLocationMap) (float64, float64) {
	var total, got float64
	for _, u := range p.units {
		best := 0.0
		for _, alt := range u.alts {
			var sum float64
			for _, w := range alt {
				sum += wordMatch(w, locs)
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

// wordMatch is how well one word matched in an article: 1 for the same
// term in a trusted field, less for a prefix, compound part or typo match
// and for matches only in the body.
func wordMatch(w qword, locs search.FieldTermLocationMap) float64 {
	best := 0.0
	for field, terms := range locs {
		trust := fieldTrust[field]
		if trust == 0 {
			continue
		}
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
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
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
