package answer

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
)

// The knowledge base is small and never changes after start-up, so its
// postings are read out of the bleve index once into plain Go structures
// (this file), and questions are scored from them (scorer.go) with bleve's
// own BM25 arithmetic. A bleve search builds a searcher, a term-field
// reader and pooled matches per term and field for every question, which
// made up nearly all of an answer's time and allocations; the scores and
// the term matches used for coverage are the same (TestScorerMatchesBleve).

// docSet is a set of article numbers (positions in kbIndex.order).
type docSet []uint64

func (s docSet) has(i int) bool { return s[i>>6]&(1<<(uint(i)&63)) != 0 }

func (s docSet) add(i int) { s[i>>6] |= 1 << (uint(i) & 63) }

// meets reports whether s and o share an article.
func (s docSet) meets(o docSet) bool {
	for i := range s {
		if s[i]&o[i] != 0 {
			return true
		}
	}
	return false
}

// Field numbers.
const (
	fnTitleSV = iota
	fnPhrasingsSV
	fnKeywordsSV
	fnSummarySV
	fnBodySV
	fnActivitySV
	fnTitleEN
	fnPhrasingsEN
	fnKeywordsEN
	fnSummaryEN
	fnBodyEN
	fnComp
	fnAllEN
	numFields
)

var fieldNames = [numFields]string{
	fieldTitleSV, fieldPhrasingsSV, fieldKeywordsSV, fieldSummarySV, fieldBodySV, fieldActivitySV,
	fieldTitleEN, fieldPhrasingsEN, fieldKeywordsEN, fieldSummaryEN, fieldBodyEN, fieldComp, fieldAllEN,
}

// Fields searched with the question's Swedish terms and with its English
// terms, as field numbers.
var (
	svMatchFields = []int{fnTitleSV, fnPhrasingsSV, fnKeywordsSV, fnSummarySV, fnBodySV, fnActivitySV}
	enMatchFields = []int{fnTitleEN, fnPhrasingsEN, fnKeywordsEN, fnSummaryEN, fnBodyEN}
	compFields    = []int{fnComp}
	allENFields   = []int{fnAllEN}
)

// phraseFieldNames are the fields phrases are searched in (buildPlan):
// only they need term positions.
var phraseFieldNames = []string{fieldTitleSV, fieldPhrasingsSV, fieldPhrasingsEN}

func phraseField(f int) bool { return slices.Contains(phraseFieldNames, fieldNames[f]) }

// posting is one article's occurrences of a term in a field.
type posting struct {
	doc int32
	// bm25 is bleve's BM25 term score for this article before the query
	// weight: idf·tf·k1 / (tf + k1·(1-b+b·len/avglen)).
	bm25 float64
}

// termPos is where a term occurs: array element (-1 when the field is not
// an array) and position in it.
type termPos struct {
	elem int32
	pos  int32
}

// termInfo is one term of one field.
type termInfo struct {
	set  docSet
	post []posting   // by article number
	idf  float64     // bleve's BM25 idf
	locs [][]termPos // per posting, in phrase fields only
}

// vocabTerm is a dictionary term with its length in runes.
type vocabTerm struct {
	term  string
	runes int
}

// termSets are the index's terms and postings, read once.
type termSets struct {
	words      int // uint64 words per docSet
	docs       int // documents in the index
	post       [numFields]map[string]*termInfo
	comp       []string             // comp_sv terms, sorted (prefix matches)
	first      map[rune][]vocabTerm // comp_sv terms by first rune (spelling corrections)
	allENByLen [][]string           // all_en terms by length in runes, each in dictionary order (English typo matches)
	trust      [numFields]float64   // fieldTrust by field number
	avg        [numFields]float64   // BM25 average field length (0: the field is empty)
	boost      [numFields]float64   // fieldBoost by field number
}

