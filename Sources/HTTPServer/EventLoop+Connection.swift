import Crypto
import HTTPCore

#if canImport(Glibc)
import Glibc
#endif

/// Per-connection I/O and the request cycle: read → parse → dispatch → write → next request.
extension EventLoop {
    /// Reacts to one epoll report for a connection.
    func handleEvents(_ events: UInt32, on connection: Connection) {
        if events & Epoll.error != 0 {
            close(connection)
            return
        }
        if events & Epoll.writable != 0, connection.hasPendingOutput {
            flushOutput(of: connection)
        }
        if connection.isClosed { return }
        if events & Epoll.readable != 0, connection.interest & Epoll.readable != 0 {
            if connection.phase == .handling || connection.phase == .writing {
                connection.inputPaused = true  // pipelined input (or a FIN) waits, unread, until the response is out
            } else {
                readAvailable(from: connection)
            }
        } else if events & Epoll.hangUp != 0 {
            close(connection)  // peer gone in both directions (or reset): nothing more can be exchanged
        }
        updateInterest(of: connection)
    }

    // MARK: Reading

    private func readAvailable(from connection: Connection) {
        let result: IOResult?
        do {
            result = try connection.receive(into: readBuffer)
        } catch {
            close(connection)  // ECONNRESET and friends
            return
        }
        guard case .done(let count) = result else { return }
        if count == 0 {
            close(connection)  // EOF: anything complete was dispatched already; a partial request cannot finish
            return
        }
        if connection.phase == .lingering {
            connection.discardedBytes += count
            if connection.discardedBytes > Self.lingerDiscardCap { close(connection) }
            return
        }
        if connection.phase == .readingBody {
            connection.transferredBytes += count
            connection.deadline = transferDeadline(of: connection)
        }
        let bytes = UnsafeRawBufferPointer(rebasing: readBuffer[0..<count])
        if let tls = connection.tls {
            tls.feedCiphertext(bytes)
            guard pumpTLS(tls, of: connection) else { return }
        } else {
            connection.parser.append(bytes)
        }
        processInput(of: connection)
        if connection.peerClosed, !connection.isClosed, isReadingPhase(connection.phase) {
            close(connection)  // TLS close_notify with no complete request pending
        }
    }

