package answer

import (
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
		return termFilter(svLight), nil
	}))
	must(registry.RegisterTokenFilter(filterFold, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return termFilter(fold), nil
	}))
}

// termFilter applies f to every token's term.
type termFilter func(string) string

func (f termFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		t.Term = []byte(f(string(t.Term)))
	}
	return in
}

// svLight strips the definite endings that Swedish snowball keeps:
// "systemägarrådet" → "systemägarråd", "basnivån" → "basnivå". Words in
// -itet/-het keep their ending (aktivitet, säkerhet), and short words are
// left alone. It runs before and after snowball, which turns the genitive
// "basnivåns" into "basnivån".
func svLight(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n >= 7 && strings.HasSuffix(s, "et") && !strings.HasSuffix(s, "itet") && !strings.HasSuffix(s, "het"):
		return strings.TrimSuffix(s, "et")
	case n >= 5 && strings.HasSuffix(s, "ån"):
		return strings.TrimSuffix(s, "n")
	}
	return s
}

var folder = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", "è", "e", "ü", "u", "æ", "a", "ø", "o")

func fold(s string) string {
	if isASCII(s) {
		return s
	}
	return folder.Replace(s)
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
func newMapping(dict []string) (*mapping.IndexMappingImpl, error) {
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
	text := func(analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = true // locations tell which query words matched
		f.DocValues = false
		return f
	}
	for _, f := range svFields {
		dm.AddFieldMappingsAt(f, text(analyzerSV))
	}
	for _, f := range enFields {
		dm.AddFieldMappingsAt(f, text(analyzerEN))
	}
	dm.AddFieldMappingsAt(fieldComp, text(analyzerSVComp))
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
