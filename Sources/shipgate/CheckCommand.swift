import App
import ArgumentParser
import Domain
import HTTPCore
import HTTPServer

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `shipgate check REF --env E --server URL`: asks a server for a decision; exit 0 cleared, 1 not cleared, 2 anything else.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Ask a Shipgate server whether an image digest is cleared for an environment.",
        discussion: """
            Exit status: 0 cleared, 1 not cleared (or nothing known about the digest), 2 any error \
            (unreachable server, timeout, TLS failure, bad credentials, malformed answer). Fail closed: \
            deploy only on 0.
            """)

    /// The exit statuses scripts depend on.
    enum Status {
        static let cleared: Int32 = 0
        static let notCleared: Int32 = 1
        static let error: Int32 = 2
    }

    @Argument(help: "sha256:<64 hex> or name@sha256:<64 hex> (a tag is refused: resolve it to a digest first).")
    var reference: String?

    @Option(help: "The environment, e.g. production.")
    var env: String?

    @Option(help: "The server's base URL, e.g. https://shipgate.example.com (env SHIPGATE_SERVER).")
    var server: String?

    @Option(help: "API token with the clearance:read scope (env SHIPGATE_TOKEN; prefer the variable: flags show in ps).")
    var token: String?

    @Option(help: "Write the signed receipt (compact JWS) to this file when cleared.")
    var receipt: String?

    @Flag(help: "Print the server's JSON answer as is instead of the summary.")
    var json = false

    @Option(help: "PEM CA certificates to trust for an https:// server (instead of the system roots).")
    var caFile: String?

    @Option(help: "Seconds to wait for the whole exchange (1-300).")
    var timeout: Int = 10

    /// Parsed by `validate`, so `run` works with checked values.
    private var checked: Checked?

    struct Checked {
        let reference: ImageReference
        let environment: String
        let server: String
        let token: String?
    }

    enum CodingKeys: String, CodingKey { case reference, env, server, token, receipt, json, caFile, timeout }

    /// Every usage error is exit 2 too (ArgumentParser's own is 64): scripts test for 0, and anything else must not pass.
    mutating func validate() throws {
        guard let reference, !reference.isEmpty else { throw Self.fail("give the image reference, e.g. shipgate check sha256:… --env production") }
        let parsed: ImageReference
        do {
            parsed = try ImageReference(parsing: reference)
        } catch .tagOnly {
            throw Self.fail("'\(Self.printable(reference))' is a tag reference; resolve it to a digest first (e.g. crane digest IMAGE, or docker buildx imagetools inspect) and check name@sha256:…")
        } catch {
            throw Self.fail("'\(Self.printable(reference))': \(error)")
        }
        guard let env, !env.isEmpty else { throw Self.fail("give the environment with --env, e.g. --env production") }
        guard let server = server ?? Environment.value("SHIPGATE_SERVER") else {
            throw Self.fail("give the server with --server URL (or set SHIPGATE_SERVER)")
        }
        guard (1...300).contains(timeout) else { throw Self.fail("--timeout must be 1 to 300 seconds") }
        checked = Checked(reference: parsed, environment: env, server: server, token: token ?? Environment.value("SHIPGATE_TOKEN"))
    }

    func run() throws {
        guard let checked else { throw Self.fail("internal error: arguments were not validated") }
        let response: HTTPClientResponse
        do {
            let client = try HTTPClient(baseURL: checked.server, timeout: .seconds(timeout), caFile: caFile)
            var headers: HTTPHeaders = ["Accept": "application/json", "User-Agent": "shipgate/\(Shipgate.version)"]
            if let token = checked.token {
                // A line break in the token would be refused by the client; say so plainly instead.
                guard !token.contains(where: \.isNewline) else { throw Self.fail("the token contains a line break") }
                headers.add("Authorization", "Bearer \(token)")
            }
            let path = "/api/v1/clearance/\(Self.percentEncoded(reference ?? ""))?env=\(Self.percentEncoded(checked.environment))"
            response = try client.send(method: .GET, path: path, headers: headers)
        } catch let error as HTTPClientError {
            throw Self.fail("no decision: \(error.message)")
        }
        let answer = try Self.interpret(response, checked: checked)
        // The receipt is written before anything is printed, so "CLEARED" on stdout never comes with a failed save.
        if answer.cleared == true, let receiptPath = receipt {
            guard let jws = answer.receipt, !jws.isEmpty else { throw Self.fail("the server sent no receipt, so none was written to \(receiptPath)") }
            guard Self.isCompactJWS(jws) else { throw Self.fail("the server's receipt is not a compact JWS; none was written") }
            do {
                try Data((jws + "\n").utf8).write(to: URL(fileURLWithPath: receiptPath))
            } catch {
                throw Self.fail("cannot write the receipt to \(receiptPath): \(error)")
            }
        }
        if json {
            print(String(decoding: response.body, as: UTF8.self), terminator: response.body.last == 0x0A ? "" : "\n")
        } else {
            Self.printSummary(answer, checked: checked, nothingKnown: response.status == 404)
        }
        guard answer.cleared == true else { throw ExitCode(Status.notCleared) }
    }

    // MARK: The answer

    struct Reason: Decodable {
        let rule: String
        let passed: Bool
        let message: String
    }

    struct Answer: Decodable {
        let digest: String?
        let environment: String?
        let cleared: Bool?
        let mode: String?
        let policyVersion: Int?
        let decidedAt: String?
        let validUntil: String?
        let reasons: [Reason]?
        let breakGlass: Bool?
        let receipt: String?
    }

    struct ErrorEnvelope: Decodable {
        struct Body: Decodable {
            let code: String?
            let message: String?
        }
        let error: Body
    }

    /// Only a 200 saying `cleared: true` for the digest and environment asked about is a clearance; a 403/404 saying
    /// `cleared: false` is a refusal; everything else (other statuses, error envelopes, malformed or contradictory
    /// answers) is an error.
    static func interpret(_ response: HTTPClientResponse, checked: Checked) throws -> Answer {
        let data = Data(response.body)
        if let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: data) {
            let detail = [envelope.error.code, envelope.error.message].compactMap { $0 }.joined(separator: ": ")
            var message = "the server answered \(response.status): \(printable(detail))"
            if response.status == 401 { message += " (pass a clearance:read token with --token or SHIPGATE_TOKEN)" }
            throw fail(message)
        }
        guard [200, 403, 404].contains(response.status) else { throw fail("the server answered with unexpected status \(response.status)") }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: data), let cleared = answer.cleared, answer.reasons != nil else {
            throw fail("the server's answer (status \(response.status)) is not a clearance decision")
        }
        if response.status == 200 {
            guard cleared else { throw fail("the server answered 200 without cleared: true; treating it as an error") }
            guard answer.digest == checked.reference.digest.rawValue, answer.environment == checked.environment else {
                throw fail("the server's answer is for a different digest or environment than asked")
            }
        } else if cleared {
            throw fail("the server answered \(response.status) with cleared: true; treating it as an error")
        }
        return answer
    }

    static func printSummary(_ answer: Answer, checked: Checked, nothingKnown: Bool) {
        let digest = checked.reference.digest.rawValue
        var line = "\(answer.cleared == true ? "CLEARED" : "NOT CLEARED") \(digest) for \(printable(checked.environment))"
        var notes: [String] = []
        if let version = answer.policyVersion { notes.append("policy v\(version)") }
        if answer.mode == "dryRun" { notes.append("dry run") }
        if answer.breakGlass == true { notes.append("BREAK-GLASS") }
        if nothingKnown { notes.append("nothing known about this digest") }
        if !notes.isEmpty { line += " (\(notes.joined(separator: ", ")))" }
        print(line)
        for reason in answer.reasons ?? [] {
            print("  \(reason.passed ? "✓" : "✗") \(printable(reason.rule)): \(printable(reason.message))")
        }
        if answer.cleared == true, let until = answer.validUntil { print("  valid until \(printable(until))") }
    }

    // MARK: Helpers

    /// Three base64url parts separated by dots (RFC 7515 §7.1); the signature is for the pipeline to verify.
    static func isCompactJWS(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
            }
        }
    }

    /// Prints `message` to stderr and returns the exit-2 error to throw.
    static func fail(_ message: String) -> ExitCode {
        Output.message("shipgate check: \(message)")
        return ExitCode(Status.error)
    }

    /// Server-sent text without control characters, so an answer cannot drive the terminal.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { ($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) ? "?" : $0 }))
    }

    /// Everything but RFC 3986 unreserved characters percent-encoded (so `/`, `:` and `@` stay inside one path segment).
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
