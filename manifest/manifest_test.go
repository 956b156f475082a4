package manifest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

const testAppID = "2f0a6c1e-8b7d-4c59-9e1a-3d5b7c9e0f12"

func validConfig() Config {
	return Config{
		AppID:         testAppID,
		Version:       "1.2.3",
		DeveloperName: "Region Gävleborg",
		WebsiteURL:    "https://www.regiongavleborg.se/",
		PrivacyURL:    "https://www.regiongavleborg.se/integritet",
		TermsURL:      "https://www.regiongavleborg.se/villkor",
		ValidDomains:  []string{"digibot.regiongavleborg.se", "*.regiongavleborg.se"},
	}
}

func buildManifest(t *testing.T, cfg Config) (map[string]any, map[string]string) {
	t.Helper()
	pkg, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, files := unzip(t, pkg)
	var m map[string]any
	if err := json.Unmarshal(files[FileManifest], &m); err != nil {
		t.Fatal(err)
	}
	var en map[string]string
	if err := json.Unmarshal(files[FileEnglish], &en); err != nil {
		t.Fatal(err)
	}
	return m, en
}

// get walks a decoded JSON value by object keys and array indexes.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func TestManifestContent(t *testing.T) {
	cfg := validConfig()
	cfg.AppID = strings.ToUpper(testAppID)
	cfg.ValidDomains = append(cfg.ValidDomains, " DIGIBOT.regiongavleborg.se ")
	m, _ := buildManifest(t, cfg)

	tests := []struct {
		path []any
		want any
	}{
		{[]any{"$schema"}, manifestSchemaURL},
		{[]any{"manifestVersion"}, ManifestVersion},
		{[]any{"version"}, "1.2.3"},
		{[]any{"id"}, testAppID}, // lower-cased
		{[]any{"localizationInfo", "defaultLanguageTag"}, "sv-SE"},
		{[]any{"localizationInfo", "additionalLanguages", 0, "languageTag"}, "en-US"},
		{[]any{"localizationInfo", "additionalLanguages", 0, "file"}, "en-US.json"},
		{[]any{"developer", "name"}, "Region Gävleborg"},
		{[]any{"developer", "websiteUrl"}, cfg.WebsiteURL},
		{[]any{"developer", "privacyUrl"}, cfg.PrivacyURL},
		{[]any{"developer", "termsOfUseUrl"}, cfg.TermsURL},
		{[]any{"name", "short"}, "Digibot"},
		{[]any{"name", "full"}, "Digibot – digital omställning i Region Gävleborg"},
		{[]any{"description", "short"}, textSV.DescriptionShort},
		{[]any{"icons", "color"}, "color.png"},
		{[]any{"icons", "outline"}, "outline.png"},
		{[]any{"accentColor"}, DefaultAccentColor},
		{[]any{"bots", 0, "botId"}, testAppID},
		{[]any{"bots", 0, "scopes"}, []any{"personal", "team", "groupChat"}},
		{[]any{"bots", 0, "supportsFiles"}, false},
		{[]any{"bots", 0, "commandLists", 0, "scopes"}, []any{"personal"}},
		{[]any{"bots", 0, "commandLists", 0, "commands", 0, "title"}, "hjälp"},
		{[]any{"bots", 0, "commandLists", 0, "commands", 2, "title"}, "mina bokningar"},
		{[]any{"bots", 0, "commandLists", 1, "scopes"}, []any{"team"}},
		{[]any{"bots", 0, "commandLists", 1, "commands", 2, "title"}, "digest här"},
		{[]any{"bots", 0, "commandLists", 2, "scopes"}, []any{"groupChat"}},
		{[]any{"validDomains"}, []any{"digibot.regiongavleborg.se", "*.regiongavleborg.se"}},
		{[]any{"webApplicationInfo", "id"}, testAppID},
		{[]any{"webApplicationInfo", "resource"}, "api://botid-" + testAppID},
	}
	for _, tc := range tests {
		if got := get(t, m, tc.path...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v = %#v, want %#v", tc.path, got, tc.want)
		}
	}

	// Every command has a Swedish description, and each scope of the bot
	// has its own list.
	lists := get(t, m, "bots", 0, "commandLists").([]any)
	scopes := map[string]bool{}
	for i, l := range lists {
		for _, s := range get(t, l, "scopes").([]any) {
			scopes[s.(string)] = true
		}
		for j, c := range get(t, l, "commands").([]any) {
			if d, _ := get(t, c, "description").(string); d == "" {
				t.Errorf("commandLists[%d].commands[%d] has no description", i, j)
			}
		}
	}
	if len(scopes) != 3 || !scopes["personal"] || !scopes["team"] || !scopes["groupChat"] {
		t.Errorf("command list scopes = %v, want personal, team and groupChat", scopes)
	}
}

