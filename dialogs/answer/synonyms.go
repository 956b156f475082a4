package answer

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// defaultSynonyms maps the words people use to the words the articles use.
//
//go:embed synonyms.yaml
var defaultSynonyms []byte

type synonymRule struct {
	Means string   `yaml:"means"`
	Say   []string `yaml:"say"`
	// Always expands even when the KB uses the words said (ordinals:
	// "första principen" is "princip 1").
	Always bool `yaml:"always"`
}

// surfacePhrase is a phrase matched on the words as typed.
type surfacePhrase struct {
	words []string
	syn   *synonym
}

// synonym is a compiled rule: one phrase people say, as Swedish index
// terms, and the words it means.
type synonym struct {
	say       []string
	means     []qword
	meansText string
	offTopic  bool // a phrase that marks the question as out of scope
	always    bool
	// meansText analysed as the question is (analyze appends these to the
	// question's terms), and its number of tokens.
	meansSV, meansEN, meansComp []tok
	meansLen                    int
}

// synonymFile is synonyms.yaml.
type synonymFile struct {
	Synonyms []synonymRule `yaml:"synonyms"`
	OffTopic []string      `yaml:"off_topic"`
}

// parseSynonyms decodes and checks a synonyms file.
func parseSynonyms(data []byte) (synonymFile, error) {
	var doc synonymFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return doc, fmt.Errorf("synonyms: %s", yamlMessage(err))
	}
	for i, r := range doc.Synonyms {
		if strings.TrimSpace(r.Means) == "" {
			return doc, fmt.Errorf("synonyms[%d].means: required", i)
		}
		if len(r.Say) == 0 {
			return doc, fmt.Errorf("synonyms[%d].say: required (means %q)", i, r.Means)
		}
		for j, s := range r.Say {
			if strings.TrimSpace(s) == "" {
				return doc, fmt.Errorf("synonyms[%d].say[%d]: empty (means %q)", i, j, r.Means)
			}
		}
	}
	for i, w := range doc.OffTopic {
		if strings.TrimSpace(w) == "" {
			return doc, fmt.Errorf("off_topic[%d]: empty", i)
		}
	}
	return doc, nil
}

// surfaceWords splits s like the question is split (same tokenizer).
func (ix *kbIndex) surfaceWords(s string) []string {
	var out []string
	for _, t := range ix.surface.Analyze([]byte(s)) {
		out = append(out, string(t.Term))
	}
	return out
}

// compileOffTopic keeps the off-topic phrases as typed. They are matched
// on the words of the question, not on stems: stemming and å/ä/ö folding
// would make "mat" (food) out of "mäta" and "led" out of "ledighet".
func (ix *kbIndex) compileOffTopic(phrases []string) {
	ix.offTopicWords = map[string]bool{}
	for _, s := range phrases {
		f := ix.surfaceWords(s)
		switch {
		case len(f) > 1:
			ix.surfaceSyn = append(ix.surfaceSyn, surfacePhrase{words: f, syn: &surfaceOffTopicSyn})
		case len(f) == 1:
			ix.offTopicWords[f[0]] = true
			if utf8.RuneCountInString(f[0]) >= minOffTopicPrefix {
				ix.offTopicPrefixes = append(ix.offTopicPrefixes, f[0])
			}
		}
	}
}

// minOffTopicPrefix: an off-topic word this long also marks the words it
// begins ("semesterdagar", "friskvårdsersättning"); shorter ones would catch
// in-scope words ("print" in "printouts", "train" in "training").
const minOffTopicPrefix = 6

// compileSynonym analyses a rule with the index's Swedish analyzer, so a
// phrase matches whatever inflection the question uses. Phrases that are
// only stop words are dropped.
func (ix *kbIndex) compileSynonym(r synonymRule) []synonym {
	var means []qword
	for _, t := range ix.sv.Analyze([]byte(r.Means)) {
		w := qword{surface: string(t.Term), sv: string(t.Term)}
		for _, e := range ix.en.Analyze(t.Term) {
			w.en = string(e.Term)
		}
		for _, c := range ix.svComp.Analyze([]byte(r.Means)) {
			if c.Position == t.Position {
				w.comp = append(w.comp, string(c.Term))
			}
		}
		means = append(means, w)
	}
	if len(means) == 0 {
		return nil
	}
	sv, en, comp, n := ix.analyzeAll(r.Means)
	var out []synonym
	seen := map[string]bool{}
	for _, s := range r.Say {
		if r.Always {
			// Matched as typed: "princip ett" must not shrink to "princip"
			// when the stop word "ett" is analysed away.
			ix.surfaceSyn = append(ix.surfaceSyn, surfacePhrase{words: ix.surfaceWords(s), syn: &synonym{means: means, meansText: r.Means, always: true,
				meansSV: sv, meansEN: en, meansComp: comp, meansLen: n}})
			continue
		}
		var say []string
		for _, t := range ix.sv.Analyze([]byte(s)) {
			say = append(say, string(t.Term))
		}
		key := strings.Join(say, " ")
		if len(say) == 0 || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, synonym{say: say, means: means, meansText: r.Means, always: r.Always,
			meansSV: sv, meansEN: en, meansComp: comp, meansLen: n})
	}
	return out
}

// analyzeAll analyses s with the Swedish, English and compound analyzers,
// and counts its tokens.
func (ix *kbIndex) analyzeAll(s string) (sv, en, comp []tok, n int) {
	b := []byte(s)
	for _, t := range ix.surface.Analyze(b) {
		n = max(n, t.Position)
	}
	for _, t := range ix.sv.Analyze(b) {
		sv = append(sv, tok{string(t.Term), t.Position})
	}
	for _, t := range ix.en.Analyze(b) {
		en = append(en, tok{string(t.Term), t.Position})
	}
	for _, t := range ix.svComp.Analyze(b) {
		comp = append(comp, tok{string(t.Term), t.Position})
	}
	return sv, en, comp, n
}
