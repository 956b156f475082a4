package redis

import (
	"context"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	type want struct {
		kind       string // single, failover, cluster
		addrs      []string
		db         int
		tls        bool
		master     string
		user, pass string
		maxRetries int
	}
	cases := []struct {
		url  string
		want want
	}{
		{"redis://localhost", want{kind: "single", addrs: []string{"localhost:6379"}, maxRetries: -1}},
		{"redis://:s3cret@redis.example:6380/2", want{kind: "single", addrs: []string{"redis.example:6380"}, db: 2, pass: "s3cret", maxRetries: -1}},
		{"rediss://digibot:pw@cache.redis.cache.windows.net:6380/0", want{kind: "single", addrs: []string{"cache.redis.cache.windows.net:6380"}, tls: true, user: "digibot", pass: "pw", maxRetries: -1}},
		{"redis://h:6379/1?max_retries=2&dial_timeout=3s", want{kind: "single", addrs: []string{"h:6379"}, db: 1, maxRetries: 2}},
		{"unix:///run/redis/redis.sock?db=3", want{kind: "single", addrs: []string{"/run/redis/redis.sock"}, db: 3, maxRetries: -1}},
		{"redis+sentinel://s1:26379,s2,s3:26380/1?master=mymaster", want{kind: "failover",
			addrs: []string{"s1:26379", "s2:26379", "s3:26380"}, db: 1, master: "mymaster", maxRetries: -1}},
		{"rediss+sentinel://s1?master_name=m&addr=[::1]:26379&password=pw", want{kind: "failover",
			addrs: []string{"s1:26379", "[::1]:26379"}, tls: true, master: "m", pass: "pw", maxRetries: -1}},
		{"redis+cluster://n1:7000,n2:7001,n3", want{kind: "cluster", addrs: []string{"n1:7000", "n2:7001", "n3:6379"}, maxRetries: -1}},
		{"rediss+cluster://u:p@n1:7000/0?max_retries=1", want{kind: "cluster", addrs: []string{"n1:7000"}, tls: true, user: "u", pass: "p", maxRetries: 1}},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			cfg, err := parseURL(c.url)
			if err != nil {
				t.Fatalf("parseURL: %v", err)
			}
			var got want
			got.addrs = cfg.addrs()
			switch {
			case cfg.single != nil:
				o := cfg.single
				got.kind, got.db, got.tls, got.user, got.pass, got.maxRetries = "single", o.DB, o.TLSConfig != nil, o.Username, o.Password, o.MaxRetries
				if !o.ContextTimeoutEnabled {
					t.Error("context deadlines not honoured")
				}
			case cfg.failover != nil:
				o := cfg.failover
				got.kind, got.db, got.tls, got.master, got.user, got.pass, got.maxRetries = "failover", o.DB, o.TLSConfig != nil, o.MasterName, o.Username, o.Password, o.MaxRetries
				if !o.ContextTimeoutEnabled {
					t.Error("context deadlines not honoured")
				}
			case cfg.cluster != nil:
				o := cfg.cluster
				got.kind, got.tls, got.user, got.pass, got.maxRetries = "cluster", o.TLSConfig != nil, o.Username, o.Password, o.MaxRetries
				if !o.ContextTimeoutEnabled {
					t.Error("context deadlines not honoured")
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("parseURL = %+v, want %+v", got, c.want)
			}
		})
	}
	cfg, err := parseURL("redis://h/0?dial_timeout=3&read_timeout=500ms")
	if err != nil || cfg.single.DialTimeout != 3*time.Second || cfg.single.ReadTimeout != 500*time.Millisecond {
		t.Fatalf("timeouts not taken from the URL: %+v, %v", cfg.single, err)
	}
}

