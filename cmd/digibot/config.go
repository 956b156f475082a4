package main

import (
	"bytes"
	"digibot/bot/identity"
	"digibot/dialogs/answer"
	"digibot/dialogs/coaching"
	"digibot/dialogs/digest"
	"digibot/dialogs/status"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is everything Digibot is told at start. Secrets and endpoints come
// from the environment; the rest from one YAML file (DIGIBOT_CONFIG).
type Config struct {
	// From the environment.
	Addr        string // DIGIBOT_ADDR
	DataDir     string // DIGIBOT_DATA_DIR
	StoreURL    string // DIGIBOT_STORE: redis://… or empty for the embedded store
	RedisPrefix string // DIGIBOT_REDIS_PREFIX: key prefix, so environments can share a Redis
	AppID       string // MICROSOFT_APP_ID: empty means dev mode
	TenantID    string // MICROSOFT_APP_TENANT_ID
	// Identity is the outbound credential (client secret, certificate,
	// managed or workload identity); see bot/identity for its variables.
	Identity              identity.Config
	BotFrameworkOpenIDURL string // DIGIBOT_BOTFRAMEWORK_OPENID_URL (tests)
	EntraOpenIDURL        string // DIGIBOT_ENTRA_OPENID_URL (tests)
	AuthorityHost         string // DIGIBOT_AUTHORITY_HOST (tests, sovereign clouds)
	GraphURL              string // DIGIBOT_GRAPH_URL: Graph base URL (tests, sovereign clouds)
	ConfigPath            string // DIGIBOT_CONFIG
	AdminAddr             string // DIGIBOT_ADMIN_ADDR: loopback address of the admin API
	AdminToken            string // DIGIBOT_ADMIN_TOKEN: bearer token; empty turns the admin API off

	File FileConfig
}

// FileConfig is the YAML file. Unknown keys are errors, so a typo is
// caught at start rather than silently ignored.
type FileConfig struct {
	Log struct {
		Level  string `yaml:"level"`  // debug, info, warn, error
		Format string `yaml:"format"` // json, text
	} `yaml:"log"`
	HTTP struct {
		MaxBodyBytes int64 `yaml:"max_body_bytes"`
	} `yaml:"http"`
	Admins struct {
		Users  []string `yaml:"users"`  // Entra object ids
		Groups []string `yaml:"groups"` // Entra group object ids
	} `yaml:"admins"`
	Answer struct {
		Threshold      float64 `yaml:"threshold"`
		KBDir          string  `yaml:"kb_dir"`
		ForwardChannel string  `yaml:"forward_channel"` // conversation reference key of the coordinating function's channel
	} `yaml:"answer"`
	Outbox struct {
		MaxAttempts int `yaml:"max_attempts"`
		// LeaseTTL is how long a replica holds an entry it is sending:
		// after a crash another replica sends the entry once it ends.
		LeaseTTL time.Duration `yaml:"lease_ttl"`
	} `yaml:"outbox"`
	Graph struct {
		// Disabled keeps Digibot off Graph even in production (features
		// that need it say so). Graph uses the bot's own credential.
		Disabled      bool   `yaml:"disabled"`
		CatalogAppID  string `yaml:"catalog_app_id"`  // Digibot's id in the org app catalog (installs for owners)
		ManifestAppID string `yaml:"manifest_app_id"` // the manifest's "id"
	} `yaml:"graph"`
	Coaching  coaching.Config `yaml:"coaching"`
	Status    status.Config   `yaml:"status"`
	Digest    digest.Config   `yaml:"digest"`
	Retention struct {
		QuestionsDays int `yaml:"questions_days"` // question and feedback logs
		OutboxDays    int `yaml:"outbox_days"`    // settled outbox entries
	} `yaml:"retention"`
}

// DevMode is true when no bot identity is configured.
func (c *Config) DevMode() bool { return c.AppID == "" }

// maxConfigFile bounds the YAML file; a real one is a few KB.
const maxConfigFile = 1 << 20

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// LoadConfig reads the environment (through getenv) and the YAML file it
// names, applies defaults and validates. Every error names the key.
func LoadConfig(getenv func(string) string) (*Config, error) {
	c := &Config{
		Addr:                  or(getenv("DIGIBOT_ADDR"), ":3978"),
		DataDir:               or(getenv("DIGIBOT_DATA_DIR"), "./data"),
		StoreURL:              strings.TrimSpace(getenv("DIGIBOT_STORE")),
		RedisPrefix:           or(getenv("DIGIBOT_REDIS_PREFIX"), "digibot:"),
		AppID:                 strings.TrimSpace(getenv("MICROSOFT_APP_ID")),
		TenantID:              strings.TrimSpace(getenv("MICROSOFT_APP_TENANT_ID")),
		BotFrameworkOpenIDURL: getenv("DIGIBOT_BOTFRAMEWORK_OPENID_URL"),
		EntraOpenIDURL:        getenv("DIGIBOT_ENTRA_OPENID_URL"),
		AuthorityHost:         getenv("DIGIBOT_AUTHORITY_HOST"),
		GraphURL:              getenv("DIGIBOT_GRAPH_URL"),
		ConfigPath:            getenv("DIGIBOT_CONFIG"),
		AdminAddr:             or(getenv("DIGIBOT_ADMIN_ADDR"), "127.0.0.1:3980"),
		AdminToken:            strings.TrimSpace(getenv("DIGIBOT_ADMIN_TOKEN")),
	}
	var errs []error
	idc, err := identity.ConfigFromEnv(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	c.Identity = idc
	c.Identity.AuthorityHost = c.AuthorityHost
	if c.ConfigPath != "" {
		f, err := os.Open(c.ConfigPath)
		if err != nil {
			return nil, fmt.Errorf("DIGIBOT_CONFIG: %w", err)
		}
		defer f.Close()
		fc, err := ParseFileConfig(f)
		if err != nil {
			return nil, fmt.Errorf("DIGIBOT_CONFIG %s: %w", c.ConfigPath, err)
		}
		c.File = *fc
	} else {
		c.File.applyDefaults()
	}
	errs = append(errs, c.validateEnv()...)
	return c, errors.Join(errs...)
}

// ParseFileConfig decodes and validates the YAML config file.
func ParseFileConfig(r io.Reader) (*FileConfig, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigFile+1))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if len(data) > maxConfigFile {
		return nil, fmt.Errorf("config file larger than %d bytes", maxConfigFile)
	}
	var fc FileConfig
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config is not valid YAML for Digibot: %w", err)
		}
	}
	fc.applyDefaults()
	if err := fc.validate(); err != nil {
		return nil, err
	}
	return &fc, nil
}

