#ifndef SHIPGATE_CPOSIX_H
#define SHIPGATE_CPOSIX_H
#include <stdint.h>
#include <sys/socket.h>

/// GNU syscalls Glibc's Swift module does not export, with flat argument types
/// (struct epoll_event is packed on x86-64, so it never crosses into Swift).
int cposix_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int cposix_epoll_create1(int flags);
/// Adds, modifies or deletes `fd` with interest `events`; the event data is the fd itself.
int cposix_epoll_ctl(int epfd, int op, int fd, uint32_t events);
/// Waits for events; fills `fds` and `events` (each `max` long) and returns the count, -1 on error.
int cposix_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout_ms);
int cposix_eventfd(unsigned int initval, int flags);
/// A pipe whose two ends close on exec, created atomically (no other thread's fork can inherit it in between).
int cposix_pipe_cloexec(int fds[2]);
/// Names the calling thread (shows in top/gdb); names longer than 15 bytes are truncated.
int cposix_set_thread_name(const char *name);
/// Starts `path` with `argv` and `envp` (each NULL-terminated) and `stdio` as its descriptors 0, 1 and 2 (-1: /dev/null),
/// in `directory` unless NULL. The child inherits no other descriptor, starts with default signal handling and an
/// empty signal mask, and leads a process group of its own. Returns 0 and sets `pid`, or an errno value.
int cposix_spawn(int *pid, const char *path, char *const argv[], char *const envp[], const int stdio[3], const char *directory);
/// Sends `sig` to one thread of process `pid` (tests use it to interrupt the event-loop thread's syscalls).
int cposix_tgkill(int pid, int tid, int sig);

extern const int cposix_EPOLL_CTL_ADD;
extern const int cposix_EPOLL_CTL_MOD;
extern const int cposix_EPOLL_CTL_DEL;
extern const uint32_t cposix_EPOLLIN;
extern const uint32_t cposix_EPOLLOUT;
extern const uint32_t cposix_EPOLLERR;
extern const uint32_t cposix_EPOLLHUP;
extern const uint32_t cposix_EPOLLRDHUP;
extern const int cposix_EPOLL_CLOEXEC;
extern const int cposix_EFD_CLOEXEC;
extern const int cposix_EFD_NONBLOCK;
extern const int cposix_SOCK_CLOEXEC;
extern const int cposix_SOCK_NONBLOCK;
extern const int cposix_TCP_NODELAY;
extern const int cposix_SOCK_STREAM;
#endif
