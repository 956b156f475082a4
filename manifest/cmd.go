package manifest

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Environment variables read as flag defaults by Command.
const (
	envAppID         = "MICROSOFT_APP_ID"
	envVersion       = "DIGIBOT_APP_VERSION"
	envDeveloperName = "DIGIBOT_DEVELOPER_NAME"
	envWebsiteURL    = "DIGIBOT_WEBSITE_URL"
	envPrivacyURL    = "DIGIBOT_PRIVACY_URL"
	envTermsURL      = "DIGIBOT_TERMS_URL"
	envValidDomains  = "DIGIBOT_VALID_DOMAINS" // comma-separated
	envAccentColor   = "DIGIBOT_ACCENT_COLOR"
)

// Defaults used when neither a flag nor its environment variable is set.
const (
	DefaultOut           = "digibot-teams-app.zip"
	DefaultVersion       = "1.0.0"
	DefaultDeveloperName = "Region Gävleborg"
	DefaultWebsiteURL    = "https://www.regiongavleborg.se/"
)

// Command is `digibot manifest`: it parses args (the arguments after the
// subcommand name), builds the Teams app package and writes it to -out.
// env looks up environment variables (os.Getenv; nil means none are set);
// they give flag defaults, and flags win. -h prints usage to stdout and
// returns nil. A bad flag or config value returns an error naming it and
// writes nothing.
func Command(args []string, stdout io.Writer, env func(string) string) error {
	if env == nil {
		env = func(string) string { return "" }
	}
	or := func(key, def string) string {
		if v := strings.TrimSpace(env(key)); v != "" {
			return v
		}
		return def
	}

	fs := flag.NewFlagSet("manifest", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var cfg Config
	out := fs.String("out", DefaultOut, "`path` of the Teams app package (zip) to write")
	fs.StringVar(&cfg.AppID, "app-id", or(envAppID, ""), "bot's Microsoft App ID, a GUID (default $"+envAppID+")")
	fs.StringVar(&cfg.BotID, "bot-id", "", "Azure Bot's Microsoft App ID if it differs from -app-id")
	fs.StringVar(&cfg.Version, "version", or(envVersion, DefaultVersion), "package version MAJOR.MINOR.PATCH; raise it for every upload ($"+envVersion+")")
	fs.StringVar(&cfg.DeveloperName, "developer-name", or(envDeveloperName, DefaultDeveloperName), "publisher shown in Teams, at most 32 characters ($"+envDeveloperName+")")
	fs.StringVar(&cfg.WebsiteURL, "website-url", or(envWebsiteURL, DefaultWebsiteURL), "https URL of the publisher's site ($"+envWebsiteURL+")")
	fs.StringVar(&cfg.PrivacyURL, "privacy-url", or(envPrivacyURL, ""), "https URL of the privacy statement, required ($"+envPrivacyURL+")")
	fs.StringVar(&cfg.TermsURL, "terms-url", or(envTermsURL, ""), "https URL of the terms of use, required ($"+envTermsURL+")")
	fs.StringVar(&cfg.AccentColor, "accent-color", or(envAccentColor, DefaultAccentColor), "accent colour #RRGGBB ($"+envAccentColor+")")
	domains := &listFlag{vals: splitList(env(envValidDomains))}
	fs.Var(domains, "domain", "valid domain (host name, *.host allowed); repeat or separate with commas; replaces $"+envValidDomains)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: digibot manifest [flags]\n\nBuilds the Teams app package (manifest.json, en-US.json, color.png, outline.png).\n\nFlags:\n")
		fs.PrintDefaults()
	}

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("manifest: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("manifest: unexpected argument %s (flags only; see -h)", quoteShort(fs.Arg(0)))
	}
	cfg.ValidDomains = domains.vals

	if err := Write(cfg, *out); err != nil {
		return err
	}
	n, _ := cfg.normalize() // already validated by Write
	_, err := fmt.Fprintf(stdout, "wrote %s: Teams manifest %s, app id %s, version %s\n", *out, ManifestVersion, n.AppID, n.Version)
	return err
}

// listFlag is a repeatable, comma-separated string flag. The first use on
// the command line replaces the default taken from the environment.
type listFlag struct {
	vals []string
	set  bool
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.vals, ",")
}

func (l *listFlag) Set(s string) error {
	if !l.set {
		l.vals, l.set = nil, true
	}
	l.vals = append(l.vals, splitList(s)...)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