func (f *FileConfig) applyDefaults() {
	f.Log.Level = or(f.Log.Level, "info")
	f.Log.Format = or(f.Log.Format, "json")
	if f.HTTP.MaxBodyBytes == 0 {
		f.HTTP.MaxBodyBytes = 256 << 10
	}
	if f.Answer.Threshold == 0 {
		f.Answer.Threshold = defaultAnswerThreshold
	}
	if f.Outbox.MaxAttempts == 0 {
		f.Outbox.MaxAttempts = 10
	}
	if f.Outbox.LeaseTTL == 0 {
		f.Outbox.LeaseTTL = 2 * time.Minute
	}
	if f.Retention.QuestionsDays == 0 {
		f.Retention.QuestionsDays = 90
	}
	if f.Retention.OutboxDays == 0 {
		f.Retention.OutboxDays = 30
	}
}

// defaultAnswerThreshold is the retrieval confidence below which Digibot
// says it does not know; calibrated on the evaluation set.
const defaultAnswerThreshold = answer.DefaultThreshold

func (f *FileConfig) validate() error {
	var errs []error
	switch f.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level: %q is not one of debug, info, warn, error", f.Log.Level))
	}
	switch f.Log.Format {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("log.format: %q is not json or text", f.Log.Format))
	}
	if f.HTTP.MaxBodyBytes < 16<<10 || f.HTTP.MaxBodyBytes > 16<<20 {
		errs = append(errs, fmt.Errorf("http.max_body_bytes: %d is outside 16384–16777216", f.HTTP.MaxBodyBytes))
	}
	for i, id := range f.Admins.Users {
		if !guidRE.MatchString(id) {
			errs = append(errs, fmt.Errorf("admins.users[%d]: %q is not an Entra object id (GUID)", i, id))
		}
	}
	for i, id := range f.Admins.Groups {
		if !guidRE.MatchString(id) {
			errs = append(errs, fmt.Errorf("admins.groups[%d]: %q is not an Entra group id (GUID)", i, id))
		}
	}
	if f.Answer.Threshold <= 0 || f.Answer.Threshold >= 1 {
		errs = append(errs, fmt.Errorf("answer.threshold: %v must be between 0 and 1", f.Answer.Threshold))
	}
	if fc := f.Answer.ForwardChannel; fc != "" && !strings.HasPrefix(fc, "conv:") {
		errs = append(errs, fmt.Errorf("answer.forward_channel: %q must be a channel reference key like conv:19:…@thread.tacv2", fc))
	}
	if f.Outbox.MaxAttempts < 1 || f.Outbox.MaxAttempts > 100 {
		errs = append(errs, fmt.Errorf("outbox.max_attempts: %d is outside 1–100", f.Outbox.MaxAttempts))
	}
	if d := f.Outbox.LeaseTTL; d < 10*time.Second || d > time.Hour {
		errs = append(errs, fmt.Errorf("outbox.lease_ttl: %s is outside 10s–1h", d))
	}
	if err := f.Coaching.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := f.Status.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := f.Digest.Validate(); err != nil {
		errs = append(errs, err)
	}
	if d := f.Retention.QuestionsDays; d < 1 || d > 3650 {
		errs = append(errs, fmt.Errorf("retention.questions_days: %d is outside 1–3650", d))
	}
	if d := f.Retention.OutboxDays; d < 1 || d > 3650 {
		errs = append(errs, fmt.Errorf("retention.outbox_days: %d is outside 1–3650", d))
	}
	return errors.Join(errs...)
}

