//go:build linux

package history

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// swapIn moves the staged directory to final. When final exists the two
// are exchanged in one step, so final is never missing; the old partition
// is left at stage for the caller to remove.
func swapIn(stage, final string) error {
	err := unix.Renameat2(unix.AT_FDCWD, stage, unix.AT_FDCWD, final, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOENT):
		return os.Rename(stage, final) // no partition yet
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS):
		return swapAside(stage, final) // a file system without RENAME_EXCHANGE
	}
	return err
}