func TestBotIDDefaultsAndOverride(t *testing.T) {
	cfg := validConfig()
	const other = "11111111-2222-4333-8444-555555555555"
	cfg.BotID = other
	m, _ := buildManifest(t, cfg)
	if got := get(t, m, "bots", 0, "botId"); got != other {
		t.Errorf("botId = %v, want %v", got, other)
	}
	if got := get(t, m, "id"); got != testAppID {
		t.Errorf("id = %v, want %v", got, testAppID)
	}
}

// TestLocalization checks en-US.json: every key is a path that exists in
// manifest.json, every Swedish string has an English one, and the English
// command titles are the ones CommandPhrases reports.
func TestLocalization(t *testing.T) {
	m, en := buildManifest(t, validConfig())
	wantKeys := map[string]bool{"$schema": true, "name.short": true, "name.full": true, "description.short": true, "description.full": true}
	lists := get(t, m, "bots", 0, "commandLists").([]any)
	for i, l := range lists {
		for j := range get(t, l, "commands").([]any) {
			p := fmt.Sprintf("bots[0].commandLists[%d].commands[%d].", i, j)
			wantKeys[p+"title"] = true
			wantKeys[p+"description"] = true
		}
	}
	for k := range en {
		if !wantKeys[k] {
			t.Errorf("en-US.json has key %q that is not in manifest.json", k)
		}
	}
	for k := range wantKeys {
		if en[k] == "" {
			t.Errorf("en-US.json lacks %q", k)
		}
	}
	if en["$schema"] != localizationSchemaURL {
		t.Errorf("en-US.json $schema = %q", en["$schema"])
	}
	if en["bots[0].commandLists[0].commands[0].title"] != "help" {
		t.Errorf("first English command = %q, want help", en["bots[0].commandLists[0].commands[0].title"])
	}
	if en["name.full"] == get(t, m, "name", "full") {
		t.Error("English full name equals the Swedish one")
	}
}

func TestCommandPhrases(t *testing.T) {
	tests := []struct {
		lang string
		want []string
	}{
		{"sv", []string{"hjälp", "boka", "mina bokningar", "status", "digest här", "digest stopp"}},
		{"en", []string{"help", "book", "my bookings", "status", "digest here", "digest stop"}},
		{"de", nil},
	}
	for _, tc := range tests {
		if got := CommandPhrases(tc.lang); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("CommandPhrases(%q) = %q, want %q", tc.lang, got, tc.want)
		}
	}
}

// TestTextLimits checks the lengths Teams enforces. The localization
// schema cannot (draft-04 ignores maxLength beside $ref), and command
// titles are kept within the 32 characters older Teams clients show.
func TestTextLimits(t *testing.T) {
	for lang, tx := range map[string]texts{"sv": textSV, "en": textEN} {
		checks := []struct {
			what string
			s    string
			max  int
		}{
			{"name.short", tx.NameShort, 30},
			{"name.full", tx.NameFull, 100},
			{"description.short", tx.DescriptionShort, 80},
			{"description.full", tx.DescriptionFull, 4000},
		}
		for _, l := range commandLists {
			if len(l.Commands) > 10 {
				t.Errorf("a command list has %d commands; keep at most 10", len(l.Commands))
			}
			for _, id := range l.Commands {
				c, ok := tx.Commands[id]
				if !ok {
					t.Errorf("%s: no text for command %s", lang, id)
				}
				checks = append(checks,
					struct {
						what string
						s    string
						max  int
					}{string(id) + ".title", c.Title, 32},
					struct {
						what string
						s    string
						max  int
					}{string(id) + ".description", c.Description, 128})
			}
		}
		for _, c := range checks {
			n := utf8.RuneCountInString(c.s)
			if n == 0 || n > c.max || strings.TrimSpace(c.s) != c.s {
				t.Errorf("%s %s = %q: %d characters, want 1..%d without surrounding spaces", lang, c.what, c.s, n, c.max)
			}
		}
	}
}

