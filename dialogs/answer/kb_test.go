package answer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// validArticle is a minimal valid article; tests change one thing at a time.
const validArticle = `id: princip-01-utmana
category: princip
title:
  sv: "Princip 1: Våga utmana"
  en: "Principle 1: Dare to challenge"
summary:
  sv: "Vi ifrågasätter invanda arbetssätt."
  en: "We question habitual ways of working."
body:
  sv: "Mer text."
  en: "More text."
phrasings:
  sv: ["vad betyder princip 1", "våga utmana", "första principen", "får jag testa nytt"]
  en: ["what is principle 1"]
keywords: ["utmana"]
related: []
source:
  document: strategi
  section: "Vägledande principer – princip 1"
`

const validActivity = `id: aktivitet-a04-systemagarradet
category: aktivitet
title:
  sv: "A04: Översyn av systemägarrådet"
summary:
  sv: "Systemägarrådet ses över."
body:
  sv: "Mer."
phrasings:
  sv: ["a", "b", "c", "d"]
source:
  document: handlingsplan
  section: "Effektiv styrning"
activity:
  id: A04
  name: "Genomför en översyn av systemägarrådet"
  area: "Effektiv styrning av digital omställning"
  department: "IT-förvaltningen"
`

func TestParseArticle(t *testing.T) {
	tests := []struct {
		name, file, data string
		field, msg       string // wanted error (field and part of the message); "" = valid
	}{
		{"valid", "princip/princip-01-utmana.yaml", validArticle, "", ""},
		{"valid activity", "aktivitet/aktivitet-a04-systemagarradet.yaml", validActivity, "", ""},
		{"activity overview without block", "aktivitet/aktivitet-oversikt.yaml",
			strings.NewReplacer("aktivitet-a04-systemagarradet", "aktivitet-oversikt").Replace(cut(validActivity, "activity:")), "", ""},
		{"id differs from file", "princip/princip-02.yaml", validArticle, "id", "does not match the file name"},
		{"bad id", "princip/Princip_1.yaml", strings.Replace(validArticle, "id: princip-01-utmana", "id: Princip_1", 1), "id", "lowercase"},
		{"missing id", "princip/x.yaml", strings.Replace(validArticle, "id: princip-01-utmana\n", "", 1), "id", "required"},
		{"unknown category", "princip/princip-01-utmana.yaml", strings.Replace(validArticle, "category: princip", "category: nyheter", 1), "category", "not a known category"},
		{"category differs from folder", "basniva/princip-01-utmana.yaml", validArticle, "category", "folder"},
		{"missing title.sv", "princip/princip-01-utmana.yaml", strings.Replace(validArticle, `  sv: "Princip 1: Våga utmana"`+"\n", "", 1), "title.sv", "required"},
		{"missing English for princip", "princip/princip-01-utmana.yaml", strings.Replace(validArticle, `  en: "We question habitual ways of working."`+"\n", "", 1), "summary.en", "required"},
		{"blank text", "princip/princip-01-utmana.yaml", strings.Replace(validArticle, `sv: "Mer text."`, `sv: "   "`, 1), "body.sv", "empty"},
		{"empty phrasing", "princip/princip-01-utmana.yaml", strings.Replace(validArticle, `"våga utmana"`, `""`, 1), "phrasings.sv[1]", "required"},
		{"unknown field", "princip/princip-01-utmana.yaml", validArticle + "author: x\n", "", "field author not found"},
		{"unknown document", "princip/princip-01-utmana.yaml", strings.Replace(validArticle, "document: strategi", "document: rapport", 1), "source.document", "not a known document"},
		{"missing section", "princip/princip-01-utmana.yaml", strings.Replace(validArticle, `  section: "Vägledande principer – princip 1"`+"\n", "", 1), "source.section", "required"},
		{"related to itself", "princip/princip-01-utmana.yaml", strings.Replace(validArticle, "related: []", "related: [princip-01-utmana]", 1), "related[0]", "itself"},
		{"activity block outside aktivitet", "princip/princip-01-utmana.yaml", validArticle + "activity:\n  id: A01\n  name: n\n  area: a\n  department: d\n", "activity", "only articles of category aktivitet"},
		{"activity without block", "aktivitet/aktivitet-a04-systemagarradet.yaml", cut(validActivity, "activity:"), "activity", "required"},
		{"overview with block", "aktivitet/aktivitet-oversikt.yaml", strings.Replace(validActivity, "id: aktivitet-a04-systemagarradet", "id: aktivitet-oversikt", 1), "activity", "overview"},
		{"activity id mismatch", "aktivitet/aktivitet-a04-systemagarradet.yaml", strings.Replace(validActivity, "id: A04", "id: A05", 1), "activity.id", "does not match"},
		{"activity id format", "aktivitet/aktivitet-a04-systemagarradet.yaml", strings.Replace(validActivity, "id: A04", "id: a4", 1), "activity.id", "two digits"},
		{"missing department", "aktivitet/aktivitet-a04-systemagarradet.yaml", strings.Replace(validActivity, `  department: "IT-förvaltningen"`+"\n", "", 1), "activity.department", "required"},
		{"title too long", "princip/princip-01-utmana.yaml", strings.Replace(validArticle, "Princip 1: Våga utmana", strings.Repeat("x", maxTitleRunes+1), 1), "title.sv", "limit"},
		{"not YAML", "princip/princip-01-utmana.yaml", "id: [", "", "not a valid article"},
		{"empty file", "princip/princip-01-utmana.yaml", "", "", "empty"},
		{"two documents", "princip/princip-01-utmana.yaml", validArticle + "---\nid: x\n", "", "more than one"},
		{"invalid UTF-8", "princip/princip-01-utmana.yaml", "id: \xff\xfe", "", "UTF-8"},
		{"control character", "princip/princip-01-utmana.yaml", strings.Replace(validArticle, "Mer text.", `Mer\u0007text.`, 1), "body.sv", "control"},
		{"too large", "princip/princip-01-utmana.yaml", validArticle + "# " + strings.Repeat("x", maxFileBytes) + "\n", "", "limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, ps := ParseArticle(tc.file, []byte(tc.data))
			errs := errorsOnly(ps)
			if tc.msg == "" {
				if len(errs) > 0 {
					t.Fatalf("want valid, got %v", errs)
				}
				if a.ID == "" || a.file != tc.file {
					t.Fatalf("article not filled: %+v", a)
				}
				return
			}
			for _, p := range errs {
				if p.Field == tc.field && strings.Contains(p.Message, tc.msg) {
					if p.File != tc.file || !strings.Contains(p.String(), tc.file) {
						t.Errorf("problem does not name the file: %s", p)
					}
					return
				}
			}
			t.Fatalf("want error %s: …%s…, got %v", tc.field, tc.msg, errs)
		})
	}
}

