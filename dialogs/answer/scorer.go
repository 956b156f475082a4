package answer

import (
	"math"
	"math/bits"
	"slices"
	"sync"
)

// A plan is the search for one question: a disjunction of clauses, scored
// as bleve scores the equivalent query (see buildPlan for the clauses and
// TestScorerMatchesBleve for the equivalence):
//
//   - a document's score is the sum of the scores of the clauses it
//     matches times the share of clauses it matches (coord);
//   - a term's score is its BM25 score times its query weight,
//     boost·idf·norm, where norm is 1/√(Σ (boost·idf)²) over every term of
//     the query, matched or not;
//   - a disjunction of terms scores like the whole query, over its terms;
//   - a phrase scores the sum of its terms when they occur in order,
//     one position apart, in one array element.
type plan struct {
	clauses []clause
}

type clauseKind uint8

const (
	clauseNone   clauseKind = iota // matches nothing (still counts for coord)
	clauseTerm                     // one term
	clauseOr                       // any of its terms
	clausePhrase                   // its slots in order
)

// leaf is one term query.
type leaf struct {
	info  *termInfo // nil when no article has the term in the field
	idf   float64
	boost float64
}

// slot is one position of a phrase: any of leaves[from:to], or any term
// at all when empty (a stop word was there).
type slot struct{ from, to int }

type clause struct {
	kind   clauseKind
	leaves []leaf
	slots  []slot // clausePhrase
}

// newLeaf makes the term query for term in field f.
func (ts *termSets) newLeaf(f int, term string, boost float64) leaf {
	l := leaf{info: ts.info(f, term), boost: boost}
	if l.info != nil {
		l.idf = l.info.idf
	} else {
		l.idf = ts.absentIDF(f)
	}
	return l
}

// weight is bleve's Weight(): the squared query weights of the clause's
// terms, summed.
func (c *clause) weight() float64 {
	var w float64
	for _, l := range c.leaves {
		x := l.boost * l.idf
		w += x * x
	}
	return w
}

// scored is one article with its score.
type scored struct {
	doc   int
	score float64
}

// scratch holds the per-article accumulators of one scoring.
type scratch struct {
	sum, inner []float64
	n, innerN  []int32
	touched    []int32
	seen       []int32
}

var scratchPool sync.Pool

func getScratch(docs int) *scratch {
	if s, ok := scratchPool.Get().(*scratch); ok && len(s.sum) == docs {
		return s
	}
	return &scratch{
		sum: make([]float64, docs), inner: make([]float64, docs),
		n: make([]int32, docs), innerN: make([]int32, docs),
		touched: make([]int32, 0, docs), seen: make([]int32, 0, docs),
	}
}

// top scores the plan and returns the size best articles, best first
// (equal scores in article order), appended to out.
func (ts *termSets) top(pl *plan, size int, out []scored) []scored {
	if len(pl.clauses) == 0 || size <= 0 {
		return out
	}
	var sumW float64
	for i := range pl.clauses {
		sumW += pl.clauses[i].weight()
	}
	norm := 1 / math.Sqrt(sumW)
	s := getScratch(ts.docs)
	defer scratchPool.Put(s)
	seen := s.seen[:0]
	add := func(d int32, x float64) {
		if s.n[d] == 0 {
			seen = append(seen, d)
		}
		s.sum[d] += x
		s.n[d]++
	}
	for ci := range pl.clauses {
		c := &pl.clauses[ci]
		switch c.kind {
		case clauseTerm:
			l := &c.leaves[0]
			if l.info == nil {
				continue
			}
			qw := l.boost * l.idf * norm
			for _, p := range l.info.post {
				add(p.doc, p.bm25*qw)
			}
		case clauseOr:
			touched := s.touched[:0]
			for li := range c.leaves {
				l := &c.leaves[li]
				if l.info == nil {
					continue
				}
				qw := l.boost * l.idf * norm
				for _, p := range l.info.post {
					if s.innerN[p.doc] == 0 {
						touched = append(touched, p.doc)
					}
					s.inner[p.doc] += p.bm25 * qw
					s.innerN[p.doc]++
				}
			}
			total := float64(len(c.leaves))
			for _, d := range touched {
				add(d, s.inner[d]*(float64(s.innerN[d])/total))
				s.inner[d], s.innerN[d] = 0, 0
			}
			s.touched = touched
		case clausePhrase:
			ts.scorePhrase(c, norm, add)
		}
	}
	// The best size articles: a small insertion-sorted list.
	k := len(pl.clauses)
	start := len(out)
	for _, d := range seen {
		x := s.sum[d] * (float64(s.n[d]) / float64(k))
		s.sum[d], s.n[d] = 0, 0
		n := len(out) - start
		if n == size && !better(x, int(d), out[len(out)-1]) {
			continue
		}
		if n < size {
			out = append(out, scored{})
		}
		i := len(out) - 1
		for i > start && better(x, int(d), out[i-1]) {
			out[i] = out[i-1]
			i--
		}
		out[i] = scored{int(d), x}
	}
	s.seen = seen
	return out
}