// readTermSets reads every field's terms and postings from the index, with
// the statistics bleve's BM25 uses, and the document frequencies
// (ix.dfSV, ix.dfEN: a term's highest in any one field of its language, a
// close stand-in for the number of articles that contain it).
func (ix *kbIndex) readTermSets(ctx context.Context) error {
	ts := &ix.ts
	ts.words = (len(ix.order) + 63) / 64
	for f := range numFields {
		ts.trust[f] = fieldTrust[fieldNames[f]]
		ts.boost[f] = fieldBoost[fieldNames[f]]
	}
	ix.artNo = make(map[string]int, len(ix.order))
	for i, a := range ix.order {
		ix.artNo[a.ID] = i
	}
	count, err := ix.reader.DocCount()
	if err != nil {
		return err
	}
	ts.docs = int(count)
	bm, ok := ix.reader.(index.BM25Reader)
	if !ok {
		return fmt.Errorf("index reader has no field statistics")
	}
	// Internal ids are shared by all fields: resolve each once.
	ext := map[string]int{}
	var tfd index.TermFieldDoc
	for f := range numFields {
		field := fieldNames[f]
		card, err := bm.FieldCardinality(field)
		if err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		// As bleve's searcher computes it (bm25ScoreMetrics).
		avgLen := math.Ceil(float64(card) / float64(count))
		ts.avg[f] = avgLen
		df := ix.dfSV
		if isENField(field) {
			df = ix.dfEN
		}
		d, err := ix.reader.FieldDict(field)
		if err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
		var terms []string
		for {
			de, err := d.Next()
			if err != nil {
				_ = d.Close()
				return fmt.Errorf("%s: %w", field, err)
			}
			if de == nil {
				break
			}
			terms = append(terms, de.Term)
			df[de.Term] = max(df[de.Term], int(de.Count))
			if !isENField(field) {
				ix.vocabSV[de.Term] = true
			}
		}
		_ = d.Close()
		m := make(map[string]*termInfo, len(terms))
		infos := make([]termInfo, len(terms))
		sets := make([]uint64, len(terms)*ts.words)
		vectors := phraseField(f)
		for ti, term := range terms {
			info := &infos[ti]
			info.set = docSet(sets[ti*ts.words : (ti+1)*ts.words : (ti+1)*ts.words])
			r, err := ix.reader.TermFieldReader(ctx, []byte(term), field, true, true, vectors)
			if err != nil {
				return fmt.Errorf("%s %q: %w", field, term, err)
			}
			info.idf = bm25IDF(count, r.Count())
			for {
				doc, err := r.Next(&tfd)
				if err != nil {
					_ = r.Close()
					return fmt.Errorf("%s %q: %w", field, term, err)
				}
				if doc == nil {
					break
				}
				n, ok := ext[string(doc.ID)]
				if !ok {
					id, err := ix.reader.ExternalID(doc.ID)
					if err != nil {
						_ = r.Close()
						return fmt.Errorf("%s %q: %w", field, term, err)
					}
					if n, ok = ix.artNo[id]; !ok {
						n = -1
					}
					ext[string(doc.ID)] = n
				}
				if n < 0 {
					continue
				}
				info.set.add(n)
				info.post = append(info.post, posting{doc: int32(n), bm25: bm25TermScore(info.idf, doc.Freq, doc.Norm, avgLen)})
				if vectors {
					locs := make([]termPos, 0, len(doc.Vectors))
					for _, v := range doc.Vectors {
						e := int32(-1)
						if len(v.ArrayPositions) > 0 {
							e = int32(v.ArrayPositions[0])
						}
						locs = append(locs, termPos{e, int32(v.Pos)})
					}
					info.locs = append(info.locs, locs)
				}
			}
			_ = r.Close()
			if !slices.IsSortedFunc(info.post, func(a, b posting) int { return int(a.doc - b.doc) }) {
				sortPostings(info)
			}
			m[term] = info
		}
		ts.post[f] = m
		switch f {
		case fnComp:
			ts.comp = terms // the dictionary is in term order
			ts.first = map[rune][]vocabTerm{}
			for _, t := range terms {
				r, _ := utf8.DecodeRuneInString(t)
				ts.first[r] = append(ts.first[r], vocabTerm{t, utf8.RuneCountInString(t)})
			}
		case fnAllEN:
			for _, t := range terms {
				n := utf8.RuneCountInString(t)
				for len(ts.allENByLen) <= n {
					ts.allENByLen = append(ts.allENByLen, nil)
				}
				ts.allENByLen[n] = append(ts.allENByLen[n], t)
			}
		}
	}
	if !sort.StringsAreSorted(ts.comp) {
		sort.Strings(ts.comp)
	}
	return nil
}

