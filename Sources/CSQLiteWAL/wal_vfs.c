#include "csqlite_wal.h"
#include <string.h>

// The unix VFS writes at most 128 KiB - 1 bytes per call (it masks the length with 0x1ffff).
#define WAL_BUFFER_CAPACITY (124 * 1024)
#define ROUND8(n) (((n) + 7) & ~7)
// wal.c's lock slots in shared memory: slot 0 is the write lock.
#define WAL_WRITE_LOCK 0

typedef struct DatabaseFile DatabaseFile;

// A WAL file. Like a database file below, its underlying VFS's file lives right after the struct, in the memory
// SQLite hands to xOpen.
typedef struct WALFile {
    sqlite3_file base;
    sqlite3_file *real;
    DatabaseFile *database;
    int coalesce;
    unsigned char *buffer;
    sqlite3_int64 bufferOffset;
    int bufferLength;
    sqlite3_int64 requested;
    sqlite3_int64 issued;
    sqlite3_int64 droppedBytes;
} WALFile;

// A main database file, wrapped only to see its WAL write lock released.
struct DatabaseFile {
    sqlite3_file base;
    sqlite3_file *real;
    WALFile *wal;
};

#define FILE_HEADER_SIZE ROUND8((int)(sizeof(WALFile) > sizeof(DatabaseFile) ? sizeof(WALFile) : sizeof(DatabaseFile)))

static sqlite3_vfs *underlying;
static sqlite3_vfs walVFS;
static const sqlite3_io_methods walMethods;
static const sqlite3_io_methods databaseMethods;

// MARK: - WAL file

static int realWrite(WALFile *f, const void *data, int amount, sqlite3_int64 offset) {
    f->issued++;
    return f->real->pMethods->xWrite(f->real, data, amount, offset);
}

// Writes what is buffered. On failure the frames are lost, and so is the transaction that wrote them: SQLite
// gets the error from the call that needed them (at the latest the commit's sync) and rolls back.
static int flush(WALFile *f) {
    if (f->bufferLength == 0) return SQLITE_OK;
    int length = f->bufferLength;
    f->bufferLength = 0;
    return realWrite(f, f->buffer, length, f->bufferOffset);
}

static int walClose(sqlite3_file *file) {
    WALFile *f = (WALFile *)file;
    int rc = flush(f);
    sqlite3_free(f->buffer);
    f->buffer = NULL;
    if (f->database != NULL) f->database->wal = NULL;
    int closed = f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : closed;
}

static int walRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    WALFile *f = (WALFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xRead(f->real, data, amount, offset);
}

static int walWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    WALFile *f = (WALFile *)file;
    f->requested++;
    if (!f->coalesce) return realWrite(f, data, amount, offset);
    if (f->bufferLength > 0 && offset == f->bufferOffset + f->bufferLength && amount <= WAL_BUFFER_CAPACITY - f->bufferLength) {
        memcpy(f->buffer + f->bufferLength, data, (size_t)amount);
        f->bufferLength += amount;
        return SQLITE_OK;
    }
    // Anything but an append (a frame rewritten within its transaction, the header at a restart) goes after
    // what is buffered, in order.
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    if (f->buffer == NULL) f->buffer = sqlite3_malloc(WAL_BUFFER_CAPACITY);
    if (f->buffer == NULL || amount > WAL_BUFFER_CAPACITY) return realWrite(f, data, amount, offset);
    memcpy(f->buffer, data, (size_t)amount);
    f->bufferOffset = offset;
    f->bufferLength = amount;
    return SQLITE_OK;
}

