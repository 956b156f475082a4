// Package answer is Digibot's knowledge base: it loads and validates the
// articles, indexes them for Swedish and English search, answers free-text
// questions with a confidence score, records unanswered questions and
// feedback, and forwards questions it cannot answer to a human.
package answer

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The default knowledge base is compiled in; LoadDir overrides it from a
// directory with the same layout (kb/<category>/<id>.yaml).
//
//go:embed kb
var embedded embed.FS

// EmbeddedFS is the compiled-in knowledge base, rooted at the category folders.
func EmbeddedFS() fs.FS {
	sub, err := fs.Sub(embedded, "kb")
	if err != nil { // cannot happen: "kb" is a valid path
		panic(err)
	}
	return sub
}

// Categories of articles, as folder names and in the category field.
var categories = map[string]bool{
	"princip": true, "basniva": true, "forflyttning": true, "aktivitet": true, "roll": true,
	"uppfoljning": true, "fakta": true, "begrepp": true, "coachning": true,
}

// English is required where the strategy itself is the answer people share
// across languages (principles, basic level, shifts, coaching).
var needsEnglish = map[string]bool{"princip": true, "basniva": true, "forflyttning": true, "coachning": true}

// Source documents an article may cite.
var sourceDocuments = map[string]bool{"strategi": true, "handlingsplan": true}

// Size limits: a knowledge file is outside input too.
const (
	maxFileBytes      = 64 << 10
	maxArticles       = 2000
	maxIDLen          = 80
	maxTitleRunes     = 160
	maxSummaryRunes   = 900
	maxBodyRunes      = 12000
	maxPhrasings      = 25
	maxPhrasingRunes  = 200
	maxKeywords       = 50
	maxKeywordRunes   = 80
	maxRelated        = 8
	maxSectionRunes   = 200
	maxActivityRunes  = 200
	wantPhrasingsMin  = 4
	wantPhrasingsMax  = 10
	wantRelatedMax    = 4
	articleFileSuffix = ".yaml"
)

var (
	idPattern         = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	activityIDPattern = regexp.MustCompile(`^A[0-9]{2}$`)
	activityArticleID = regexp.MustCompile(`^aktivitet-(a[0-9]{2})(?:-|$)`)
)

// Text is a string per language.
type Text struct {
	SV string `yaml:"sv"`
	EN string `yaml:"en"`
}

// In returns the text in lang, falling back to Swedish.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.SV
}

// Texts is a list of strings per language.
type Texts struct {
	SV []string `yaml:"sv"`
	EN []string `yaml:"en"`
}

// Source says where in the strategy or action plan an article comes from.
type Source struct {
	Document string `yaml:"document"`
	Section  string `yaml:"section"`
}

// Activity links an article to the action plan's activity register.
type Activity struct {
	ID         string `yaml:"id"`
	Name       string `yaml:"name"`
	Area       string `yaml:"area"`
	Department string `yaml:"department"`
}

// Article is one knowledge base entry (see KB_FORMAT.md).
type Article struct {
	ID        string    `yaml:"id"`
	Category  string    `yaml:"category"`
	Title     Text      `yaml:"title"`
	Summary   Text      `yaml:"summary"`
	Body      Text      `yaml:"body"`
	Phrasings Texts     `yaml:"phrasings"`
	Keywords  []string  `yaml:"keywords"`
	Related   []string  `yaml:"related"`
	Source    Source    `yaml:"source"`
	Activity  *Activity `yaml:"activity"`

	file string // path inside the KB, for messages
}

// HasEnglish reports whether the article can be shown in English.
func (a *Article) HasEnglish() bool { return a.Title.EN != "" && a.Summary.EN != "" }

// Problem is one finding about a knowledge file. Errors stop loading;
// warnings are only reported by Lint.
type Problem struct {
	File    string
	Field   string
	Message string
	Warning bool
}

