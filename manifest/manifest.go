// Package manifest builds Digibot's Teams app package: manifest.json
// (Swedish by default), en-US.json (English strings), color.png and
// outline.png, zipped at the root as Teams expects. The manifest is a
// template embedded in the binary; Build fills in ids, version, developer
// information and valid domains from a validated Config. Tests check the
// result against Microsoft's published schema (testdata/).
package manifest

import (
	"archive/zip"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// ManifestVersion is the Teams app manifest schema version the template
// follows (the newest GA version when this was written).
const ManifestVersion = "1.30"

// DefaultAccentColor is used when Config.AccentColor is empty; it is the
// background of color.png.
const DefaultAccentColor = "#0B5FA5"

const (
	defaultLanguage = "sv-SE"
	englishLanguage = "en-US"
	englishFile     = "en-US.json"
)

// zipTime is the modification time of every zip entry, fixed so that the
// same Config always gives the same bytes.
var zipTime = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

//go:embed assets/manifest.json.tmpl assets/color.png assets/outline.png
var assets embed.FS

var manifestTemplate = template.Must(template.New("manifest.json.tmpl").
	Funcs(template.FuncMap{"json": jsonValue}).
	ParseFS(assets, "assets/manifest.json.tmpl"))

// Config is what varies between deployments. Build validates it; see
// Validate for the rules.
type Config struct {
	// AppID is the bot's Microsoft Entra application id (MICROSOFT_APP_ID),
	// a GUID. It is also the Teams app id and webApplicationInfo.id.
	AppID string
	// BotID is the Azure Bot's Microsoft App ID; empty means AppID.
	BotID string
	// Version is the app package version, MAJOR.MINOR.PATCH. Teams only
	// accepts an update whose version is higher than the installed one.
	Version string
	// DeveloperName is shown as the publisher (at most 32 characters).
	DeveloperName string
	// WebsiteURL, PrivacyURL and TermsURL are https URLs shown in the app
	// details.
	WebsiteURL string
	PrivacyURL string
	TermsURL   string
	// ValidDomains are host names (optionally "*.example.se") the app may
	// open; bare hosts without scheme or path.
	ValidDomains []string
	// AccentColor is "#RRGGBB"; empty means DefaultAccentColor.
	AccentColor string
}

// Package file names, in the order they appear in the zip.
const (
	FileManifest = "manifest.json"
	FileEnglish  = englishFile
	FileColor    = "color.png"
	FileOutline  = "outline.png"
)

// Build validates cfg and returns the Teams app package (a zip).
func Build(cfg Config) ([]byte, error) {
	c, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	m, err := renderManifest(c)
	if err != nil {
		return nil, err
	}
	en, err := renderLocalization(textEN)
	if err != nil {
		return nil, err
	}
	color, err := assets.ReadFile("assets/color.png")
	if err != nil {
		return nil, fmt.Errorf("manifest: read color icon: %w", err)
	}
	outline, err := assets.ReadFile("assets/outline.png")
	if err != nil {
		return nil, fmt.Errorf("manifest: read outline icon: %w", err)
	}
	return zipFiles([]zipEntry{
		{FileManifest, m},
		{FileEnglish, en},
		{FileColor, color},
		{FileOutline, outline},
	})
}

// Write builds the package and writes it to path. The file appears whole or
// not at all: it is written to a temporary file beside path and renamed.
func Write(cfg Config, path string) error {
	if strings.TrimSpace(path) == "" {
		return fmt.Errorf("manifest: output path is empty")
	}
	data, err := Build(cfg)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("manifest: write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("manifest: write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("manifest: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("manifest: write %s: %w", path, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("manifest: write %s: %w", path, err)
	}
	return nil
}

// templateData is what manifest.json.tmpl sees.
type templateData struct {
	Config
	ManifestVersion string
	DefaultLanguage string
	EnglishLanguage string
	EnglishFile     string
	Resource        string
	Text            texts
	CommandLists    []jsonCommandList
}

type jsonCommandList struct {
	Scopes   []string      `json:"scopes"`
	Commands []commandText `json:"commands"`
}

func renderManifest(c Config) ([]byte, error) {
	d := templateData{
		Config:          c,
		ManifestVersion: ManifestVersion,
		DefaultLanguage: defaultLanguage,
		EnglishLanguage: englishLanguage,
		EnglishFile:     englishFile,
		// The SSO resource convention for bots: api://botid-{appId}.
		Resource:     "api://botid-" + c.AppID,
		Text:         textSV,
		CommandLists: renderCommandLists(textSV),
	}
	var buf bytes.Buffer
	if err := manifestTemplate.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("manifest: render manifest.json: %w", err)
	}
	return indentJSON(buf.Bytes(), "manifest.json")
}

func renderCommandLists(t texts) []jsonCommandList {
	out := make([]jsonCommandList, 0, len(commandLists))
	for _, l := range commandLists {
		jl := jsonCommandList{Scopes: l.Scopes, Commands: make([]commandText, 0, len(l.Commands))}
		for _, id := range l.Commands {
			jl.Commands = append(jl.Commands, t.Commands[id])
		}
		out = append(out, jl)
	}
	return out
}

// renderLocalization writes a localization file: the translated strings
// keyed by their JSON path in manifest.json, in manifest order.
func renderLocalization(t texts) ([]byte, error) {
	type kv struct{ k, v string }
	pairs := []kv{
		{"$schema", "https://developer.microsoft.com/json-schemas/teams/v" + ManifestVersion + "/MicrosoftTeams.Localization.schema.json"},
		{"name.short", t.NameShort},
		{"name.full", t.NameFull},
		{"description.short", t.DescriptionShort},
		{"description.full", t.DescriptionFull},
	}
	for i, l := range commandLists {
		for j, id := range l.Commands {
			p := fmt.Sprintf("bots[0].commandLists[%d].commands[%d].", i, j)
			pairs = append(pairs,
				kv{p + "title", t.Commands[id].Title},
				kv{p + "description", t.Commands[id].Description})
		}
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := jsonValue(p.k)
		if err != nil {
			return nil, err
		}
		v, err := jsonValue(p.v)
		if err != nil {
			return nil, err
		}
		buf.WriteString(k + ":" + v)
	}
	buf.WriteByte('}')
	return indentJSON(buf.Bytes(), englishFile)
}

// jsonValue encodes v as JSON without HTML escaping, so Swedish text and
// "–" stay readable in the package.
func jsonValue(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("manifest: encode %T: %w", v, err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func indentJSON(src []byte, name string) ([]byte, error) {
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, src); err != nil {
		return nil, fmt.Errorf("manifest: %s is not valid JSON: %w", name, err)
	}
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("manifest: indent %s: %w", name, err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

type zipEntry struct {
	name string
	data []byte
}

func zipFiles(files []zipEntry) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: zipTime}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("manifest: zip %s: %w", f.name, err)
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, fmt.Errorf("manifest: zip %s: %w", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("manifest: zip: %w", err)
	}
	return buf.Bytes(), nil
}