func TestZipLayoutAndDeterminism(t *testing.T) {
	a, err := Build(validConfig())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(validConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the same config differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(zipTime) {
			t.Errorf("%s modified %v, want fixed %v", f.Name, f.Modified, zipTime)
		}
	}
	want := []string{"manifest.json", "en-US.json", "color.png", "outline.png"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("zip entries = %q, want %q at the root", names, want)
	}
	_, files := unzip(t, a)
	if !bytes.Equal(files[FileColor], mustAsset(t, "assets/color.png")) || !bytes.Equal(files[FileOutline], mustAsset(t, "assets/outline.png")) {
		t.Error("icons in the zip differ from the embedded ones")
	}

	c := validConfig()
	c.Version = "1.2.4"
	other, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, other) {
		t.Error("changing the version did not change the package")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		field   string // "" = valid
		mention string // a word the message must contain
	}{
		{"valid", func(*Config) {}, "", ""},
		{"valid with spaces and defaults", func(c *Config) { c.AppID = " " + c.AppID + " "; c.AccentColor = ""; c.ValidDomains = nil }, "", ""},
		{"valid colour", func(c *Config) { c.AccentColor = "#aabbCC" }, "", ""},
		{"missing app id", func(c *Config) { c.AppID = "" }, "AppID", "MICROSOFT_APP_ID"},
		{"app id not a guid", func(c *Config) { c.AppID = "digibot" }, "AppID", "GUID"},
		{"app id with braces", func(c *Config) { c.AppID = "{" + testAppID + "}" }, "AppID", "GUID"},
		{"app id all zero", func(c *Config) { c.AppID = nilGUID }, "AppID", "all-zero"},
		{"bot id bad", func(c *Config) { c.BotID = "x" }, "BotID", "-bot-id"},
		{"missing version", func(c *Config) { c.Version = "" }, "Version", "required"},
		{"version with v", func(c *Config) { c.Version = "v1.0.0" }, "Version", "MAJOR.MINOR.PATCH"},
		{"version two parts", func(c *Config) { c.Version = "1.0" }, "Version", "MAJOR.MINOR.PATCH"},
		{"version pre-release", func(c *Config) { c.Version = "1.0.0-beta" }, "Version", "pre-release"},
		{"version leading zero", func(c *Config) { c.Version = "01.0.0" }, "Version", "MAJOR.MINOR.PATCH"},
		{"missing developer", func(c *Config) { c.DeveloperName = " " }, "DeveloperName", "required"},
		{"developer too long", func(c *Config) { c.DeveloperName = strings.Repeat("å", 33) }, "DeveloperName", "32"},
		{"developer control char", func(c *Config) { c.DeveloperName = "a\x00b" }, "DeveloperName", "printable"},
		{"website http", func(c *Config) { c.WebsiteURL = "http://www.regiongavleborg.se" }, "WebsiteURL", "https"},
		{"privacy missing", func(c *Config) { c.PrivacyURL = "" }, "PrivacyURL", "required"},
		{"terms relative", func(c *Config) { c.TermsURL = "/villkor" }, "TermsURL", "https"},
		{"terms no host", func(c *Config) { c.TermsURL = "https:///villkor" }, "TermsURL", "https"},
		{"terms user info", func(c *Config) { c.TermsURL = "https://a:b@example.se/" }, "TermsURL", "password"},
		{"url with space", func(c *Config) { c.PrivacyURL = "https://example.se/a b" }, "PrivacyURL", "spaces"},
		{"url too long", func(c *Config) { c.PrivacyURL = "https://example.se/" + strings.Repeat("a", 2100) }, "PrivacyURL", "2048"},
		{"domain with scheme", func(c *Config) { c.ValidDomains = []string{"https://digibot.se"} }, "ValidDomains", "host name only"},
		{"domain with port", func(c *Config) { c.ValidDomains = []string{"digibot.se:443"} }, "ValidDomains", "port"},
		{"domain single label", func(c *Config) { c.ValidDomains = []string{"localhost"} }, "ValidDomains", "fully qualified"},
		{"domain tld wildcard", func(c *Config) { c.ValidDomains = []string{"*.se"} }, "ValidDomains", "top-level"},
		{"domain inner wildcard", func(c *Config) { c.ValidDomains = []string{"a.*.se"} }, "ValidDomains", "wildcard"},
		{"domain non-ascii", func(c *Config) { c.ValidDomains = []string{"gävle.se"} }, "ValidDomains", "punycode"},
		{"domain empty", func(c *Config) { c.ValidDomains = []string{""} }, "ValidDomains", "empty"},
		{"too many domains", func(c *Config) {
			c.ValidDomains = nil
			for i := 0; i < 101; i++ {
				c.ValidDomains = append(c.ValidDomains, fmt.Sprintf("d%d.example.se", i))
			}
		}, "ValidDomains", "100"},
		{"bad colour", func(c *Config) { c.AccentColor = "blue" }, "AccentColor", "#RRGGBB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.mutate(&c)
			err := c.Validate()
			_, buildErr := Build(c)
			if (err == nil) != (buildErr == nil) {
				t.Fatalf("Validate = %v but Build = %v", err, buildErr)
			}
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; want one for %s", tc.field)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("error %v does not name field %s", err, tc.field)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.field) || !strings.Contains(msg, tc.mention) {
				t.Fatalf("message %q should name %s and mention %q", msg, tc.field, tc.mention)
			}
		})
	}
}