static int walTruncate(sqlite3_file *file, sqlite3_int64 size) {
    WALFile *f = (WALFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xTruncate(f->real, size);
}

static int walSync(sqlite3_file *file, int flags) {
    WALFile *f = (WALFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xSync(f->real, flags);
}

static int walFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    WALFile *f = (WALFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileSize(f->real, size);
}

static int walLock(sqlite3_file *file, int lock) { return ((WALFile *)file)->real->pMethods->xLock(((WALFile *)file)->real, lock); }
static int walUnlock(sqlite3_file *file, int lock) { return ((WALFile *)file)->real->pMethods->xUnlock(((WALFile *)file)->real, lock); }
static int walCheckReservedLock(sqlite3_file *file, int *out) {
    return ((WALFile *)file)->real->pMethods->xCheckReservedLock(((WALFile *)file)->real, out);
}
static int walFileControl(sqlite3_file *file, int op, void *arg) {
    return ((WALFile *)file)->real->pMethods->xFileControl(((WALFile *)file)->real, op, arg);
}
static int walSectorSize(sqlite3_file *file) { return ((WALFile *)file)->real->pMethods->xSectorSize(((WALFile *)file)->real); }
static int walDeviceCharacteristics(sqlite3_file *file) {
    return ((WALFile *)file)->real->pMethods->xDeviceCharacteristics(((WALFile *)file)->real);
}

// Version 1: SQLite maps shared memory and pages through the database file, never through its WAL.
static const sqlite3_io_methods walMethods = {
    1, walClose, walRead, walWrite, walTruncate, walSync, walFileSize, walLock, walUnlock, walCheckReservedLock,
    walFileControl, walSectorSize, walDeviceCharacteristics,
};

// MARK: - Database file: everything passes through; releasing the WAL write lock drops uncommitted frames.

#define REAL(file) (((DatabaseFile *)(file))->real)

static int databaseClose(sqlite3_file *file) {
    DatabaseFile *f = (DatabaseFile *)file;
    if (f->wal != NULL) f->wal->database = NULL;
    return f->real->pMethods->xClose(f->real);
}
static int databaseRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    return REAL(file)->pMethods->xRead(REAL(file), data, amount, offset);
}
static int databaseWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    return REAL(file)->pMethods->xWrite(REAL(file), data, amount, offset);
}
static int databaseTruncate(sqlite3_file *file, sqlite3_int64 size) { return REAL(file)->pMethods->xTruncate(REAL(file), size); }
static int databaseSync(sqlite3_file *file, int flags) { return REAL(file)->pMethods->xSync(REAL(file), flags); }
static int databaseFileSize(sqlite3_file *file, sqlite3_int64 *size) { return REAL(file)->pMethods->xFileSize(REAL(file), size); }
static int databaseLock(sqlite3_file *file, int lock) { return REAL(file)->pMethods->xLock(REAL(file), lock); }
static int databaseUnlock(sqlite3_file *file, int lock) { return REAL(file)->pMethods->xUnlock(REAL(file), lock); }
static int databaseCheckReservedLock(sqlite3_file *file, int *out) { return REAL(file)->pMethods->xCheckReservedLock(REAL(file), out); }
static int databaseFileControl(sqlite3_file *file, int op, void *arg) { return REAL(file)->pMethods->xFileControl(REAL(file), op, arg); }
static int databaseSectorSize(sqlite3_file *file) { return REAL(file)->pMethods->xSectorSize(REAL(file)); }
static int databaseDeviceCharacteristics(sqlite3_file *file) { return REAL(file)->pMethods->xDeviceCharacteristics(REAL(file)); }
static int databaseShmMap(sqlite3_file *file, int page, int pageSize, int extend, void volatile **out) {
    return REAL(file)->pMethods->xShmMap(REAL(file), page, pageSize, extend, out);
}

static int databaseShmLock(sqlite3_file *file, int offset, int count, int flags) {
    DatabaseFile *f = (DatabaseFile *)file;
    int releasesWriteLock = (flags & SQLITE_SHM_UNLOCK) && offset <= WAL_WRITE_LOCK && WAL_WRITE_LOCK < offset + count;
    if (releasesWriteLock && f->wal != NULL && f->wal->bufferLength > 0) {
        // Every commit syncs, which empties the buffer: what is left is a rolled-back transaction's.
        f->wal->droppedBytes += f->wal->bufferLength;
        f->wal->bufferLength = 0;
    }
    return f->real->pMethods->xShmLock(f->real, offset, count, flags);
}

static void databaseShmBarrier(sqlite3_file *file) { REAL(file)->pMethods->xShmBarrier(REAL(file)); }
static int databaseShmUnmap(sqlite3_file *file, int deleteFlag) { return REAL(file)->pMethods->xShmUnmap(REAL(file), deleteFlag); }
static int databaseFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
    return REAL(file)->pMethods->xFetch(REAL(file), offset, amount, out);
}
static int databaseUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *page) {
    return REAL(file)->pMethods->xUnfetch(REAL(file), offset, page);
}

static const sqlite3_io_methods databaseMethods = {
    3, databaseClose, databaseRead, databaseWrite, databaseTruncate, databaseSync, databaseFileSize, databaseLock, databaseUnlock,
    databaseCheckReservedLock, databaseFileControl, databaseSectorSize, databaseDeviceCharacteristics, databaseShmMap,
    databaseShmLock, databaseShmBarrier, databaseShmUnmap, databaseFetch, databaseUnfetch,
};

// MARK: - VFS

// Opens the underlying file right after our header; on failure closes it as xOpen's contract asks.
static int openReal(sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags, sqlite3_file **real) {
    *real = (sqlite3_file *)((char *)file + FILE_HEADER_SIZE);
    int rc = underlying->xOpen(underlying, name, *real, flags, outFlags);
    if (rc == SQLITE_OK && (*real)->pMethods->iVersion < 3) rc = SQLITE_CANTOPEN;
    if (rc != SQLITE_OK && (*real)->pMethods != NULL) {
        (*real)->pMethods->xClose(*real);
        (*real)->pMethods = NULL;
    }
    return rc;
}

