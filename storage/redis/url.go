package redis

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// urlForms lists the schemes Open accepts, for error messages.
const urlForms = "redis://, rediss://, unix://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster://"

// clientConfig is what a Redis URL describes: exactly one field is set.
type clientConfig struct {
	single   *goredis.Options
	failover *goredis.FailoverOptions
	cluster  *goredis.ClusterOptions
}

// newClient builds the client. go-redis panics on some option values (a
// pool size that overflows, say); that becomes an error here, because the
// URL is configuration, not code.
func (c clientConfig) newClient() (rdb goredis.UniversalClient, err error) {
	defer func() {
		if p := recover(); p != nil {
			rdb, err = nil, fmt.Errorf("storage/redis: the Redis URL's options do not work together: %v", p)
		}
	}()
	switch {
	case c.failover != nil:
		return goredis.NewFailoverClient(c.failover), nil
	case c.cluster != nil:
		return goredis.NewClusterClient(c.cluster), nil
	default:
		return goredis.NewClient(c.single), nil
	}
}

// addrs lists the servers the config names, for messages.
func (c clientConfig) addrs() []string {
	switch {
	case c.failover != nil:
		return c.failover.SentinelAddrs
	case c.cluster != nil:
		return c.cluster.Addrs
	default:
		return []string{c.single.Addr}
	}
}

// parseURL turns a Redis URL into client options. Errors never contain the
// URL itself, which may hold a password.
func parseURL(raw string) (clientConfig, error) {
	var cfg clientConfig
	if strings.TrimSpace(raw) == "" {
		return cfg, errors.New("storage/redis: no Redis URL given")
	}
	var extra []string // more hosts of a Sentinel or Cluster host list
	if strings.HasSuffix(schemeOf(raw), "+sentinel") || strings.HasSuffix(schemeOf(raw), "+cluster") {
		raw, extra = cutHostList(raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the whole URL, password included
		}
		return cfg, fmt.Errorf("storage/redis: bad Redis URL: %w", err)
	}
	scheme := u.Scheme
	bad := func(err error) (clientConfig, error) {
		return clientConfig{}, fmt.Errorf("storage/redis: bad %s URL: %w", scheme, err)
	}
	q := u.Query()
	if err := checkNumbers(q); err != nil {
		return bad(err)
	}
	retriesSet := q.Has("max_retries")
	switch scheme {
	case "redis", "rediss", "unix":
		o, err := goredis.ParseURL(raw)
		if err != nil {
			return bad(err)
		}
		clientDefaults(&o.ContextTimeoutEnabled, &o.MaxRetries, retriesSet)
		cfg.single = o
	case "redis+sentinel", "rediss+sentinel":
		if err := spreadHosts(u, extra, q, "26379"); err != nil {
			return bad(err)
		}
		if q.Has("master") {
			if q.Has("master_name") {
				return bad(errors.New("give master or master_name, not both"))
			}
			q.Set("master_name", q.Get("master"))
			q.Del("master")
		}
		if q.Get("master_name") == "" {
			return bad(errors.New("the Sentinel master is missing: add ?master_name=<name>"))
		}
		u.Scheme = strings.TrimSuffix(u.Scheme, "+sentinel")
		u.RawQuery = q.Encode()
		o, err := goredis.ParseFailoverURL(u.String())
		if err != nil {
			return bad(err)
		}
		if o.RouteByLatency || o.RouteRandomly {
			// go-redis serves those only with a client that reads from
			// replicas, which would break read-your-writes here.
			return bad(errors.New("route_by_latency and route_randomly are not supported with Sentinel"))
		}
		clientDefaults(&o.ContextTimeoutEnabled, &o.MaxRetries, retriesSet)
		cfg.failover = o
	case "redis+cluster", "rediss+cluster":
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return bad(errors.New("Redis Cluster has only database 0"))
		}
		if err := spreadHosts(u, extra, q, "6379"); err != nil {
			return bad(err)
		}
		u.Scheme = strings.TrimSuffix(u.Scheme, "+cluster")
		u.Path, u.RawPath = "", ""
		u.RawQuery = q.Encode()
		o, err := goredis.ParseClusterURL(u.String())
		if err != nil {
			return bad(err)
		}
		clientDefaults(&o.ContextTimeoutEnabled, &o.MaxRetries, retriesSet)
		cfg.cluster = o
	case "":
		return cfg, fmt.Errorf("storage/redis: the Redis URL has no scheme: use %s", urlForms)
	default:
		return cfg, fmt.Errorf("storage/redis: unsupported Redis URL scheme %q: use %s", scheme, urlForms)
	}
	return cfg, nil
}

// clientDefaults applies Digibot's settings: context deadlines honoured,
// and no automatic retries unless the URL asks (see Open).
func clientDefaults(contextTimeout *bool, maxRetries *int, retriesSet bool) {
	*contextTimeout = true
	if !retriesSet {
		*maxRetries = -1
	}
}

// maxOption bounds numeric options. go-redis panics on some values (a pool
// size beyond int32, for one), and no sane setting comes near it.
const maxOption = 100_000

// checkNumbers refuses integer options outside 0..maxOption, or
// -1..maxOption for the options where go-redis reads -1 as "off" (a
// negative pool size, for one, panics inside go-redis).
func checkNumbers(q url.Values) error {
	for name, values := range q {
		low := int64(0)
		if canDisable(name) {
			low = -1
		}
		for _, v := range values {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && (n < low || n > maxOption) {
				return fmt.Errorf("option %s=%d is outside %d..%d", name, n, low, maxOption)
			}
		}
	}
	return nil
}

func canDisable(option string) bool {
	switch option {
	case "max_retries", "max_redirects", "pipeline_pool_size", "max_conn_age":
		return true
	}
	for _, s := range []string{"timeout", "backoff", "lifetime", "idle_time"} {
		if strings.Contains(option, s) {
			return true
		}
	}
	return false
}

func schemeOf(raw string) string {
	scheme, _, _ := strings.Cut(raw, "://")
	return scheme
}

// cutHostList keeps the first host of a comma-separated host list in raw
// and returns the others: url.Parse reads "h1:1,h2" as host "h1:1,h2"
// with the bad port "1,h2".
func cutHostList(raw string) (string, []string) {
	head, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw, nil
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	at := strings.LastIndexByte(authority, '@') + 1
	hosts := strings.Split(authority[at:], ",")
	return head + "://" + authority[:at] + hosts[0] + rest[end:], hosts[1:]
}

// spreadHosts gives the first host and the extra ones a port (defaultPort
// where missing) and passes the extra ones as addr parameters, which is how
// go-redis takes several servers.
func spreadHosts(u *url.URL, extra []string, q url.Values, defaultPort string) error {
	hosts := append([]string{u.Host}, extra...)
	for i, h := range hosts {
		if h == "" {
			return errors.New("empty host in the host list")
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), defaultPort)
			if _, _, err := net.SplitHostPort(h); err != nil {
				return fmt.Errorf("bad host %q", hosts[i])
			}
		}
		if i == 0 {
			u.Host = h
		} else {
			q.Add("addr", h)
		}
	}
	return nil
}
