package redis

import (
	"context"
	"regexp"

	goredis "github.com/redis/go-redis/v9"

	"digibot/storage"
)

// logIDRE is the shape of every ID appendLogScript makes.
var logIDRE = regexp.MustCompile(`^[0-9]{19}-[0-9]{20}$`)

// KEYS: entries. ARGV: triples of id, op ("d" delete, "r" replace), data.
// A member is the id followed by the data, so the entry of an id is the
// first member at or after it, if it starts with the id. Returns how many
// entries were found.
var editLogScript = goredis.NewScript(`
local n = 0
for i = 1, #ARGV, 3 do
  local id = ARGV[i]
  local m = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. id, '+', 'LIMIT', 0, 1)
  if #m == 1 and string.sub(m[1], 1, #id) == id then
    redis.call('ZREM', KEYS[1], m[1])
    if ARGV[i + 1] == 'r' then
      redis.call('ZADD', KEYS[1], 0, id .. ARGV[i + 2])
    end
    n = n + 1
  end
end
return n
`)

// EditLog replaces or deletes existing entries in one script.
func (s *Store) EditLog(ctx context.Context, log string, edits []storage.LogEdit) (int, error) {
	const op = "edit log"
	if err := checkKey(op, "log name", log); err != nil {
		return 0, err
	}
	if len(edits) > storage.MaxLogEdits {
		return 0, invalid(op, "%d edits, more than %d", len(edits), storage.MaxLogEdits)
	}
	args := make([]any, 0, 3*len(edits))
	seen := make(map[string]bool, len(edits))
	for _, e := range edits {
		if !logIDRE.MatchString(e.ID) {
			return 0, invalid(op, "entry id %q is malformed", e.ID)
		}
		if seen[e.ID] {
			return 0, invalid(op, "entry id %q is edited twice", e.ID)
		}
		seen[e.ID] = true
		verb := "r"
		if e.Delete {
			verb = "d"
		}
		args = append(args, e.ID, verb, e.Data)
	}
	if len(edits) == 0 {
		return 0, nil
	}
	entries, _ := s.keys.log(log)
	n, err := editLogScript.Run(ctx, s.rdb, []string{entries}, args...).Int()
	if err != nil {
		return 0, wrap(op, err)
	}
	return n, nil
}
