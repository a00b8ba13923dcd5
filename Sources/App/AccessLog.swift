import Domain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The output format of log lines.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// Writes one line per event to stderr through a `LogWriter` (lines gathered for at most 10 ms, never blocking).
/// Lines never contain tokens, cookies, passwords or query strings.
public final class LogSink: Sendable {
    private let format: LogFormat
    private let writer = LogWriter()
    private let output: (@Sendable (String) -> Void)?

    /// Logs to stderr, or hands each finished line (with its newline) to `output`.
    public init(format: LogFormat, output: (@Sendable (String) -> Void)? = nil) {
        self.format = format
        self.output = output
    }

    /// One access-log line: method, path without query, status, bytes, microseconds, client address and request id
    /// (`rid=-` / no `requestId` for protocol errors answered before a request existed). The id is safe to print:
    /// `RequestID` only accepts or makes `[A-Za-z0-9._-]`.
    func access(
        method: String, path: String, route: String, status: Int, bytes: Int, micros: Int, remote: String, requestID: String? = nil
    ) {
        switch format {
        case .text:
            write(
                "\(Timestamp.format(Date())) \(method) \(Self.sanitize(path)) \(status) \(bytes)B \(micros)us \(remote) rid=\(requestID ?? "-")")
        case .json:
            var fields: [String: Field] = [
                "ts": .string(Timestamp.format(Date())), "kind": .string("access"), "method": .string(method), "path": .string(path),
                "route": .string(route), "status": .int(status), "bytes": .int(bytes), "micros": .int(micros), "remote": .string(remote),
            ]
            if let requestID { fields["requestId"] = .string(requestID) }
            writeJSON(fields)
        }
    }

    /// An operational message (startup, shutdown, errors).
    public func info(_ message: String) { event("info", message) }

    /// An error message; `message` must not contain secrets.
    public func error(_ message: String) { event("error", message) }

    /// Inside a request (the handler's task), the line carries that request's id.
    private func event(_ level: String, _ message: String) {
        let requestID = CurrentRequest.value?.requestID
        switch format {
        case .text:
            write("\(Timestamp.format(Date())) [\(level)] \(Self.sanitize(message))\(requestID.map { " rid=\($0)" } ?? "")")
        case .json:
            var fields: [String: Field] = ["ts": .string(Timestamp.format(Date())), "level": .string(level), "message": .string(message)]
            if let requestID { fields["requestId"] = .string(requestID) }
            writeJSON(fields)
        }
    }

    private enum Field: Encodable {
        case string(String)
        case int(Int)

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .int(let value): try container.encode(value)
            }
        }
    }

    private func writeJSON(_ fields: [String: Field]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(fields) else { return }
        write(String(decoding: data, as: UTF8.self))
    }

    private func write(_ line: String) {
        if let output {
            output(line + "\n")
            return
        }
        writer.append(line + "\n")
    }

    /// Writes every line logged so far.
    public func flush() { writer.flush() }

    /// Control characters would let a client forge log lines.
    private static func sanitize(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }
}
