package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"digibot/bot/devchat"
	"digibot/dialogs/answer"
	"digibot/dialogs/digest"
	"digibot/dialogs/status"
	"digibot/graph"
	"digibot/manifest"
)

// chatCommand runs the terminal client; with no bot at the endpoint it
// starts one in-process (embedded store, dev mode) and logs to a file.
func chatCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "sv", "language of the chat: sv or en")
	endpoint := fs.String("endpoint", devchat.DefaultEndpoint, "the bot's messaging endpoint")
	name := fs.String("name", "Utvecklare", "your display name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o := devchat.Options{Endpoint: *endpoint, Lang: *lang, UserName: *name, In: stdin, Out: stdout}
	o.StartServer = func(ctx context.Context, addr string) (func(), error) {
		cfg, err := LoadConfig(getenv)
		if err != nil {
			return nil, fmt.Errorf("configuration:\n%w", err)
		}
		if !cfg.DevMode() {
			return nil, fmt.Errorf("chat starts a local Digibot only in dev mode; unset MICROSOFT_APP_ID or start serve yourself")
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		logPath := filepath.Join(cfg.DataDir, "chat-serve.log")
		lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		log := newLogger(lf, cfg.File.Log.Level, cfg.File.Log.Format)
		a, err := buildApp(ctx, cfg, log)
		if err != nil {
			lf.Close()
			return nil, err
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			a.close()
			lf.Close()
			return nil, err
		}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := a.serve(sctx, ln); err != nil {
				log.Error("serve", "err", err)
			}
		}()
		return func() { cancel(); <-done; lf.Close() }, nil
	}
	if err := devchat.Run(ctx, o); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil // Ctrl-C ends a chat normally
}

// askCommand answers one question through the same pipeline as Teams.
// It records nothing: a question typed by an operator is no user's data.
func askCommand(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	e, err := newAnswers(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return err
	}
	defer e.Close()
	return answer.AskCommand(ctx, args, stdout, e)
}

// kbCommand: "kb lint [dir]" and "kb gaps".
func kbCommand(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return usageError{"kb: want a subcommand: lint [dir] | gaps [flags]"}
	}
	switch args[0] {
	case "lint":
		fsys := answer.EmbeddedFS()
		where := "embedded knowledge base"
		if len(args) > 1 {
			fsys, where = os.DirFS(args[1]), args[1]
		}
		problems := answer.Lint(fsys)
		errs := 0
		for _, p := range problems {
			fmt.Fprintln(stdout, p.String())
			if !p.Warning {
				errs++
			}
		}
		if errs > 0 {
			return fmt.Errorf("kb lint: %d problem(s) in %s", errs, where)
		}
		fmt.Fprintf(stdout, "kb lint: %s is fine (%d warning(s))\n", where, len(problems))
		return nil
	case "gaps":
		cfg, err := LoadConfig(getenv)
		if err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
		st, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		return answer.GapsCommand(ctx, args[1:], stdout, st)
	default:
		return usageError{fmt.Sprintf("kb: unknown subcommand %q (want lint or gaps)", args[0])}
	}
}

func manifestCommand(args []string, stdout io.Writer, getenv func(string) string) error {
	return manifest.Command(args, stdout, getenv)
}

// statusCommand: "status export …" reads the status history from the store.
func statusCommand(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "export" {
		return usageError{"status: want: status export [--format csv|md] [--year YYYY]"}
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return status.ExportCommand(ctx, args[1:], stdout, st)
}

// reportCommand: "report --year YYYY --format md|csv", the annual report
// material, read from the store with the capabilities configured as serve.
func reportCommand(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	caps, err := newCapabilities(cfg, slog.New(slog.DiscardHandler), st, graph.Disabled(), nil)
	if err != nil {
		return err
	}
	return digest.ReportCommand(ctx, args, stdout, caps.dopts)
}
