package outbox

import (
	"testing"

	"digibot/storage/redis/redistest"
)

func redisBackends() []backend {
	return []backend{{"redis", func(t testing.TB) Store {
		s, _ := redistest.Open(t, "outbox")
		return s
	}}}
}