func better(x float64, d int, o scored) bool {
	return x > o.score || (x == o.score && d < o.doc)
}

// scorePhrase adds the phrase's score to every article that has it.
func (ts *termSets) scorePhrase(c *clause, norm float64, add func(int32, float64)) {
	// Candidates: the articles that have some term of every slot.
	var cand docSet
	var buf [4]uint64
	if ts.words <= len(buf) {
		cand = buf[:ts.words]
	} else {
		cand = make(docSet, ts.words)
	}
	first := true
	for _, sl := range c.slots {
		if sl.from == sl.to {
			continue
		}
		var any [4]uint64
		u := docSet(any[:0])
		if ts.words <= len(any) {
			u = any[:ts.words]
		} else {
			u = make(docSet, ts.words)
		}
		for _, l := range c.leaves[sl.from:sl.to] {
			if l.info == nil {
				continue
			}
			for i := range u {
				u[i] |= l.info.set[i]
			}
		}
		for i := range cand {
			if first {
				cand[i] = u[i]
			} else {
				cand[i] &= u[i]
			}
		}
		first = false
	}
	if first {
		return
	}
	for w, bitsW := range cand {
		for bitsW != 0 {
			b := bitsW & -bitsW
			bitsW ^= b
			d := int32(w*64 + bits.TrailingZeros64(b))
			if !ts.phraseAt(c, d) {
				continue
			}
			var sum float64
			for _, sl := range c.slots {
				if sl.from == sl.to {
					continue
				}
				if sl.to-sl.from == 1 {
					l := &c.leaves[sl.from]
					sum += l.score(d, norm)
					continue
				}
				// Several terms at one position: a disjunction of them.
				var x float64
				var n int
				for li := sl.from; li < sl.to; li++ {
					l := &c.leaves[li]
					if l.info != nil && l.info.set.has(int(d)) {
						x += l.score(d, norm)
						n++
					}
				}
				sum += x * (float64(n) / float64(sl.to-sl.from))
			}
			add(d, sum)
		}
	}
}

// score is the leaf's score in article d, which has the term.
func (l *leaf) score(d int32, norm float64) float64 {
	i, _ := slices.BinarySearchFunc(l.info.post, d, func(p posting, d int32) int { return int(p.doc - d) })
	return l.info.post[i].bm25 * (l.boost * l.idf * norm)
}

// locs returns where the leaf's term occurs in article d.
func (l *leaf) locs(d int32) []termPos {
	if l.info == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(l.info.post, d, func(p posting, d int32) int { return int(p.doc - d) })
	if !ok {
		return nil
	}
	return l.info.locs[i]
}

// phraseAt reports whether article d has the phrase: a term of the first
// slot at some position, and a term of slot i exactly i positions later,
// in the same array element (empty slots match anything).
func (ts *termSets) phraseAt(c *clause, d int32) bool {
	s0 := c.slots[0]
	for li := s0.from; li < s0.to; li++ {
		for _, start := range c.leaves[li].locs(d) {
			if ts.phraseFrom(c, d, start) {
				return true
			}
		}
	}
	return false
}

func (ts *termSets) phraseFrom(c *clause, d int32, start termPos) bool {
	for i, sl := range c.slots[1:] {
		if sl.from == sl.to {
			continue
		}
		want := termPos{start.elem, start.pos + int32(i) + 1}
		found := false
		for li := sl.from; li < sl.to && !found; li++ {
			found = slices.Contains(c.leaves[li].locs(d), want)
		}
		if !found {
			return false
		}
	}
	return true
}
