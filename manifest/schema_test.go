package manifest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Microsoft's schemas, loaded from testdata under their published URLs so
// that nothing is fetched from the network.
var (
	manifestSchemaURL     = "https://developer.microsoft.com/json-schemas/teams/v" + ManifestVersion + "/MicrosoftTeams.schema.json"
	localizationSchemaURL = "https://developer.microsoft.com/json-schemas/teams/v" + ManifestVersion + "/MicrosoftTeams.Localization.schema.json"
)

type schemas struct {
	manifest, localization *jsonschema.Schema
}

var (
	schemasOnce sync.Once
	schemasVal  schemas
	schemasErr  error
)

// offlineLoader refuses every URL: all schemas must come from testdata
// (the draft-04 meta-schema is built into the library).
type offlineLoader struct{}

func (offlineLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("refusing to load %s: schemas are loaded from testdata only", url)
}

// The schemas use ECMAScript regular expressions (look-aheads) that Go's
// regexp cannot compile, so patterns go through regexp2.
type ecmaRegexp regexp2.Regexp

func (re *ecmaRegexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *ecmaRegexp) String() string { return (*regexp2.Regexp)(re).String() }

func compileECMA(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		// \p{L} is not ECMAScript without the u flag; .NET syntax has it.
		if re, err = regexp2.Compile(s, regexp2.None); err != nil {
			return nil, err
		}
	}
	return (*ecmaRegexp)(re), nil
}

func loadSchemas(t testing.TB) schemas {
	t.Helper()
	schemasOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.UseLoader(offlineLoader{})
		c.UseRegexpEngine(compileECMA)
		for url, file := range map[string]string{
			manifestSchemaURL:     "MicrosoftTeams.schema.json",
			localizationSchemaURL: "MicrosoftTeams.Localization.schema.json",
		} {
			f, err := os.Open(filepath.Join("testdata", file))
			if err != nil {
				schemasErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(f)
			f.Close()
			if err != nil {
				schemasErr = fmt.Errorf("%s: %w", file, err)
				return
			}
			if err := c.AddResource(url, doc); err != nil {
				schemasErr = err
				return
			}
		}
		if schemasVal.manifest, schemasErr = c.Compile(manifestSchemaURL); schemasErr != nil {
			return
		}
		schemasVal.localization, schemasErr = c.Compile(localizationSchemaURL)
	})
	if schemasErr != nil {
		t.Fatalf("compile schemas: %v", schemasErr)
	}
	return schemasVal
}

func validateJSON(t testing.TB, s *jsonschema.Schema, name string, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not JSON: %v", name, err)
	}
	return s.Validate(inst)
}

// unzip returns the package's files by name, in zip order.
func unzip(t testing.TB, data []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("package is not a zip: %v", err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = b
	}
	return names, files
}

func TestPackageMatchesSchema(t *testing.T) {
	s := loadSchemas(t)
	cfgs := map[string]Config{
		"full":    validConfig(),
		"minimal": {AppID: testAppID, Version: "0.0.1", DeveloperName: "R", WebsiteURL: "https://a.se", PrivacyURL: "https://a.se/p", TermsURL: "https://a.se/t"},
	}
	for name, cfg := range cfgs {
		t.Run(name, func(t *testing.T) {
			pkg, err := Build(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, files := unzip(t, pkg)
			if err := validateJSON(t, s.manifest, FileManifest, files[FileManifest]); err != nil {
				t.Fatalf("manifest.json does not match the %s schema:\n%v\n%s", ManifestVersion, err, files[FileManifest])
			}
			if err := validateJSON(t, s.localization, FileEnglish, files[FileEnglish]); err != nil {
				t.Fatalf("en-US.json does not match the localization schema:\n%v\n%s", err, files[FileEnglish])
			}
		})
	}
}

// TestSchemaRejects proves the validator really validates: broken
// manifests must fail. Draft-04 ignores "const", so manifestVersion is
// checked by hand in TestManifestContent instead.
func TestSchemaRejects(t *testing.T) {
	s := loadSchemas(t)
	pkg, err := Build(validConfig())
	if err != nil {
		t.Fatal(err)
	}
	_, files := unzip(t, pkg)
	tests := []struct {
		name   string
		file   string
		mutate func(m map[string]any)
	}{
		{"unknown top-level property", FileManifest, func(m map[string]any) { m["packageName"] = "se.regiongavleborg.digibot" }},
		{"id not a GUID", FileManifest, func(m map[string]any) { m["id"] = "digibot" }},
		{"short name too long", FileManifest, func(m map[string]any) { m["name"].(map[string]any)["short"] = strings.Repeat("x", 31) }},
		{"bad scope", FileManifest, func(m map[string]any) { m["bots"].([]any)[0].(map[string]any)["scopes"] = []any{"everyone"} }},
		{"developer URL without scheme", FileManifest, func(m map[string]any) {
			m["developer"].(map[string]any)["privacyUrl"] = "www.example.se"
		}},
		{"missing icons", FileManifest, func(m map[string]any) { delete(m, "icons") }},
		{"localization: unknown key", FileEnglish, func(m map[string]any) { m["name.nickname"] = "x" }},
		{"localization: blank name", FileEnglish, func(m map[string]any) { m["name.short"] = "   " }},
		{"localization: missing description", FileEnglish, func(m map[string]any) { delete(m, "description.full") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(files[tc.file], &m); err != nil {
				t.Fatal(err)
			}
			tc.mutate(m)
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			sch := s.manifest
			if tc.file == FileEnglish {
				sch = s.localization
			}
			if err := validateJSON(t, sch, tc.file, data); err == nil {
				t.Fatalf("schema accepted a broken %s", tc.file)
			}
		})
	}
}
