package manifest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestCommand(t *testing.T) {
	const flagID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
	baseEnv := map[string]string{
		"MICROSOFT_APP_ID":      testAppID,
		"DIGIBOT_PRIVACY_URL":   "https://www.regiongavleborg.se/integritet",
		"DIGIBOT_TERMS_URL":     "https://www.regiongavleborg.se/villkor",
		"DIGIBOT_VALID_DOMAINS": "digibot.regiongavleborg.se, env.regiongavleborg.se",
	}
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		wantErr     string // substring; "" = success
		wantID      string
		wantVersion string
		wantDomains []any
	}{
		{
			name: "env defaults", env: baseEnv,
			wantID: testAppID, wantVersion: DefaultVersion,
			wantDomains: []any{"digibot.regiongavleborg.se", "env.regiongavleborg.se"},
		},
		{
			name: "flags win over env", env: baseEnv,
			args:   []string{"-app-id", flagID, "-version", "2.0.1", "-domain", "a.example.se,b.example.se", "-domain", "c.example.se"},
			wantID: flagID, wantVersion: "2.0.1",
			wantDomains: []any{"a.example.se", "b.example.se", "c.example.se"},
		},
		{
			name: "version from env", env: merge(baseEnv, map[string]string{"DIGIBOT_APP_VERSION": "3.1.4"}),
			wantID: testAppID, wantVersion: "3.1.4",
			wantDomains: []any{"digibot.regiongavleborg.se", "env.regiongavleborg.se"},
		},
		{
			name: "no app id anywhere", env: merge(baseEnv, map[string]string{"MICROSOFT_APP_ID": ""}),
			wantErr: "-app-id or MICROSOFT_APP_ID",
		},
		{
			name: "bad app id in env", env: merge(baseEnv, map[string]string{"MICROSOFT_APP_ID": "not-a-guid"}),
			wantErr: "AppID",
		},
		{
			name: "privacy url missing", env: merge(baseEnv, map[string]string{"DIGIBOT_PRIVACY_URL": ""}),
			wantErr: "-privacy-url",
		},
		{name: "unknown flag", env: baseEnv, args: []string{"-colour", "red"}, wantErr: "flag provided but not defined"},
		{name: "stray argument", env: baseEnv, args: []string{"build"}, wantErr: "unexpected argument"},
		{name: "nil env", env: nil, wantErr: "AppID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "pkg.zip")
			var stdout bytes.Buffer
			var env func(string) string
			if tc.env != nil {
				env = envMap(tc.env)
			}
			err := Command(append([]string{"-out", out}, tc.args...), &stdout, env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				if _, statErr := os.Stat(out); statErr == nil {
					t.Fatal("a failed command wrote the package")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout.String(), "wrote "+out) {
				t.Errorf("stdout = %q", stdout.String())
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			_, files := unzip(t, data)
			var m map[string]any
			if err := json.Unmarshal(files[FileManifest], &m); err != nil {
				t.Fatal(err)
			}
			if m["id"] != tc.wantID || m["version"] != tc.wantVersion {
				t.Errorf("id, version = %v, %v; want %v, %v", m["id"], m["version"], tc.wantID, tc.wantVersion)
			}
			if !reflect.DeepEqual(m["validDomains"], tc.wantDomains) {
				t.Errorf("validDomains = %v, want %v", m["validDomains"], tc.wantDomains)
			}
			if got := get(t, m, "developer", "name"); got != DefaultDeveloperName {
				t.Errorf("developer name = %v", got)
			}
		})
	}
}

func TestCommandHelp(t *testing.T) {
	var stdout bytes.Buffer
	if err := Command([]string{"-h"}, &stdout, nil); err != nil {
		t.Fatalf("-h returned %v", err)
	}
	for _, want := range []string{"digibot manifest", "-app-id", "MICROSOFT_APP_ID", "-out", "-privacy-url", "-domain"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, stdout.String())
		}
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