func (c *Config) validateEnv() []error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("DIGIBOT_ADDR: %q is not host:port (%v)", c.Addr, err))
	}
	if host, _, err := net.SplitHostPort(c.AdminAddr); err != nil {
		errs = append(errs, fmt.Errorf("DIGIBOT_ADMIN_ADDR: %q is not host:port", c.AdminAddr))
	} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		errs = append(errs, fmt.Errorf("DIGIBOT_ADMIN_ADDR: %q must be a loopback address (the admin API is never exposed)", c.AdminAddr))
	}
	if c.AdminToken != "" && len(c.AdminToken) < 24 {
		errs = append(errs, errors.New("DIGIBOT_ADMIN_TOKEN: must be at least 24 characters"))
	}
	if c.StoreURL != "" && !strings.HasPrefix(c.StoreURL, "redis") {
		errs = append(errs, fmt.Errorf("DIGIBOT_STORE: %q must be a redis://, rediss:// or redis+sentinel:// URL, or empty for the embedded store", redact(c.StoreURL)))
	}
	id := c.Identity
	if c.AppID == "" {
		if id.ClientSecret != "" || id.CertificatePath != "" || id.ManagedIdentity {
			errs = append(errs, errors.New("MICROSOFT_APP_ID: must be set when MICROSOFT_APP_PASSWORD, MICROSOFT_APP_CERT_PATH or MICROSOFT_APP_MANAGED_IDENTITY is"))
		}
		return errs
	}
	if !guidRE.MatchString(c.AppID) {
		errs = append(errs, fmt.Errorf("MICROSOFT_APP_ID: %q is not a GUID", c.AppID))
	}
	if !guidRE.MatchString(c.TenantID) {
		errs = append(errs, fmt.Errorf("MICROSOFT_APP_TENANT_ID: %q must be your tenant's GUID (single-tenant bot registration)", c.TenantID))
	}
	// Which credential, and whether it is complete, is checked where it is
	// built; its messages name the variables. Building touches no network.
	if _, _, err := identity.NewCredential(id); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// redact hides a password in a store URL for messages and logs.
func redact(u string) string {
	if i := strings.Index(u, "@"); i > 0 {
		if j := strings.Index(u, "://"); j > 0 && j < i {
			return u[:j+3] + "***" + u[i:]
		}
	}
	return u
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}
