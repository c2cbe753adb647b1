/* An LD_PRELOAD journal of what a process writes under one folder, and when it syncs.
 *
 * A power cut loses what the disk's cache held: every write made since the last
 * fsync/fdatasync of its file may or may not be on the platter. This shim lets the
 * writes through unchanged (so the process sees a normal disk) and appends, in the order
 * they happened, one record per write, truncate, sync and unlink of a file under
 * $POWERCUT_DIR to $POWERCUT_LOG. tests/kiosk/powercut/disk.py replays that journal to
 * build what the disk could hold after a cut at any point.
 *
 * Each record is one write(2) on an O_APPEND descriptor, so records of several threads
 * (and the marks the test's child appends itself) never interleave. The real call and its
 * record happen under one lock, so the journal's order is the order of the calls; the
 * record is written before the call returns, so a sync the caller saw finish is always
 * in the journal.
 *
 * Record: kind (1 byte: W write, T truncate, S sync, U unlink), path length (u32), path,
 * then for W: offset (u64), length (u64), the bytes; for T: the new size (u64).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FDS 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *watched_paths[MAX_FDS]; /* the path of each tracked descriptor, else NULL */
static int journal = -1;
static char folder[4096];
static size_t folder_length;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ftruncate64)(int, off64_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_unlink)(const char *);

__attribute__((constructor)) static void start(void) {
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_open64 = dlsym(RTLD_NEXT, "open64");
    real_openat64 = dlsym(RTLD_NEXT, "openat64");
    real_close = dlsym(RTLD_NEXT, "close");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    const char *dir = getenv("POWERCUT_DIR");
    const char *log = getenv("POWERCUT_LOG");
    if (dir == NULL || log == NULL || strlen(dir) + 2 > sizeof folder)
        return;
    strcpy(folder, dir);
    if (folder[strlen(folder) - 1] != '/')
        strcat(folder, "/");
    folder_length = strlen(folder);
    journal = real_open64(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

static int watched(const char *path) {
    return journal >= 0 && path != NULL && strncmp(path, folder, folder_length) == 0;
}

/* One record in one write; the caller holds the lock. */
static void record(char kind, const char *path, uint64_t first, uint64_t second,
                   const void *data, size_t length) {
    uint32_t path_length = (uint32_t)strlen(path);
    size_t size = 1 + 4 + path_length + (kind == 'W' ? 16 + length : kind == 'T' ? 8 : 0);
    unsigned char *buffer = malloc(size), *at = buffer;
    if (buffer == NULL)
        abort(); /* a journal with a hole would prove nothing */
    *at++ = (unsigned char)kind;
    memcpy(at, &path_length, 4), at += 4;
    memcpy(at, path, path_length), at += path_length;
    if (kind == 'W') {
        memcpy(at, &first, 8), at += 8;
        memcpy(at, &second, 8), at += 8;
        memcpy(at, data, length);
    } else if (kind == 'T') {
        memcpy(at, &first, 8);
    }
    if (real_write(journal, buffer, size) != (ssize_t)size)
        abort();
    free(buffer);
}

static const char *path_of(int fd) {
    return fd >= 0 && fd < MAX_FDS ? watched_paths[fd] : NULL;
}

static int opened(int fd, const char *path, int flags) {
    if (fd >= 0 && fd < MAX_FDS && watched(path)) {
        free(watched_paths[fd]);
        watched_paths[fd] = strdup(path);
        if (flags & O_TRUNC)
            record('T', path, 0, 0, NULL, 0);
    }
    return fd;
}

static int open_any(const char *path, int flags, mode_t mode) {
    pthread_mutex_lock(&lock);
    int fd = opened(real_open64(path, flags, mode), path, flags);
    pthread_mutex_unlock(&lock);
    return fd;
}

int open(const char *path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(args, mode_t) : 0;
    va_end(args);
    return open_any(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(args, mode_t) : 0;
    va_end(args);
    return open_any(path, flags, mode);
}

static int openat_any(int dirfd, const char *path, int flags, mode_t mode) {
    pthread_mutex_lock(&lock);
    int fd = real_openat64(dirfd, path, flags, mode);
    /* Only absolute paths are matched: SQLite opens its files by their full name. */
    if (path != NULL && path[0] == '/')
        opened(fd, path, flags);
    pthread_mutex_unlock(&lock);
    return fd;
}

int openat(int dirfd, const char *path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(args, mode_t) : 0;
    va_end(args);
    return openat_any(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(args, mode_t) : 0;
    va_end(args);
    return openat_any(dirfd, path, flags, mode);
}

int close(int fd) {
    pthread_mutex_lock(&lock);
    if (fd >= 0 && fd < MAX_FDS && watched_paths[fd] != NULL) {
        free(watched_paths[fd]);
        watched_paths[fd] = NULL;
    }
    int result = real_close(fd);
    pthread_mutex_unlock(&lock);
    return result;
}

ssize_t pwrite64(int fd, const void *data, size_t length, off64_t offset) {
    pthread_mutex_lock(&lock);
    ssize_t written = real_pwrite64(fd, data, length, offset);
    const char *path = path_of(fd);
    if (path != NULL && written > 0)
        record('W', path, (uint64_t)offset, (uint64_t)written, data, (size_t)written);
    pthread_mutex_unlock(&lock);
    return written;
}

ssize_t pwrite(int fd, const void *data, size_t length, off_t offset) {
    return pwrite64(fd, data, length, offset);
}

ssize_t write(int fd, const void *data, size_t length) {
    if (path_of(fd) == NULL) /* stdout, pipes, sockets: not ours, no lock */
        return real_write(fd, data, length);
    pthread_mutex_lock(&lock);
    off64_t offset = lseek64(fd, 0, SEEK_CUR);
    ssize_t written = real_write(fd, data, length);
    const char *path = path_of(fd);
    if (path != NULL && written > 0 && offset >= 0)
        record('W', path, (uint64_t)offset, (uint64_t)written, data, (size_t)written);
    pthread_mutex_unlock(&lock);
    return written;
}

int ftruncate64(int fd, off64_t size) {
    pthread_mutex_lock(&lock);
    int result = real_ftruncate64(fd, size);
    const char *path = path_of(fd);
    if (path != NULL && result == 0)
        record('T', path, (uint64_t)size, 0, NULL, 0);
    pthread_mutex_unlock(&lock);
    return result;
}

int ftruncate(int fd, off_t size) {
    return ftruncate64(fd, size);
}

static int synced(int fd, int (*real)(int)) {
    pthread_mutex_lock(&lock);
    int result = real(fd);
    const char *path = path_of(fd);
    if (path != NULL && result == 0)
        record('S', path, 0, 0, NULL, 0);
    pthread_mutex_unlock(&lock);
    return result;
}

int fsync(int fd) {
    return synced(fd, real_fsync);
}

int fdatasync(int fd) {
    return synced(fd, real_fdatasync);
}

int unlink(const char *path) {
    pthread_mutex_lock(&lock);
    int result = real_unlink(path);
    if (result == 0 && watched(path))
        record('U', path, 0, 0, NULL, 0);
    pthread_mutex_unlock(&lock);
    return result;
}
