// Package nvram is the file-backed storage of one emulated router: its
// nvram:, flash: and bootflash: file systems, each a directory on the host.
//
// The layout follows the spirit of micromdm/scep's file depot: a small API over
// plain files that an operator can inspect with ls and cat.
//
//	STATE/devices/Root-CA/          the Store (0700)
//	STATE/devices/Root-CA/nvram/    one directory per device (0700)
//	STATE/devices/Root-CA/nvram.index   creation indexes shown by `dir`
//
// Every write is atomic (temporary file in the same directory, fsync, rename,
// fsync of the directory), so a crash or kill -9 leaves either the old or the
// new content, never a truncated file. On Linux a device's rewrite of a file
// goes through the directory's spare file and an exchange of names
// (renameat2 RENAME_EXCHANGE) rather than a new temporary file and a
// rename: the old content becomes the next spare, so that thousands of
// rewrites in a clock jump neither allocate nor free an inode. Leftover
// temporary files and spares are removed by Open. File modification times are set to the device's virtual time, so `dir`
// shows device time rather than wall time.
//
// Paths are relative to the device; absolute paths and ".." are rejected with
// an error.
package nvram