func TestValidateReportsEveryField(t *testing.T) {
	err := Config{}.Validate()
	if err == nil {
		t.Fatal("empty config accepted")
	}
	for _, f := range []string{"AppID", "Version", "DeveloperName", "WebsiteURL", "PrivacyURL", "TermsURL"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error does not mention %s:\n%v", f, err)
		}
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.zip")
	if err := Write(validConfig(), path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Build(validConfig())
	if !bytes.Equal(got, want) {
		t.Fatal("written file differs from Build")
	}

	// A bad config changes nothing: the old file stays, no temp files remain.
	bad := validConfig()
	bad.AppID = "nope"
	if err := Write(bad, path); err == nil {
		t.Fatal("bad config written")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, want) {
		t.Fatal("failed write changed the existing file")
	}
	if err := Write(validConfig(), filepath.Join(dir, "missing", "app.zip")); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
	if err := Write(validConfig(), ""); err == nil {
		t.Fatal("empty path accepted")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %q, want only app.zip", names)
	}
}

// FuzzConfig: any config either builds a package whose manifest passes
// Microsoft's schema, or is rejected with field errors; never a panic.
func FuzzConfig(f *testing.F) {
	v := validConfig()
	f.Add(v.AppID, "", v.Version, v.DeveloperName, v.WebsiteURL, v.PrivacyURL, v.TermsURL, strings.Join(v.ValidDomains, ","), "")
	f.Add("", "", "", "", "", "", "", "", "")
	f.Add("{"+testAppID+"}", "x", "v1", "\x00", "http://a", "https://", "javascript:alert(1)", "*.se,https://x", "red")
	f.Add(strings.ToUpper(testAppID), testAppID, "0.0.0", strings.Repeat("ö", 32), "https://a.se/\"<>", "HTTPS://A.SE", "https://[::1]/", "xn--gvle-loa.se", "#000000")
	f.Add(nilGUID, "", "999999999.0.1", "R\u2028G", "https://a.se/\u00e5", "https://a.se:99999/", "https://a.se/%zz", "a..se, ,b-.se", "#GGGGGG")
	s := loadSchemas(f)
	f.Fuzz(func(t *testing.T, appID, botID, version, dev, web, privacy, terms, domains, colour string) {
		cfg := Config{AppID: appID, BotID: botID, Version: version, DeveloperName: dev, WebsiteURL: web,
			PrivacyURL: privacy, TermsURL: terms, ValidDomains: splitList(domains), AccentColor: colour}
		pkg, err := Build(cfg)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" || !strings.HasPrefix(err.Error(), "manifest: ") {
				t.Fatalf("error without a field: %v", err)
			}
			if cfg.Validate() == nil {
				t.Fatalf("Build failed (%v) but Validate passed", err)
			}
			return
		}
		_, files := unzip(t, pkg)
		if err := validateJSON(t, s.manifest, FileManifest, files[FileManifest]); err != nil {
			t.Fatalf("accepted config gives a manifest the schema rejects: %v\nconfig %#v", err, cfg)
		}
	})
}