// cut drops everything from marker on.
func cut(s, marker string) string {
	i := strings.Index(s, marker)
	if i < 0 {
		return s
	}
	return s[:i]
}

func TestLoadFSSetRules(t *testing.T) {
	other := strings.NewReplacer("princip-01-utmana", "princip-02-behov", "princip 1", "princip 2").Replace(validArticle)
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string // part of the error; "" = loads
	}{
		{"loads", fstest.MapFS{
			"princip/princip-01-utmana.yaml": {Data: []byte(validArticle)},
			"princip/princip-02-behov.yaml":  {Data: []byte(other)},
			"README.md":                      {Data: []byte("not an article")},
		}, ""},
		{"duplicate id", fstest.MapFS{
			"princip/princip-01-utmana.yaml": {Data: []byte(validArticle)},
			"basniva/princip-01-utmana.yaml": {Data: []byte(strings.Replace(validArticle, "category: princip", "category: basniva", 1))},
		}, "is also the id of"},
		{"related missing", fstest.MapFS{
			"princip/princip-01-utmana.yaml": {Data: []byte(strings.Replace(validArticle, "related: []", "related: [princip-99-saknas]", 1))},
		}, `no article has the id "princip-99-saknas"`},
		{"duplicate activity", fstest.MapFS{
			"aktivitet/aktivitet-a04-systemagarradet.yaml": {Data: []byte(validActivity)},
			"aktivitet/aktivitet-a04-kopia.yaml":           {Data: []byte(strings.Replace(validActivity, "id: aktivitet-a04-systemagarradet", "id: aktivitet-a04-kopia", 1))},
		}, "is also the activity of"},
		{"article outside a folder", fstest.MapFS{
			"princip-01-utmana.yaml": {Data: []byte(validArticle)},
		}, "category folder"},
		{"yml extension", fstest.MapFS{
			"princip/princip-01-utmana.yaml": {Data: []byte(validArticle)},
			"princip/princip-02-behov.yml":   {Data: []byte(other)},
		}, ".yaml"},
		{"empty", fstest.MapFS{}, "no articles"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arts, err := LoadFS(tc.files)
			if tc.want == "" {
				if err != nil || len(arts) != 2 {
					t.Fatalf("got %d articles, %v", len(arts), err)
				}
				return
			}
			var pe *ProblemsError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want ProblemsError with %q, got %v", tc.want, err)
			}
		})
	}
}