    /// Drives the handshake, then moves every available plaintext byte into the parser.
    /// Returns false when the connection was closed or must wait for more ciphertext.
    private func pumpTLS(_ tls: TLSSession, of connection: Connection) -> Bool {
        if !connection.handshakeComplete {
            switch tls.handshake() {
            case .complete:
                connection.handshakeComplete = true
            case .wantIO:
                queueCiphertext(of: connection)
                flushOutput(of: connection)
                return false
            case .failed:
                // Send the alert if the kernel takes it right now; never wait for a failed peer.
                queueCiphertext(of: connection)
                flushOutput(of: connection)
                close(connection)
                return false
            }
        }
        readPlaintext: while true {
            let result: TLSReadResult
            do {
                result = try tls.readPlaintext(into: readBuffer)
            } catch {
                close(connection)
                return false
            }
            switch result {
            case .bytes(let count):
                if count == 0 { break readPlaintext }
                connection.parser.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<count]))
            case .wantIO:
                break readPlaintext
            case .closed:
                connection.peerClosed = true
                break readPlaintext
            }
        }
        queueCiphertext(of: connection)  // post-handshake messages such as TLS 1.3 session tickets
        if connection.hasPendingOutput { flushOutput(of: connection) }
        return !connection.isClosed
    }

    private func queueCiphertext(of connection: Connection) {
        guard let tls = connection.tls else { return }
        let ciphertext = tls.takeCiphertext()
        if !ciphertext.isEmpty { appendOutput(ciphertext, to: connection) }
    }

    func isReadingPhase(_ phase: Connection.Phase) -> Bool {
        switch phase {
        case .idle, .readingHead, .readingBody: true
        case .handling, .writing, .closing, .lingering: false
        }
    }

    // MARK: Parsing

    /// Parses buffered input. Runs only while no response is in progress, so pipelined requests
    /// are answered strictly in order and a parse error never interrupts a response.
    func processInput(of connection: Connection) {
        while !connection.isClosed, isReadingPhase(connection.phase), !connection.hasPendingOutput, connection.handshakeComplete {
            let event: HTTPParseEvent?
            do {
                event = try connection.parser.next()
            } catch {
                answerProtocolError(error, on: connection)
                return
            }
            guard let event else {
                if connection.phase == .idle, connection.parser.isMidRequest {
                    connection.phase = .readingHead  // first byte of the next request: its header clock starts now
                    connection.deadline = now + limits.headerReadTimeout
                }
                if connection.phase == .readingBody, connection.pendingContinue {
                    connection.pendingContinue = false
                    queueResponseBytes(HTTPResponseSerializer.continueResponse, on: connection)
                    flushOutput(of: connection)
                }
                return
            }
            switch event {
            case .head(let head):
                do {
                    // 413 is decided from the declared length, before any body byte is read. A request without
                    // content skips the responder's route lookup for its limit.
                    let limit = connection.parser.pendingHeadDeclaresContent ? responder.maxBodyBytes(for: head) : 0
                    try connection.parser.acceptBody(maxBytes: limit)
                } catch {
                    answerProtocolError(error, on: connection)
                    return
                }
                connection.phase = .readingBody
                startTransfer(on: connection)
                connection.pendingContinue = head.expectsContinue
            case .request(let request):
                connection.pendingContinue = false
                dispatch(request, on: connection)
                return
            }
        }
    }

    /// A request body or a response starts moving: its rate clock starts now.
    private func startTransfer(on connection: Connection) {
        connection.transferStartedAt = now
        connection.transferredBytes = 0
        connection.deadline = transferDeadline(of: connection)
    }

    /// The earlier of the idle deadline and the moment the average rate since the transfer began falls below the
    /// minimum (after the grace period): each byte moved buys `1 / minBodyBytesPerSecond` seconds, so trickling
    /// or sipping cannot last.
    private func transferDeadline(of connection: Connection) -> MonotonicTime {
        let idle = now + limits.bodyIdleTimeout
        guard limits.minBodyBytesPerSecond > 0 else { return idle }
        let earned = Duration.seconds(Double(connection.transferredBytes) / Double(limits.minBodyBytesPerSecond))
        return min(idle, connection.transferStartedAt + limits.bodyRateGracePeriod + earned)
    }

    /// Hands a complete request to the responder on the concurrency pool, unless the loop is idle enough to take the
    /// responder's immediate answer (see `HTTPResponder.respondImmediately`).
    private func dispatch(_ request: HTTPRequest, on connection: Connection) {
        connection.phase = .handling
        connection.deadline = nil
        if mayAnswerInline, !answeringInline, let response = responder.respondImmediately(to: request, context: connection.context) {
            let keepAlive = request.head.keepAlive && !draining
            let bytes = HTTPResponseSerializer.serialize(response, for: request.head.method, keepAlive: keepAlive, date: handle.dateCache.current())
            handle.immediateAnswers.add(1, ordering: .relaxed)
            answeringInline = true
            deliver(bytes, keepAlive: keepAlive, to: connection)
            answeringInline = false
            return
        }
        let handle = self.handle
        let responder = self.responder
        let context = connection.context
        let fd = connection.fd
        let id = connection.id
        Task {
            let response = await responder.respond(to: request, context: context)
            let keepAlive = request.head.keepAlive && !handle.isDraining.load(ordering: .relaxed)
            let bytes = HTTPResponseSerializer.serialize(
                response, for: request.head.method, keepAlive: keepAlive, date: handle.dateCache.current())
            handle.post(.response(fd: fd, id: id, bytes: bytes, keepAlive: keepAlive))
        }
    }

    /// Loop thread: a responder's serialized response arrived.
    func deliver(_ bytes: [UInt8], keepAlive: Bool, to connection: Connection) {
        guard connection.phase == .handling else { return }
        connection.phase = .writing
        startTransfer(on: connection)
        connection.closeAfterFlush = !keepAlive || draining || connection.peerClosed
        queueResponseBytes(bytes, on: connection)
        flushOutput(of: connection)
        updateInterest(of: connection)
    }

    // MARK: Errors and closing

    /// Writes the canned error for a protocol violation, then closes after flushing.
    func answerProtocolError(_ error: HTTPParseError, on connection: Connection) {
        onProtocolError?(error.status, connection.context.remoteAddress)
        connection.pendingContinue = false
        queueResponseBytes(HTTPResponseSerializer.serializeError(error, date: handle.dateCache.current()), on: connection)
        closeGracefully(connection)
    }

    /// Flushes what is queued (plus a TLS close_notify), half-closes, then lingers briefly.
    func closeGracefully(_ connection: Connection) {
        guard !connection.isClosed else { return }
        if let tls = connection.tls, connection.handshakeComplete {
            tls.close()
            queueCiphertext(of: connection)
        }
        connection.phase = .closing
        connection.deadline = now + limits.bodyIdleTimeout
        flushOutput(of: connection)
        updateInterest(of: connection)
    }

    // MARK: Writing

    /// Queues application bytes: encrypted first on a TLS connection.
    func queueResponseBytes(_ bytes: [UInt8], on connection: Connection) {
        guard let tls = connection.tls else {
            appendOutput(bytes, to: connection)
            return
        }
        do {
            try bytes.withUnsafeBytes { try tls.writePlaintext($0) }
        } catch {
            close(connection)
            return
        }
        queueCiphertext(of: connection)
    }

    /// Queues bytes exactly as they go on the wire.
    private func appendOutput(_ bytes: [UInt8], to connection: Connection) {
        if connection.output.isEmpty {
            connection.output = bytes  // the common case: take the response buffer as-is, no copy
            connection.outputOffset = 0
        } else {
            connection.output.append(contentsOf: bytes)
        }
    }

    /// Sends queued output until done or the kernel buffer is full (then EPOLLOUT takes over).
    func flushOutput(of connection: Connection) {
        while connection.hasPendingOutput {
            let result: IOResult?
            do {
                result = try connection.output.withUnsafeBytes { raw throws(SocketError) in
                    try connection.send(UnsafeRawBufferPointer(rebasing: raw[connection.outputOffset...]))
                }
            } catch {
                close(connection)  // EPIPE / ECONNRESET: the peer is gone
                return
            }
            switch result {
            case nil, .wouldBlock:
                return
            case .done(let count):
                connection.outputOffset += count
                if connection.phase == .writing {
                    connection.transferredBytes += count
                    connection.deadline = transferDeadline(of: connection)
                } else if connection.phase == .closing {
                    connection.deadline = now + limits.bodyIdleTimeout  // progress resets the write timeout
                }
            }
        }
        // Drop big buffers rather than keep their capacity around on an idle keep-alive connection.
        if connection.output.capacity > Self.readChunk {
            connection.output = []
        } else {
            connection.output.removeAll(keepingCapacity: true)
        }
        connection.outputOffset = 0
        outputDrained(on: connection)
    }

    private func outputDrained(on connection: Connection) {
        switch connection.phase {
        case .writing:
            if connection.closeAfterFlush {
                closeGracefully(connection)
            } else {
                connection.phase = .idle
                connection.inputPaused = false
                connection.deadline = now + limits.keepAliveIdleTimeout
                processInput(of: connection)  // a pipelined request may already be buffered
            }
        case .closing:
            connection.shutdownWrite()
            if draining {
                close(connection)
            } else {
                // Reading on until the peer's FIN keeps unread input from turning our close into a reset
                // that could destroy the response before the peer reads it (Go `closeWriteAndWait`).
                connection.phase = .lingering
                connection.deadline = now + Self.lingerTimeout
            }
        case .idle, .readingHead, .readingBody, .handling, .lingering:
            break
        }
    }

    /// Registers exactly the interest the phase needs: no reading while a request is handled or output
    /// is pending (that bounds per-connection memory), EPOLLOUT only while the kernel buffer is full. While a
    /// request is handled the read interest stays registered until input actually arrives: turning it off and on
    /// around every request would cost two `epoll_ctl` calls per request, and pipelined input is rare.
    func updateInterest(of connection: Connection) {
        guard !connection.isClosed else { return }
        let wanted: UInt32
        if connection.hasPendingOutput {
            wanted = Epoll.writable
        } else {
            switch connection.phase {
            case .idle, .readingHead, .readingBody, .lingering: wanted = Epoll.readable
            case .handling, .writing: wanted = connection.inputPaused ? 0 : connection.interest & Epoll.readable
            case .closing: wanted = 0
            }
        }
        guard wanted != connection.interest else { return }
        do {
            try epoll.modify(connection.fd, events: wanted)
            connection.interest = wanted
        } catch {
            close(connection)
        }
    }
}