// sortPostings orders a term's postings (and locations) by article.
func sortPostings(info *termInfo) {
	idx := make([]int, len(info.post))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return info.post[idx[i]].doc < info.post[idx[j]].doc })
	post := make([]posting, len(idx))
	var locs [][]termPos
	if info.locs != nil {
		locs = make([][]termPos, len(idx))
	}
	for i, k := range idx {
		post[i] = info.post[k]
		if locs != nil {
			locs[i] = info.locs[k]
		}
	}
	info.post, info.locs = post, locs
}

// bm25IDF is bleve's BM25 idf (scorer.TermQueryScorer).
func bm25IDF(docTotal, docTerm uint64) float64 {
	return math.Log(1 + (float64(docTotal)-float64(docTerm)+0.5)/(float64(docTerm)+0.5))
}

// absentIDF is the idf bleve gives a term no article has in field f: the
// BM25 one, or the TF-IDF one when the field is empty in every article
// (bleve then has no average length and falls back to TF-IDF).
func (ts *termSets) absentIDF(f int) float64 {
	if ts.avg[f] > 0 {
		return bm25IDF(uint64(ts.docs), 0)
	}
	return 1.0 + math.Log(float64(ts.docs)/float64(0+1.0))
}

// bm25TermScore is bleve's BM25 score of a term in a document before the
// query weight, computed as bleve computes it (same operations in the
// same order, so the same bits).
func bm25TermScore(idf float64, freq uint64, norm, avgLen float64) float64 {
	tf := math.Sqrt(float64(freq))
	fieldLength := 1 / (norm * norm)
	return idf * (tf * search.BM25_k1) /
		(tf + search.BM25_k1*(1-search.BM25_b+(search.BM25_b*fieldLength/avgLen)))
}

// info returns a term of field f, or nil when no article has it there.
func (ts *termSets) info(f int, term string) *termInfo { return ts.post[f][term] }

// withPrefix returns the comp_sv terms that begin with p, in dictionary
// order, as bleve's prefix query finds them.
func (ts *termSets) withPrefix(p string) []string {
	i := sort.SearchStrings(ts.comp, p)
	j := i
	for j < len(ts.comp) && strings.HasPrefix(ts.comp[j], p) {
		j++
	}
	return ts.comp[i:j]
}

// withinOneEdit reports whether a and b differ by at most one insertion,
// deletion, substitution or swap of neighbouring runes: bleve's fuzzy
// query with fuzziness 1 (a Damerau-Levenshtein automaton).
func withinOneEdit(a, b string) bool {
	if a == b {
		return true
	}
	var ab, bb [64]rune
	ra, rb := appendRunes(ab[:0], a), appendRunes(bb[:0], b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	if len(rb)-len(ra) > 1 {
		return false
	}
	i := 0
	for i < len(ra) && ra[i] == rb[i] {
		i++
	}
	if len(ra) == len(rb) {
		if slices.Equal(ra[i+1:], rb[i+1:]) { // substitution
			return true
		}
		// swap of i and i+1
		return i+1 < len(ra) && ra[i] == rb[i+1] && ra[i+1] == rb[i] && slices.Equal(ra[i+2:], rb[i+2:])
	}
	return slices.Equal(ra[i:], rb[i+1:]) // insertion into ra
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}
