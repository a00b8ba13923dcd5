import CPosix

#if canImport(Glibc)
import Glibc
#endif

/// Starts a detached OS thread (not a cooperative-pool thread: `epoll_wait` blocks, STYLE pitfall 3).
enum LoopThread {
    private final class Box {
        let name: String
        let body: () -> Void
        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Runs `body` on a new thread. The closure is handed over, not shared: the caller must not touch
    /// anything it captures afterwards (the event loop is confined to this thread from here on).
    static func start(name: String, _ body: @escaping () -> Void) {
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            _ = cposix_set_thread_name(box.name)
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }
}
