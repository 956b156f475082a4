package bot

import (
	"errors"

	"digibot/storage"
)

func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