func TestLintWarnsAboutSharedPhrasings(t *testing.T) {
	other := strings.NewReplacer("princip-01-utmana", "princip-02-behov", `"våga utmana"`, `"Våga utmana!"`).Replace(validArticle)
	ps := Lint(fstest.MapFS{
		"princip/princip-01-utmana.yaml": {Data: []byte(validArticle)},
		"princip/princip-02-behov.yaml":  {Data: []byte(other)},
	})
	var found bool
	for _, p := range ps {
		if !p.Warning {
			t.Errorf("unexpected error: %s", p)
		}
		if strings.Contains(p.Message, "also a phrasing in") && strings.HasPrefix(p.File, "princip/princip-0") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no duplicate-phrasing warning in %v", ps)
	}
}

// TestEmbeddedKnowledgeBase: the knowledge base compiled into the binary
// loads, and lint finds no errors in it.
func TestEmbeddedKnowledgeBase(t *testing.T) {
	for _, p := range Lint(EmbeddedFS()) {
		if !p.Warning {
			t.Errorf("kb: %s", p)
		}
	}
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if len(e.Articles()) == 0 {
		t.Fatal("no articles")
	}
}

func TestLoadDir(t *testing.T) {
	arts, err := LoadDir(filepath.Join("testdata", "fixtures", "kb"))
	if err != nil || len(arts) < 5 {
		t.Fatalf("fixtures: %d articles, %v", len(arts), err)
	}
	if _, err := LoadDir(filepath.Join("testdata", "nonexistent")); err == nil {
		t.Fatal("missing directory loaded")
	}
	if _, err := LoadDir(filepath.Join("testdata", "fixtures", "eval_fixtures.yaml")); err == nil {
		t.Fatal("a file loaded as a directory")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "princip"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "princip", "princip-01-utmana.yaml"), []byte("id: x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "princip/princip-01-utmana.yaml") {
		t.Fatalf("broken article: want an error naming the file, got %v", err)
	}
}

func FuzzParseArticle(f *testing.F) {
	f.Add("princip/princip-01-utmana.yaml", []byte(validArticle))
	f.Add("aktivitet/aktivitet-a04-systemagarradet.yaml", []byte(validActivity))
	f.Add("x/y.yaml", []byte("id: [\n"))
	f.Add("x/y.yaml", []byte("{id: &a [*a]}"))
	f.Add("princip/p.yaml", []byte("id: p\ncategory: princip\ntitle: {sv: \"\"}\nrelated: [p, p]\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		a, ps := ParseArticle(name, data)
		if hasError(ps) {
			return
		}
		// A valid article satisfies the rules the rest of the package relies on.
		if !idPattern.MatchString(a.ID) || !categories[a.Category] || a.Title.SV == "" || a.Summary.SV == "" {
			t.Fatalf("accepted an invalid article: %+v", a)
		}
		if (a.Activity != nil) != (activityArticleID.MatchString(a.ID)) {
			t.Fatalf("activity block rule broken: %+v", a)
		}
	})
}