func (p Problem) String() string {
	kind := "error"
	if p.Warning {
		kind = "warning"
	}
	if p.Field == "" {
		return fmt.Sprintf("%s: %s: %s", p.File, kind, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s: %s", p.File, kind, p.Field, p.Message)
}

// ProblemsError is returned when the knowledge base does not load.
type ProblemsError struct{ Problems []Problem }

func (e *ProblemsError) Error() string {
	const show = 10
	var b strings.Builder
	fmt.Fprintf(&b, "knowledge base invalid (%d problems)", len(e.Problems))
	for i, p := range e.Problems {
		if i == show {
			fmt.Fprintf(&b, "; … %d more", len(e.Problems)-show)
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// ParseArticle decodes and validates one article file. name is its path
// inside the knowledge base ("princip/princip-01-utmana.yaml"); the file
// name must equal the id. It reports every problem it finds in the file.
func ParseArticle(name string, data []byte) (Article, []Problem) {
	var a Article
	bad := func(field, format string, args ...any) Problem {
		return Problem{File: name, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	if len(data) > maxFileBytes {
		return a, []Problem{bad("", "file is %d bytes, more than the limit of %d", len(data), maxFileBytes)}
	}
	if !utf8.Valid(data) {
		return a, []Problem{bad("", "file is not valid UTF-8")}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		if errors.Is(err, io.EOF) {
			return a, []Problem{bad("", "file is empty")}
		}
		return a, []Problem{bad("", "not a valid article: %s", yamlMessage(err))}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return a, []Problem{bad("", "more than one YAML document in the file")}
	}
	a.file = name
	return a, validateArticle(&a)
}

// yamlMessage keeps yaml's line information but drops its package prefix.
func yamlMessage(err error) string {
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: "), "unmarshal errors:\n  ")
}

func validateArticle(a *Article) []Problem {
	var ps []Problem
	bad := func(field, format string, args ...any) {
		ps = append(ps, Problem{File: a.file, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	warn := func(field, format string, args ...any) {
		ps = append(ps, Problem{File: a.file, Field: field, Message: fmt.Sprintf(format, args...), Warning: true})
	}
	text := func(field, s string, required bool, limit int) {
		switch {
		case s == "" && required:
			bad(field, "required")
		case s != "" && strings.TrimSpace(s) == "":
			bad(field, "is empty (only white space)")
		case utf8.RuneCountInString(s) > limit:
			bad(field, "is %d characters, more than the limit of %d", utf8.RuneCountInString(s), limit)
		case strings.ContainsFunc(s, isBadControl):
			bad(field, "contains control characters")
		}
	}

	// id and file name
	base := path.Base(a.file)
	switch {
	case a.ID == "":
		bad("id", "required")
	case len(a.ID) > maxIDLen:
		bad("id", "longer than %d characters", maxIDLen)
	case !idPattern.MatchString(a.ID):
		bad("id", "%q: use lowercase a-z, 0-9 and single '-' between words", a.ID)
	case base != a.ID+articleFileSuffix:
		bad("id", "%q does not match the file name %q (want %s%s)", a.ID, base, a.ID, articleFileSuffix)
	}

	// category and folder
	switch {
	case a.Category == "":
		bad("category", "required")
	case !categories[a.Category]:
		bad("category", "%q is not a known category (%s)", a.Category, strings.Join(sortedKeys(categories), ", "))
	default:
		if dir := path.Dir(a.file); dir != "." && path.Base(dir) != a.Category {
			bad("category", "%q but the file is in folder %q", a.Category, dir)
		}
	}

	en := needsEnglish[a.Category]
	text("title.sv", a.Title.SV, true, maxTitleRunes)
	text("title.en", a.Title.EN, en, maxTitleRunes)
	text("summary.sv", a.Summary.SV, true, maxSummaryRunes)
	text("summary.en", a.Summary.EN, en, maxSummaryRunes)
	text("body.sv", a.Body.SV, true, maxBodyRunes)
	text("body.en", a.Body.EN, en, maxBodyRunes)
	if strings.Contains(a.Title.SV, "\n") || strings.Contains(a.Title.EN, "\n") {
		bad("title", "must be one line")
	}
	if (a.Summary.EN != "" || a.Body.EN != "") && a.Title.EN == "" {
		bad("title.en", "required when the article has English text")
	}

	list := func(field string, items []string, limit, itemLimit int) {
		if len(items) > limit {
			bad(field, "has %d entries, more than the limit of %d", len(items), limit)
		}
		for i, s := range items {
			text(fmt.Sprintf("%s[%d]", field, i), s, true, itemLimit)
		}
	}
	list("phrasings.sv", a.Phrasings.SV, maxPhrasings, maxPhrasingRunes)
	list("phrasings.en", a.Phrasings.EN, maxPhrasings, maxPhrasingRunes)
	list("keywords", a.Keywords, maxKeywords, maxKeywordRunes)
	if n := len(a.Phrasings.SV); n < wantPhrasingsMin || n > wantPhrasingsMax {
		warn("phrasings.sv", "has %d entries; %d–%d varied phrasings help people find the article", n, wantPhrasingsMin, wantPhrasingsMax)
	}
	if a.Title.EN != "" && len(a.Phrasings.EN) == 0 {
		warn("phrasings.en", "the article has English text but no English phrasings")
	}

	if len(a.Related) > maxRelated {
		bad("related", "has %d entries, more than the limit of %d", len(a.Related), maxRelated)
	} else if len(a.Related) > wantRelatedMax {
		warn("related", "has %d entries; at most %d are shown", len(a.Related), wantRelatedMax)
	}
	seen := map[string]bool{}
	for i, r := range a.Related {
		field := fmt.Sprintf("related[%d]", i)
		switch {
		case !idPattern.MatchString(r):
			bad(field, "%q is not an article id", r)
		case r == a.ID:
			bad(field, "an article cannot be related to itself")
		case seen[r]:
			bad(field, "%q is listed twice", r)
		}
		seen[r] = true
	}

	switch {
	case a.Source.Document == "":
		bad("source.document", "required")
	case !sourceDocuments[a.Source.Document]:
		bad("source.document", "%q is not a known document (%s)", a.Source.Document, strings.Join(sortedKeys(sourceDocuments), ", "))
	}
	text("source.section", a.Source.Section, true, maxSectionRunes)

	// Activity articles are named after their activity ("aktivitet-a04-…");
	// every other article, overviews of the category included, has no block.
	m := activityArticleID.FindStringSubmatch(a.ID)
	isActivity := m != nil
	switch {
	case isActivity && a.Category != "aktivitet":
		bad("category", "an article named like an activity (%q) must have category aktivitet", a.ID)
	case isActivity && a.Activity == nil:
		bad("activity", "required for an activity article (id aktivitet-aNN-…)")
	case !isActivity && a.Activity != nil && a.Category == "aktivitet":
		bad("activity", "only activity articles (id aktivitet-aNN-…) have an activity block; overview articles go without")
	case !isActivity && a.Activity != nil:
		bad("activity", "only articles of category aktivitet have an activity block")
	}
	if a.Activity != nil {
		switch {
		case a.Activity.ID == "":
			bad("activity.id", "required")
		case !activityIDPattern.MatchString(a.Activity.ID):
			bad("activity.id", "%q: want A and two digits, like A04", a.Activity.ID)
		case isActivity && !strings.EqualFold(a.Activity.ID, m[1]):
			bad("activity.id", "%s does not match the article id %q (want %s)", a.Activity.ID, a.ID, strings.ToUpper(m[1]))
		}
		text("activity.name", a.Activity.Name, true, maxActivityRunes)
		text("activity.area", a.Activity.Area, true, maxActivityRunes)
		text("activity.department", a.Activity.Department, true, maxActivityRunes)
	}
	return ps
}

func isBadControl(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r'
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// readKB parses every article in fsys (rooted at the category folders) and
// checks the rules that span articles. Files other than *.yaml are ignored
// (a README may sit beside the articles).
func readKB(fsys fs.FS) ([]*Article, []Problem) {
	var (
		arts []*Article
		ps   []Problem
	)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			ps = append(ps, Problem{File: p, Message: fmt.Sprintf("cannot read: %v", err)})
			return nil
		}
		if d.IsDir() {
			if strings.Count(p, "/") >= 1 && p != "." {
				return fs.SkipDir // only <category>/<id>.yaml
			}
			return nil
		}
		if ext := path.Ext(p); ext != articleFileSuffix {
			if ext == ".yml" {
				ps = append(ps, Problem{File: p, Message: "use the extension .yaml"})
			}
			return nil
		}
		if !strings.Contains(p, "/") {
			ps = append(ps, Problem{File: p, Message: "an article belongs in a category folder, <category>/<id>.yaml"})
			return nil
		}
		if len(arts) >= maxArticles {
			ps = append(ps, Problem{File: p, Message: fmt.Sprintf("more than %d articles", maxArticles)})
			return fs.SkipAll
		}
		data, err := readLimited(fsys, p)
		if err != nil {
			ps = append(ps, Problem{File: p, Message: err.Error()})
			return nil
		}
		a, aps := ParseArticle(p, data)
		ps = append(ps, aps...)
		if !hasError(aps) {
			arts = append(arts, &a)
		}
		return nil
	})
	if err != nil {
		ps = append(ps, Problem{File: ".", Message: fmt.Sprintf("cannot read the knowledge base: %v", err)})
	}
	ps = append(ps, validateSet(arts)...)
	return arts, ps
}

func readLimited(fsys fs.FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("file is larger than the limit of %d bytes", maxFileBytes)
	}
	return data, nil
}

// validateSet checks unique ids, related ids and unique activity ids.
func validateSet(arts []*Article) []Problem {
	var ps []Problem
	byID := map[string]*Article{}
	byActivity := map[string]*Article{}
	for _, a := range arts {
		if prev, ok := byID[a.ID]; ok {
			ps = append(ps, Problem{File: a.file, Field: "id", Message: fmt.Sprintf("%q is also the id of %s", a.ID, prev.file)})
			continue
		}
		byID[a.ID] = a
		if a.Activity != nil {
			if prev, ok := byActivity[a.Activity.ID]; ok {
				ps = append(ps, Problem{File: a.file, Field: "activity.id", Message: fmt.Sprintf("%s is also the activity of %s", a.Activity.ID, prev.file)})
			} else {
				byActivity[a.Activity.ID] = a
			}
		}
	}
	for _, a := range arts {
		for i, r := range a.Related {
			if _, ok := byID[r]; !ok {
				ps = append(ps, Problem{File: a.file, Field: fmt.Sprintf("related[%d]", i), Message: fmt.Sprintf("no article has the id %q", r)})
			}
		}
	}
	return ps
}

func hasError(ps []Problem) bool {
	for _, p := range ps {
		if !p.Warning {
			return true
		}
	}
	return false
}

func errorsOnly(ps []Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// LoadFS reads and validates the knowledge base in fsys (rooted at the
// category folders). Any error-level problem fails the whole load: a
// half-loaded knowledge base would answer some questions wrongly.
func LoadFS(fsys fs.FS) ([]*Article, error) {
	arts, ps := readKB(fsys)
	if errs := errorsOnly(ps); len(errs) > 0 {
		return nil, &ProblemsError{Problems: errs}
	}
	if len(arts) == 0 {
		return nil, &ProblemsError{Problems: []Problem{{File: ".", Message: "no articles found (want <category>/<id>.yaml)"}}}
	}
	sort.Slice(arts, func(i, j int) bool { return arts[i].ID < arts[j].ID })
	return arts, nil
}

// LoadDir is LoadFS over a directory with the same layout as the embedded kb.
func LoadDir(dir string) ([]*Article, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("knowledge base directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("knowledge base directory: %s is not a directory", dir)
	}
	return LoadFS(os.DirFS(dir))
}

// Lint reports every problem in the knowledge base, errors and warnings,
// including phrasings that several articles share (they make the search
// pick between them at random). For `digibot kb lint`.
func Lint(fsys fs.FS) []Problem {
	arts, ps := readKB(fsys)
	type owner struct{ file, field string }
	seen := map[string]owner{}
	for _, a := range arts {
		check := func(lang string, list []string) {
			for i, p := range list {
				key := lang + "\x00" + normalizePhrase(p)
				field := fmt.Sprintf("phrasings.%s[%d]", lang, i)
				if o, ok := seen[key]; ok && o.file != a.file {
					ps = append(ps, Problem{File: a.file, Field: field, Warning: true,
						Message: fmt.Sprintf("%q is also a phrasing in %s (%s)", p, o.file, o.field)})
					continue
				}
				seen[key] = owner{a.file, field}
			}
		}
		check("sv", a.Phrasings.SV)
		check("en", a.Phrasings.EN)
	}
	if len(arts) == 0 && !hasError(ps) {
		ps = append(ps, Problem{File: ".", Message: "no articles found (want <category>/<id>.yaml)"})
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].File < ps[j].File })
	return ps
}

// normalizePhrase folds case, punctuation and spacing for duplicate checks.
func normalizePhrase(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return strings.Join(f, " ")
}
