import HTTPCore

/// The periodic deadline scan (every `timerInterval`, driven by the epoll_wait timeout).
/// A linear scan is cheap at our connection cap and needs no per-event bookkeeping.
extension EventLoop {
    func expireDeadlines() {
        var expired: [Connection] = []
        for connection in connections.values {
            if let deadline = connection.deadline, deadline <= now { expired.append(connection) }
        }
        for connection in expired where !connection.isClosed {
            expire(connection)
        }
    }

    private func expire(_ connection: Connection) {
        switch connection.phase {
        case .readingHead:
            if connection.handshakeComplete, connection.parser.isMidRequest, !draining {
                // Slow or stalled request head (slowloris): tell the client, then close.
                answerProtocolError(HTTPParseError(status: .requestTimeout, reason: "Request header timeout"), on: connection)
                connection.deadline = now + Self.lingerTimeout
            } else {
                close(connection)  // said nothing (or never finished the TLS handshake): nothing to answer
            }
        case .readingBody where !draining:
            // A stalled body, or one trickling in below the minimum rate: tell the client why, then close.
            answerProtocolError(HTTPParseError(status: .requestTimeout, reason: "Request body timeout"), on: connection)
            connection.deadline = now + Self.lingerTimeout
        case .idle, .readingBody, .writing, .closing, .lingering:
            close(connection)
        case .handling:
            connection.deadline = nil
        }
    }
}
