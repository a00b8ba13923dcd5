#ifndef SHIPGATE_CSQLITE_WAL_H
#define SHIPGATE_CSQLITE_WAL_H
#include <sqlite3.h>

// A VFS over the default one that can gather a connection's WAL writes into one write per commit.
//
// SQLite writes each WAL frame with two write() calls (its 24-byte header, then the page), so a commit of
// a hundred pages costs two hundred system calls before its fsync. With coalescing on, appended frames wait
// in a buffer (124 KiB, 30 frames of 4 KiB pages) and reach the file in one write when SQLite syncs, reads,
// truncates, sizes or closes the WAL, or when the buffer is full.
//
// Coalescing is only correct with synchronous=FULL (the caller's duty): then every commit syncs the WAL, so
// its frames are in the file before the commit is acknowledged or published to other connections. Whatever
// is still buffered when the connection gives up the WAL write lock belongs to a transaction that did not
// commit, and is dropped: written later, it could land on frames another process has appended since.

/// The VFS's registered name.
const char *csqlite_wal_vfs_name(void);

/// Registers the VFS over the current default one (not as the default). Call once, before opening with it.
int csqlite_wal_vfs_register(void);

/// Turns coalescing on for the WAL of `db`'s main database: SQLITE_OK, or SQLITE_NOTFOUND when that WAL is not
/// open or not open through this VFS.
int csqlite_wal_coalesce(sqlite3 *db);

/// The writes SQLite asked of `db`'s WAL, those that reached the file, and the frames' bytes dropped as
/// uncommitted: SQLITE_OK, or SQLITE_NOTFOUND as above.
int csqlite_wal_write_counts(sqlite3 *db, sqlite3_int64 *requested, sqlite3_int64 *issued, sqlite3_int64 *droppedBytes);

#endif
