// Command digibot is Region Gävleborg's Teams bot for the strategy for
// digital transformation 2024–2027. This package only wires: config →
// storage → dialogs → bot. Run "digibot help" for the subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // schedules are Europe/Stockholm even on images without tzdata
)

const usage = `digibot – Region Gävleborg's Teams bot for digital transformation

Usage:
  digibot [serve]                 run the bot endpoint (default)
  digibot chat [-lang en]         chat with Digibot in the terminal (starts a local serve if none runs)
  digibot ask [--json] "question" answer one question through the same pipeline as Teams
  digibot kb lint [dir]           check the knowledge base (embedded, or dir)
  digibot kb gaps [-days N]       the top unanswered questions and 👎 articles
  digibot status export [--format csv|md] [--year YYYY]
                                  activity status history for the annual report
  digibot report --year YYYY [--format md|csv]
                                  annual report material: status history, coaching, questions, digest trend
  digibot audit export [--from D] [--to D] [--format json|csv]
                                  the audit trail (admin actions, status and owner changes, bookings)
  digibot gdpr export|delete --user <aad-id> [--out FILE | --yes]
                                  everything stored about one person, or its erasure
  digibot manifest [flags]        build the Teams app package (zip)
  digibot version                 print the version

Configuration comes from environment variables and an optional YAML file
(DIGIBOT_CONFIG); see README.md. Without MICROSOFT_APP_ID Digibot runs in
dev mode: no Azure needed, loopback clients only.
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "digibot:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError marks a wrong command line (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serveCommand(ctx, args, stderr, getenv)
	case "chat":
		return chatCommand(ctx, args, stdin, stdout, stderr, getenv)
	case "ask":
		return askCommand(ctx, args, stdout, getenv)
	case "kb":
		return kbCommand(ctx, args, stdout, getenv)
	case "report":
		return reportCommand(ctx, args, stdout, getenv)
	case "audit":
		return auditCommand(ctx, args, stdout, getenv)
	case "status":
		return statusCommand(ctx, args, stdout, getenv)
	case "gdpr":
		return gdprCommand(ctx, args, stdout, getenv)
	case "manifest":
		return manifestCommand(args, stdout, getenv)
	case "version":
		_, err := fmt.Fprintln(stdout, "digibot", version)
		return err
	case "help", "-h", "--help":
		_, err := io.WriteString(stdout, usage)
		return err
	default:
		return usageError{fmt.Sprintf("unknown command %q\n\n%s", cmd, usage)}
	}
}

// newLogger builds the process logger from the config.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level)) // validated in config
	opts := &slog.HandlerOptions{Level: lv}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
