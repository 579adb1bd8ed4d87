package history

import (
	"errors"
	"io/fs"
	"os"
)

// swapAside replaces final with stage where the two cannot be exchanged
// atomically: final is renamed aside, stage renamed in, and the old
// partition moved to stage for the caller to remove. Between the two
// renames the partition is missing, never half written.
func swapAside(stage, final string) error {
	aside := stage + ".old"
	if err := os.Rename(final, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return os.Rename(stage, final)
		}
		return err
	}
	if err := os.Rename(stage, final); err != nil {
		os.Rename(aside, final) // put the old one back
		return err
	}
	return os.Rename(aside, stage)
}
