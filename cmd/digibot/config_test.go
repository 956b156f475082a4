package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const (
	testAppID  = "11111111-2222-3333-4444-555555555555"
	testTenant = "66666666-7777-8888-9999-000000000000"
)

func TestLoadConfigDefaults(t *testing.T) {
	c, err := LoadConfig(envOf(nil))
	if err != nil {
		t.Fatalf("defaults must be valid: %v", err)
	}
	if c.Addr != ":3978" || c.DataDir != "./data" || c.StoreURL != "" || !c.DevMode() {
		t.Errorf("unexpected defaults: %+v", c)
	}
	if c.File.Log.Format != "json" || c.File.Answer.Threshold != defaultAnswerThreshold || c.File.HTTP.MaxBodyBytes != 256<<10 {
		t.Errorf("unexpected file defaults: %+v", c.File)
	}
}

func TestLoadConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad addr", map[string]string{"DIGIBOT_ADDR": "nonsense"}, "DIGIBOT_ADDR"},
		{"bad store", map[string]string{"DIGIBOT_STORE": "postgres://u:secret@h/db"}, "DIGIBOT_STORE"},
		{"app id not guid", map[string]string{"MICROSOFT_APP_ID": "abc", "MICROSOFT_APP_TENANT_ID": testTenant, "MICROSOFT_APP_PASSWORD": "x"}, "MICROSOFT_APP_ID"},
		{"tenant missing", map[string]string{"MICROSOFT_APP_ID": testAppID, "MICROSOFT_APP_PASSWORD": "x"}, "MICROSOFT_APP_TENANT_ID"},
		{"no credential", map[string]string{"MICROSOFT_APP_ID": testAppID, "MICROSOFT_APP_TENANT_ID": testTenant}, "MICROSOFT_APP_PASSWORD"},
		{"two credentials", map[string]string{"MICROSOFT_APP_ID": testAppID, "MICROSOFT_APP_TENANT_ID": testTenant, "MICROSOFT_APP_PASSWORD": "x", "MICROSOFT_APP_MANAGED_IDENTITY": "true"}, "MICROSOFT_APP_MANAGED_IDENTITY"},
		{"secret without app id", map[string]string{"MICROSOFT_APP_PASSWORD": "x"}, "MICROSOFT_APP_ID"},
		{"managed identity not bool", map[string]string{"MICROSOFT_APP_MANAGED_IDENTITY": "perhaps"}, "MICROSOFT_APP_MANAGED_IDENTITY"},
		{"config missing", map[string]string{"DIGIBOT_CONFIG": "/nonexistent/digibot.yaml"}, "DIGIBOT_CONFIG"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(envOf(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error naming %q, got %v", tc.want, err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestLoadConfigProduction(t *testing.T) {
	c, err := LoadConfig(envOf(map[string]string{
		"MICROSOFT_APP_ID": testAppID, "MICROSOFT_APP_TENANT_ID": testTenant, "MICROSOFT_APP_PASSWORD": "pw",
		"DIGIBOT_STORE": "redis://127.0.0.1:6379/0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DevMode() || c.StoreURL == "" {
		t.Fatalf("want production with redis: %+v", c)
	}
}

func TestParseFileConfig(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"empty", "", ""},
		{"full", "log:\n  level: debug\n  format: text\nadmins:\n  users: [" + testAppID + "]\nanswer:\n  threshold: 0.4\n  forward_channel: \"conv:19:abc@thread.tacv2\"\n", ""},
		{"unknown key", "anser:\n  threshold: 0.3\n", "anser"},
		{"bad level", "log:\n  level: loud\n", "log.level"},
		{"bad admin", "admins:\n  users: [bob]\n", "admins.users[0]"},
		{"bad group", "admins:\n  groups: [x]\n", "admins.groups[0]"},
		{"threshold range", "answer:\n  threshold: 1.5\n", "answer.threshold"},
		{"forward channel", "answer:\n  forward_channel: general\n", "answer.forward_channel"},
		{"body limit", "http:\n  max_body_bytes: 10\n", "http.max_body_bytes"},
		{"attempts", "outbox:\n  max_attempts: 1000\n", "outbox.max_attempts"},
		{"not yaml", "log: [\n", "not valid YAML"},
		{"wrong type", "answer:\n  threshold: high\n", "not valid YAML"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFileConfig(strings.NewReader(tc.yaml))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("want error containing %q, got %v", tc.wantErr, err)
			}
		})
	}
}

func TestLoadConfigFromFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "digibot.yaml")
	if err := os.WriteFile(p, []byte("log:\n  format: text\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(envOf(map[string]string{"DIGIBOT_CONFIG": p}))
	if err != nil {
		t.Fatal(err)
	}
	if c.File.Log.Format != "text" || c.File.Log.Level != "info" {
		t.Fatalf("file not applied: %+v", c.File.Log)
	}
}

func TestRedact(t *testing.T) {
	if got := redact("redis://user:pw@host:6379/0"); strings.Contains(got, "pw") {
		t.Fatalf("password not redacted: %s", got)
	}
}

func FuzzParseFileConfig(f *testing.F) {
	f.Add("log:\n  level: info\n")
	f.Add("admins:\n  users: [a]\n")
	f.Add("answer: {threshold: 0.5, forward_channel: 'conv:x'}")
	f.Add("\x00\xff")
	f.Fuzz(func(t *testing.T, in string) {
		fc, err := ParseFileConfig(strings.NewReader(in))
		if err == nil && (fc.Answer.Threshold <= 0 || fc.Answer.Threshold >= 1) {
			t.Fatalf("accepted invalid threshold %v", fc.Answer.Threshold)
		}
	})
}
