package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Open connects to the Redis named by rawURL and pings it once with ctx.
// The forms are:
//
//	redis://[[user]:pass@]host:port[/db][?option=value…]    one server
//	rediss://…                                               the same over TLS
//	redis://[[user]:pass@]host:port,host:port[?…]            a Cluster (several addresses)
//	redis-sentinel://[[user]:pass@]host:port[,host:port]/master-name[?db=N]
//	                                                         Sentinel; pass is the master's,
//	                                                         sentinel_password=… the sentinels'
//
// Options are go-redis' (dial_timeout, pool_size, …). A URL that cannot be
// used is an error saying what is wrong with it; the password is never
// repeated in errors.
func Open(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	cfg, err := parseRedisURL(rawURL)
	if err != nil {
		return nil, err
	}
	c := cfg.client()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("connect to redis at %s: %w: %w", cfg.where(), ErrUnreachable, err)
	}
	return c, nil
}

// ErrUnreachable: the URL is fine but Redis did not answer (yet).
var ErrUnreachable = errors.New("redis unreachable")

// redisConfig is a parsed Redis URL: exactly one of its fields is set.
type redisConfig struct {
	single   *redis.Options
	cluster  *redis.ClusterOptions
	failover *redis.FailoverOptions
}

// client builds the client; go-redis connects lazily, so this does no I/O.
// It speaks RESP2 unless the URL asks otherwise (protocol=3): pecbot uses
// nothing of RESP3 (push notifications: client-side caching, maintenance
// events), and go-redis looks for pending pushes around every command of
// a RESP3 connection (about 5% of the bot's CPU under load).
func (c redisConfig) client() redis.UniversalClient {
	switch {
	case c.cluster != nil:
		c.cluster.Protocol = cmp.Or(c.cluster.Protocol, 2)
		return redis.NewClusterClient(c.cluster)
	case c.failover != nil:
		c.failover.Protocol = cmp.Or(c.failover.Protocol, 2)
		return redis.NewFailoverClient(c.failover)
	default:
		c.single.Protocol = cmp.Or(c.single.Protocol, 2)
		return redis.NewClient(c.single)
	}
}

// where names the server(s) for error messages, without credentials.
func (c redisConfig) where() string {
	switch {
	case c.cluster != nil:
		return "cluster " + strings.Join(c.cluster.Addrs, ",")
	case c.failover != nil:
		return fmt.Sprintf("sentinel %s master %q", strings.Join(c.failover.SentinelAddrs, ","), c.failover.MasterName)
	default:
		return c.single.Addr
	}
}

// parseRedisURL reads the forms Open accepts. go-redis parses single-server
// and Cluster URLs itself, but takes extra addresses as addr=… options; the
// comma-separated host list, the usual spelling, is rewritten into those.
func parseRedisURL(rawURL string) (redisConfig, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return redisConfig{}, errors.New("redis URL: missing scheme (want redis://, rediss:// or redis-sentinel://)")
	}
	// The authority ends at the first "/" or "?"; a password containing
	// them must be percent-encoded, as in any URL.
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	userinfo, hostList, hasUser := cutLast(authority, "@")
	if !hasUser {
		userinfo, hostList = "", authority
	}
	hosts := strings.Split(hostList, ",")
	for _, h := range hosts {
		if h == "" {
			return redisConfig{}, fmt.Errorf("redis URL: empty address in %q", hostList)
		}
		if _, port, err := net.SplitHostPort(h); err == nil {
			if _, err := strconv.ParseUint(port, 10, 16); err != nil {
				return redisConfig{}, fmt.Errorf("redis URL: bad port in address %q", h)
			}
		}
	}
	u, err := url.Parse(scheme + "://" + hosts[0] + tail)
	if err != nil {
		return redisConfig{}, fmt.Errorf("redis URL: %w", redactErr(err))
	}
	if hasUser {
		if u.User, err = parseUserinfo(userinfo); err != nil {
			return redisConfig{}, err
		}
	}

	switch scheme {
	case "redis", "rediss":
		if len(hosts) == 1 {
			o, err := redis.ParseURL(u.String())
			if err != nil {
				return redisConfig{}, fmt.Errorf("redis URL: %w", err)
			}
			return redisConfig{single: o}, nil
		}
		return parseClusterURL(u, hosts[1:])
	case "redis-sentinel", "rediss-sentinel":
		return parseSentinelURL(u, hosts[1:])
	default:
		return redisConfig{}, fmt.Errorf("redis URL: unsupported scheme %q (want redis, rediss or redis-sentinel)", scheme)
	}
}

func parseClusterURL(u *url.URL, more []string) (redisConfig, error) {
	if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
		return redisConfig{}, fmt.Errorf("redis URL: database %q given for a cluster, which has only database 0", p)
	}
	u.Path = ""
	q := u.Query()
	for _, h := range more {
		q.Add("addr", h)
	}
	u.RawQuery = q.Encode()
	o, err := redis.ParseClusterURL(u.String())
	if err != nil {
		return redisConfig{}, fmt.Errorf("redis cluster URL: %w", err)
	}
	return redisConfig{cluster: o}, nil
}

func parseSentinelURL(u *url.URL, more []string) (redisConfig, error) {
	master := strings.Trim(u.Path, "/")
	if master == "" || strings.Contains(master, "/") {
		return redisConfig{}, fmt.Errorf("redis-sentinel URL: want the master name as the path, got %q", u.Path)
	}
	q := u.Query()
	// go-redis reads the URL's userinfo as the sentinels' credentials and
	// password=… as the master's; ours is the other way round, the
	// common case being a password on the data nodes only.
	if u.User != nil {
		if name := u.User.Username(); name != "" {
			q.Set("username", name)
		}
		if pass, ok := u.User.Password(); ok {
			q.Set("password", pass)
		}
		u.User = nil
	}
	if q.Has("sentinel_password") || q.Has("sentinel_username") {
		u.User = url.UserPassword(q.Get("sentinel_username"), q.Get("sentinel_password"))
		q.Del("sentinel_username")
		q.Del("sentinel_password")
	}
	if q.Has("master_name") {
		return redisConfig{}, errors.New("redis-sentinel URL: the master name goes in the path, not master_name=")
	}
	q.Set("master_name", master)
	for _, h := range more {
		q.Add("addr", h)
	}
	u.Scheme = strings.TrimSuffix(u.Scheme, "-sentinel")
	u.Path = ""
	u.RawQuery = q.Encode()
	o, err := redis.ParseFailoverURL(u.String())
	if err != nil {
		return redisConfig{}, fmt.Errorf("redis-sentinel URL: %w", err)
	}
	return redisConfig{failover: o}, nil
}

// parseUserinfo reads "user:pass" (either part may be empty), percent-decoded.
func parseUserinfo(s string) (*url.Userinfo, error) {
	name, pass, hasPass := strings.Cut(s, ":")
	name, err := url.PathUnescape(name)
	if err != nil {
		return nil, errors.New("redis URL: bad percent-encoding in the user name")
	}
	if !hasPass {
		return url.User(name), nil
	}
	if pass, err = url.PathUnescape(pass); err != nil {
		return nil, errors.New("redis URL: bad percent-encoding in the password")
	}
	return url.UserPassword(name, pass), nil
}

// cutLast is strings.Cut at the last sep, since a password may hold "@".
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// redactErr keeps url.Parse's reason but not the URL it quotes, which may
// hold the password.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