// Main database and WAL files are wrapped; everything else (journals, temporary files) is the underlying VFS's own.
static int vfsOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    if (flags & SQLITE_OPEN_MAIN_DB) {
        DatabaseFile *f = (DatabaseFile *)file;
        memset(f, 0, sizeof *f);
        int rc = openReal(name, file, flags, outFlags, &f->real);
        f->base.pMethods = rc == SQLITE_OK ? &databaseMethods : NULL;
        return rc;
    }
    if (flags & SQLITE_OPEN_WAL) {
        WALFile *f = (WALFile *)file;
        memset(f, 0, sizeof *f);
        int rc = openReal(name, file, flags, outFlags, &f->real);
        if (rc != SQLITE_OK) {
            f->base.pMethods = NULL;
            return rc;
        }
        f->base.pMethods = &walMethods;
        sqlite3_file *database = sqlite3_database_file_object(name);
        if (database != NULL && database->pMethods == &databaseMethods) {
            f->database = (DatabaseFile *)database;
            f->database->wal = f;
        }
        return SQLITE_OK;
    }
    return underlying->xOpen(underlying, name, file, flags, outFlags);
}

static int vfsDelete(sqlite3_vfs *vfs, const char *name, int syncDir) { (void)vfs; return underlying->xDelete(underlying, name, syncDir); }
static int vfsAccess(sqlite3_vfs *vfs, const char *name, int flags, int *out) { (void)vfs; return underlying->xAccess(underlying, name, flags, out); }
static int vfsFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    return underlying->xFullPathname(underlying, name, size, out);
}
static void *vfsDlOpen(sqlite3_vfs *vfs, const char *name) { (void)vfs; return underlying->xDlOpen(underlying, name); }
static void vfsDlError(sqlite3_vfs *vfs, int size, char *message) { (void)vfs; underlying->xDlError(underlying, size, message); }
static void (*vfsDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) { (void)vfs; return underlying->xDlSym(underlying, handle, symbol); }
static void vfsDlClose(sqlite3_vfs *vfs, void *handle) { (void)vfs; underlying->xDlClose(underlying, handle); }
static int vfsRandomness(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; return underlying->xRandomness(underlying, size, out); }
static int vfsSleep(sqlite3_vfs *vfs, int microseconds) { (void)vfs; return underlying->xSleep(underlying, microseconds); }
static int vfsCurrentTime(sqlite3_vfs *vfs, double *out) { (void)vfs; return underlying->xCurrentTime(underlying, out); }
static int vfsGetLastError(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; return underlying->xGetLastError(underlying, size, out); }
static int vfsCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *out) { (void)vfs; return underlying->xCurrentTimeInt64(underlying, out); }

const char *csqlite_wal_vfs_name(void) { return "shipgate-wal"; }

int csqlite_wal_vfs_register(void) {
    if (underlying != NULL) return SQLITE_OK;
    sqlite3_vfs *base = sqlite3_vfs_find(NULL);
    if (base == NULL || base->iVersion < 2) return SQLITE_ERROR;
    underlying = base;
    walVFS.iVersion = 2;
    walVFS.szOsFile = FILE_HEADER_SIZE + base->szOsFile;
    walVFS.mxPathname = base->mxPathname;
    walVFS.zName = csqlite_wal_vfs_name();
    walVFS.xOpen = vfsOpen;
    walVFS.xDelete = vfsDelete;
    walVFS.xAccess = vfsAccess;
    walVFS.xFullPathname = vfsFullPathname;
    walVFS.xDlOpen = vfsDlOpen;
    walVFS.xDlError = vfsDlError;
    walVFS.xDlSym = vfsDlSym;
    walVFS.xDlClose = vfsDlClose;
    walVFS.xRandomness = vfsRandomness;
    walVFS.xSleep = vfsSleep;
    walVFS.xCurrentTime = vfsCurrentTime;
    walVFS.xGetLastError = vfsGetLastError;
    walVFS.xCurrentTimeInt64 = vfsCurrentTimeInt64;
    return sqlite3_vfs_register(&walVFS, 0);
}

static WALFile *walFile(sqlite3 *db) {
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) != SQLITE_OK) return NULL;
    if (file == NULL || file->pMethods != &walMethods) return NULL;
    return (WALFile *)file;
}

int csqlite_wal_coalesce(sqlite3 *db) {
    WALFile *f = walFile(db);
    if (f == NULL || f->database == NULL) return SQLITE_NOTFOUND;
    f->coalesce = 1;
    return SQLITE_OK;
}

int csqlite_wal_write_counts(sqlite3 *db, sqlite3_int64 *requested, sqlite3_int64 *issued, sqlite3_int64 *droppedBytes) {
    WALFile *f = walFile(db);
    if (f == NULL) return SQLITE_NOTFOUND;
    *requested = f->requested;
    *issued = f->issued;
    *droppedBytes = f->droppedBytes;
    return SQLITE_OK;
}
