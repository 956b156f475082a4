package answer

import (
	"bytes"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/sv"
	"github.com/blevesearch/bleve/v2/analysis/token/compound"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// Analyzer and filter names registered with bleve.
const (
	analyzerSV       = "digibot_sv"       // Swedish: stop words, light + snowball stemming, å/ä/ö folding
	analyzerSVComp   = "digibot_sv_comp"  // as analyzerSV, plus compound parts from the KB's own words
	analyzerEN       = en.AnalyzerName    // English: possessives, stop words, Porter stemming
	analyzerSurface  = "digibot_surface"  // words as typed, lowercased: positions for the other analyzers
	filterSVLight    = "digibot_sv_light" // definite forms the Swedish snowball stemmer leaves
	filterFold       = "digibot_fold"     // å→a, ä→a, ö→o, é→e …: people type without Swedish letters
	filterCompound   = "digibot_compound"
	tokenMapCompound = "digibot_kb_words"
	filterStopFolded = "digibot_stop_sv_folded" // "for", "pa", "ar", "nar": stop words typed without å/ä/ö
	tokenMapStopFold = "digibot_stop_sv_folded_words"
)

func init() {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(registry.RegisterTokenFilter(filterSVLight, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return termFilter(svLightBytes), nil
	}))
	must(registry.RegisterTokenFilter(filterFold, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return termFilter(foldBytes), nil
	}))
}

// termFilter applies f to every token's term. It works on the bytes, as
// most terms pass unchanged: no copies per token and filter.
type termFilter func([]byte) []byte

func (f termFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		t.Term = f(t.Term)
	}
	return in
}

// svLightBytes strips the definite endings that Swedish snowball keeps:
// "systemägarrådet" → "systemägarråd", "basnivån" → "basnivå". Words in
// -itet/-het keep their ending (aktivitet, säkerhet), and short words are
// left alone. It runs before and after snowball, which turns the genitive
// "basnivåns" into "basnivån".
func svLightBytes(b []byte) []byte {
	switch {
	case bytes.HasSuffix(b, []byte("et")) && !bytes.HasSuffix(b, []byte("itet")) && !bytes.HasSuffix(b, []byte("het")) &&
		utf8.RuneCount(b) >= 7:
		return b[:len(b)-len("et")]
	case bytes.HasSuffix(b, []byte("ån")) && utf8.RuneCount(b) >= 5:
		return b[:len(b)-len("n")]
	}
	return b
}

var folder = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", "è", "e", "ü", "u", "æ", "a", "ø", "o")

func fold(s string) string {
	if isASCII(s) {
		return s
	}
	return folder.Replace(s)
}

func foldBytes(b []byte) []byte {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return []byte(folder.Replace(string(b)))
		}
	}
	return b
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// newMapping builds the index mapping. dict is the KB's own vocabulary,
// used to split compounds ("basnivåtjänster" → basnivå + tjänster).
// Term positions are kept where phrases are searched, or in every field
// when allVectors is set (tests ask bleve for every matched term's
// location).
func newMapping(dict []string, allVectors bool) (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	toks := make([]any, len(dict))
	for i, w := range dict {
		toks[i] = w
	}
	if len(toks) == 0 {
		toks = []any{"digital"}
	}
	var folded []any
	for w := range svStop {
		if f := fold(w); f != w {
			folded = append(folded, f)
		}
	}
	steps := []struct {
		name string
		fn   func(string, map[string]any) error
		cfg  map[string]any
	}{
		{tokenMapCompound, im.AddCustomTokenMap, map[string]any{"type": tokenmap.Name, "tokens": toks}},
		{filterCompound, im.AddCustomTokenFilter, map[string]any{
			"type": compound.Name, "dict_token_map": tokenMapCompound,
			"min_word_size": 8.0, "min_subword_size": 4.0, "max_subword_size": 24.0, "only_longest_match": true,
		}},
		{tokenMapStopFold, im.AddCustomTokenMap, map[string]any{"type": tokenmap.Name, "tokens": folded}},
		{filterStopFolded, im.AddCustomTokenFilter, map[string]any{"type": stop.Name, "stop_token_map": tokenMapStopFold}},
		{analyzerSV, im.AddCustomAnalyzer, map[string]any{
			"type": custom.Name, "tokenizer": unicode.Name,
			"token_filters": []any{lowercase.Name, sv.StopName, filterStopFolded, filterSVLight, sv.SnowballStemmerName, filterSVLight, filterFold},
		}},
		{analyzerSVComp, im.AddCustomAnalyzer, map[string]any{
			"type": custom.Name, "tokenizer": unicode.Name,
			"token_filters": []any{lowercase.Name, sv.StopName, filterStopFolded, filterCompound, filterSVLight, sv.SnowballStemmerName, filterSVLight, filterFold},
		}},
		{analyzerSurface, im.AddCustomAnalyzer, map[string]any{
			"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []any{lowercase.Name},
		}},
	}
	for _, s := range steps {
		if err := s.fn(s.name, s.cfg); err != nil {
			return nil, err
		}
	}

	dm := mapping.NewDocumentMapping()
	text := func(field, analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = allVectors || slices.Contains(phraseFieldNames, field)
		f.DocValues = false
		return f
	}
	for _, f := range svFields {
		dm.AddFieldMappingsAt(f, text(f, analyzerSV))
	}
	for _, f := range enFields {
		dm.AddFieldMappingsAt(f, text(f, analyzerEN))
	}
	dm.AddFieldMappingsAt(fieldComp, text(fieldComp, analyzerSVComp))
	im.DefaultMapping = dm
	im.DefaultAnalyzer = analyzerSV
	im.ScoringModel = "bm25"
	return im, nil
}

// kbDictionary collects the KB's own Swedish words for compound splitting:
// words of four letters or more that are not stop words.
func kbDictionary(arts []*Article) []string {
	set := map[string]bool{}
	add := func(s string) {
		for _, w := range words(s) {
			if utf8.RuneCountInString(w) >= 4 && !svStop[w] {
				set[w] = true
			}
		}
	}
	for _, a := range arts {
		add(a.Title.SV)
		add(a.Summary.SV)
		add(a.Body.SV)
		for _, p := range a.Phrasings.SV {
			add(p)
		}
		for _, k := range a.Keywords {
			add(k)
		}
		if a.Activity != nil {
			add(a.Activity.Name)
			add(a.Activity.Department)
		}
	}
	out := make([]string, 0, len(set))
	for w := range set {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}
