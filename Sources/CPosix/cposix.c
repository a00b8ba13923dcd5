#ifndef _GNU_SOURCE
#error "CPosix must be built with _GNU_SOURCE"
#endif
#include "cposix.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <unistd.h>
#include <spawn.h>

int cposix_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) { return accept4(fd, addr, len, flags); }
int cposix_epoll_create1(int flags) { return epoll_create1(flags); }

int cposix_epoll_ctl(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event ev = {0};
    ev.events = events;
    ev.data.fd = fd;
    return epoll_ctl(epfd, op, fd, &ev);
}

int cposix_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        fds[i] = evs[i].data.fd;
        events[i] = evs[i].events;
    }
    return n;
}

int cposix_eventfd(unsigned int initval, int flags) { return eventfd(initval, flags); }

int cposix_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int cposix_set_thread_name(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof truncated - 1);
    truncated[sizeof truncated - 1] = 0;
    return pthread_setname_np(pthread_self(), truncated);
}

int cposix_tgkill(int pid, int tid, int sig) { return tgkill(pid, tid, sig); }

const int cposix_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int cposix_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int cposix_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
const uint32_t cposix_EPOLLIN = EPOLLIN;
const uint32_t cposix_EPOLLOUT = EPOLLOUT;
const uint32_t cposix_EPOLLERR = EPOLLERR;
const uint32_t cposix_EPOLLHUP = EPOLLHUP;
const uint32_t cposix_EPOLLRDHUP = EPOLLRDHUP;
const int cposix_EPOLL_CLOEXEC = EPOLL_CLOEXEC;
const int cposix_EFD_CLOEXEC = EFD_CLOEXEC;
const int cposix_EFD_NONBLOCK = EFD_NONBLOCK;
const int cposix_SOCK_CLOEXEC = SOCK_CLOEXEC;
const int cposix_SOCK_NONBLOCK = SOCK_NONBLOCK;
const int cposix_TCP_NODELAY = TCP_NODELAY;
const int cposix_SOCK_STREAM = SOCK_STREAM;

int cposix_spawn(int *pid, const char *path, char *const argv[], char *const envp[], const int stdio[3], const char *directory) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attributes);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    for (int target = 0; target < 3 && rc == 0; target++) {
        rc = stdio[target] < 0
            ? posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            : posix_spawn_file_actions_adddup2(&actions, stdio[target], target);
    }
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (rc == 0 && directory != NULL) rc = posix_spawn_file_actions_addchdir_np(&actions, directory);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attributes, &all);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attributes, &none);
    // Its own process group, so a test can stop it together with everything it started.
    if (rc == 0) rc = posix_spawnattr_setpgroup(&attributes, 0);
    if (rc == 0) rc = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    pid_t child = 0;
    if (rc == 0) rc = posix_spawn(&child, path, &actions, &attributes, argv, envp);
    if (rc == 0) *pid = child;
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}