func TestParseURLRejects(t *testing.T) {
	const secret = "Sup3rS3cretPassw0rd"
	cases := []struct {
		url, says string
	}{
		{"", "no Redis URL"},
		{"   ", "no Redis URL"},
		{"localhost:6379", "scheme"},
		{"http://localhost", `unsupported Redis URL scheme "http"`},
		{"redis://h/notadb", "invalid database number"},
		{"redis://h/0?bogus=1", "unexpected option: bogus"},
		{"redis://h/0?dial_timeout=soon", "dial_timeout"},
		{"redis+sentinel://s1,s2/0", "master_name"},
		{"redis+sentinel://s1?master=a&master_name=b", "not both"},
		{"redis+sentinel://s1,,s2?master=m", "empty host"},
		{"redis+sentinel:///0?master=m", "empty host"},
		{"redis+cluster://n1/3", "only database 0"},
		{"redis+cluster://n1?addr=nohostport", "addr"},
		{"redis://:" + secret + "@h:notaport/0", "bad Redis URL"},
		{"redis://user:" + secret + "@h:6379/x", "invalid database number"},
		{"redis+sentinel://user:" + secret + "@s1/0", "master_name"},
		{"redis://a b", "bad Redis URL"},
	}
	for _, c := range cases {
		cfg, err := parseURL(c.url)
		if err == nil {
			t.Errorf("parseURL(%q) accepted: %+v", c.url, cfg)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "storage/redis: ") || !strings.Contains(msg, c.says) {
			t.Errorf("parseURL(%q) = %q, want it to say %q", c.url, msg, c.says)
		}
		if strings.Contains(msg, secret) {
			t.Errorf("parseURL(%q) error reveals the password: %q", c.url, msg)
		}
	}
}

// FuzzParseURL: whatever the configuration holds, parsing never panics, a
// refused URL gets a message, and an accepted one names a server.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"redis://localhost:6379/0", "rediss://u:p@h:6380/1?dial_timeout=2s", "unix:///tmp/r.sock?db=1",
		"redis+sentinel://a:26379,b/0?master=m", "rediss+sentinel://[::1]:26379?master_name=m&addr=h:1",
		"redis+cluster://a,b:7000,c", "redis://h/0?max_retries=-1&pool_size=x", "redis://%zz", "redis+cluster://,",
		"redis+sentinel://[::1],h?master=m", "redis://h:99999999999999999999", "unix://", "redis://[", "",
		"redis+cluster://h/0?addr=%5B::1%5D:7000&read_only=true", "redis://h/0?skip_verify=true",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cfg, err := parseURL(raw)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "storage/redis: ") {
				t.Fatalf("error without context: %q", err)
			}
			return
		}
		set := 0
		for _, p := range []bool{cfg.single != nil, cfg.failover != nil, cfg.cluster != nil} {
			if p {
				set++
			}
		}
		if set != 1 {
			t.Fatalf("parseURL(%q) set %d client kinds", raw, set)
		}
		addrs := cfg.addrs()
		if len(addrs) == 0 {
			t.Fatalf("parseURL(%q) names no server", raw)
		}
		for _, a := range addrs {
			if a == "" {
				t.Fatalf("parseURL(%q) names an empty server", raw)
			}
		}
	})
}

func TestOpenNeverPanicsOnOptions(t *testing.T) {
	// A server that hangs up at once: every Open must fail with an error,
	// never panic.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	urls := []string{
		"redis+sentinel://127.0.0.1:1?master=m&route_randomly=true",
		"redis+sentinel://127.0.0.1:1?master=m&route_by_latency=true",
		"redis://127.0.0.1:1/0?pipeline_pool_size=3000000000",
		"redis+cluster://127.0.0.1:1?pipeline_pool_size=3000000000",
	}
	for _, opts := range []string{
		"pool_size=-1", "min_idle_conns=-1", "max_idle_conns=-1", "max_active_conns=-1", "pipeline_pool_size=-1",
		"pipeline_read_buffer_size=-1", "max_concurrent_dials=-1", "protocol=-1", "db=-1", "dialer_retries=-1",
		"pool_size=100000&max_active_conns=100000&pipeline_pool_size=100000&pipeline_read_buffer_size=100000",
		"max_retries=-1&dial_timeout=-1&read_timeout=100000&pool_timeout=-1&conn_max_lifetime=-1&conn_max_idle_time=-1",
	} {
		for _, base := range []string{"redis://127.0.0.1:1/0?", "redis+cluster://127.0.0.1:1?", "redis+sentinel://127.0.0.1:1?master=m&"} {
			urls = append(urls, base+opts)
		}
	}
	for _, raw := range urls {
		raw = strings.Replace(raw, "127.0.0.1:1", l.Addr().String(), 1)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		s, err := Open(ctx, raw)
		cancel()
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded against a server that hangs up", raw)
		} else if !strings.HasPrefix(err.Error(), "storage/redis: ") {
			t.Errorf("Open(%q) = %q, want a storage/redis error", raw, err)
		}
	}
}
