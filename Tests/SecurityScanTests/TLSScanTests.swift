import App
import Crypto
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// sslyze (PyPI, pinned) scans the live server's TLS listener and its JSON report is checked: only TLS 1.2 and 1.3,
/// only ECDHE key exchange with AEAD ciphers, no client-initiated or insecure renegotiation, no compression, none of
/// the classic OpenSSL bugs. Run once with a P-256 certificate and once with an RSA-2048 one, since a server offers its
/// RSA suites (and static-RSA key exchange, if it were enabled) only with an RSA key.
@Suite struct TLSScanTests {
    static let sslyze = PythonTool(distribution: "sslyze", module: "sslyze", pinnedVersion: "6.3.1")
    /// A scan takes about a second here; this only stops a hung one.
    static let timeout = Duration.seconds(120)
    static let scanCommands = [
        "--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3", "--reneg", "--compression", "--heartbleed",
        "--openssl_ccs", "--fallback", "--elliptic_curves",
    ]
    /// The report's name for each scan command above, every one of which must have completed.
    static let scanResults = [
        "ssl_2_0_cipher_suites", "ssl_3_0_cipher_suites", "tls_1_0_cipher_suites", "tls_1_1_cipher_suites", "tls_1_2_cipher_suites",
        "tls_1_3_cipher_suites", "session_renegotiation", "tls_compression", "heartbleed", "openssl_ccs_injection", "tls_fallback_scsv",
        "elliptic_curves",
    ]
    static let refusedVersions = ["ssl_2_0_cipher_suites", "ssl_3_0_cipher_suites", "tls_1_0_cipher_suites", "tls_1_1_cipher_suites"]
    /// TLS 1.3's AEAD suites, without CCM_8 (its 8-byte tag is too short).
    static let tls13Suites: Set = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256"]
    /// Curves of at least 128-bit security.
    static let strongCurves: Set = ["X25519", "X448", "secp256r1", "secp384r1", "secp521r1"]

    enum CertificateKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case ecdsaP256 = "ECDSA"
        case rsa2048 = "RSA"
        var testDescription: String { rawValue }
    }

    @Test(arguments: CertificateKind.allCases)
    func onlyTLS12And13WithECDHEAndAEADAreAccepted(_ kind: CertificateKind) async throws {
        if let reason = try await Self.sslyze.unavailableReason() {
            print("SKIP onlyTLS12And13WithECDHEAndAEADAreAccepted(\(kind.rawValue)): \(reason)")
            return
        }
        let directory = try TemporaryDirectory("tls-scan")
        defer { directory.remove() }
        guard let (certificate, key) = try await Self.writeCertificate(kind, in: directory) else {
            print("SKIP onlyTLS12And13WithECDHEAndAEADAreAccepted(\(kind.rawValue)): openssl is not installed to make an RSA certificate")
            return
        }
        try await withLiveServer({
            $0.tlsCertificate = certificate
            $0.tlsKey = key
        }) { live in
            let (report, run) = try await Self.scan(port: live.port, in: directory)
            let (problems, summary) = Self.violations(in: report, kind: kind)
            #expect(problems.isEmpty, "sslyze findings: \(problems)")
            print("sslyze \(kind.rawValue) certificate, \(String(format: "%.1f", run.seconds)) s: \(summary)")
        }
    }

    /// The judgement is not vacuous: the same scan and checks against `openssl s_server` with every legacy cipher and
    /// TLS 1.0 switched on name exactly those faults.
    @Test func theChecksFlagADeliberatelyWeakServer() async throws {
        if let reason = try await Self.sslyze.unavailableReason() {
            print("SKIP theChecksFlagADeliberatelyWeakServer: \(reason)")
            return
        }
        guard WebDriverService.executable(named: "openssl") != nil else {
            print("SKIP theChecksFlagADeliberatelyWeakServer: openssl is not installed")
            return
        }
        let directory = try TemporaryDirectory("tls-weak")
        defer { directory.remove() }
        let (certificate, key) = try #require(try await Self.writeCertificate(.ecdsaP256, in: directory))
        let log = directory.file("s_server.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? output.close() }
        let server = ChildProcess()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = [
            "openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", certificate, "-key", key, "-cipher", "ALL:@SECLEVEL=0", "-www",
        ]
        server.standardOutput = output
        server.standardError = output
        server.standardInput = FileHandle.nullDevice
        try server.run()
        defer {
            // SIGKILL: s_server with stdin at /dev/null ignores SIGTERM.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        var port: Int?
        for _ in 0..<200 where port == nil {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "ACCEPT 127.0.0.1:") { port = Int(text[range.upperBound...].prefix { $0.isNumber }) }
            if port == nil { try await Task.sleep(for: .milliseconds(25)) }
        }
        let (report, _) = try await Self.scan(port: try #require(port, "s_server announced no port"), in: directory)
        let problems = Self.violations(in: report, kind: .ecdsaP256).problems
        #expect(problems.contains("tls_1_0_cipher_suites: the version is accepted"), "\(problems)")
        #expect(problems.contains { $0.hasPrefix("TLS 1.2 suite TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA ") }, "\(problems)")
        #expect(problems.contains { $0.hasSuffix(" is anonymous") }, "\(problems)")
    }

    /// What a report says against the policy (empty when it holds), and a one-line summary of what was accepted.
    /// A list rather than `#expect`s, so the same judgement can be shown to catch a deliberately weak server.
    static func violations(in report: [String: Any], kind: CertificateKind) -> (problems: [String], summary: String) {
        var problems: [String] = []
        func require(_ condition: Bool, _ problem: @autoclosure () -> String) { if !condition { problems.append(problem()) } }
        let server = (report["server_scan_results"] as? [[String: Any]])?.first ?? [:]
        require(server["connectivity_status"] as? String == "COMPLETED", "sslyze could not connect: \(server["connectivity_error_trace"] ?? "")")
        require(server["scan_status"] as? String == "COMPLETED", "the scan did not complete")
        let results = server["scan_result"] as? [String: [String: Any]] ?? [:]
        func result(_ name: String) -> [String: Any] {
            let entry = results[name] ?? [:]
            require(entry["status"] as? String == "COMPLETED", "\(name): \(entry["status"] ?? "missing") \(entry["error_reason"] ?? "")")
            return entry["result"] as? [String: Any] ?? [:]
        }
        for name in scanResults { _ = result(name) }

        for name in refusedVersions {
            let version = result(name)
            require(version["is_tls_version_supported"] as? Bool == false, "\(name): the version is accepted")
            require((version["accepted_cipher_suites"] as? [Any])?.isEmpty == true, "\(name): suites are accepted")
        }
        var accepted: [String] = []
        for name in ["tls_1_2_cipher_suites", "tls_1_3_cipher_suites"] {
            let version = result(name)
            let suites = version["accepted_cipher_suites"] as? [[String: Any]] ?? []
            // Not vacuous: both versions answer, with at least one suite each.
            require(version["is_tls_version_supported"] as? Bool == true && !suites.isEmpty, "\(name): the version is not offered")
            for suite in suites {
                let cipher = suite["cipher_suite"] as? [String: Any] ?? [:]
                let suiteName = cipher["name"] as? String ?? "?"
                accepted.append(suiteName)
                require(cipher["is_anonymous"] as? Bool == false, "\(suiteName) is anonymous")
                require((cipher["key_size"] as? Int ?? 0) >= 128, "\(suiteName) has a short key")
                let ephemeral = suite["ephemeral_key"] as? [String: Any] ?? [:]
                require(ephemeral["type_name"] as? String == "ECDH", "\(suiteName) without ECDHE")
                require(strongCurves.contains(ephemeral["curve_name"] as? String ?? ""), "\(suiteName) on a weak curve")
                if name == "tls_1_3_cipher_suites" {
                    require(tls13Suites.contains(suiteName), "TLS 1.3 suite \(suiteName) is not an allowed AEAD suite")
                } else {
                    let authentication = kind == .rsa2048 ? "TLS_ECDHE_RSA_WITH_" : "TLS_ECDHE_ECDSA_WITH_"
                    let aead = suiteName.contains("_GCM_") || suiteName.contains("_CHACHA20_POLY1305_")
                    require(suiteName.hasPrefix(authentication) && aead, "TLS 1.2 suite \(suiteName) is not ECDHE with an AEAD cipher")
                }
            }
        }

        let renegotiation = result("session_renegotiation")
        require(renegotiation["supports_secure_renegotiation"] as? Bool == true, "RFC 5746 secure renegotiation is missing")
        require(renegotiation["is_vulnerable_to_client_renegotiation_dos"] as? Bool == false, "client renegotiation DoS")
        require(renegotiation["client_renegotiations_success_count"] as? Int == 0, "client-initiated renegotiation is accepted")
        require(result("tls_compression")["supports_compression"] as? Bool == false, "TLS compression is on")
        require(result("heartbleed")["is_vulnerable_to_heartbleed"] as? Bool == false, "vulnerable to Heartbleed")
        require(result("openssl_ccs_injection")["is_vulnerable_to_ccs_injection"] as? Bool == false, "vulnerable to CCS injection")
        require(result("tls_fallback_scsv")["supports_fallback_scsv"] as? Bool == true, "TLS_FALLBACK_SCSV is not honoured")
        let curves = (result("elliptic_curves")["supported_curves"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        require(!curves.isEmpty && Set(curves).isSubset(of: strongCurves), "weak curves offered: \(curves)")
        return (problems, "accepted \(accepted.joined(separator: ", ")); curves \(curves.joined(separator: ", "))")
    }

    /// Runs sslyze against `127.0.0.1:port` and returns its parsed JSON report.
    static func scan(port: Int, in directory: TemporaryDirectory) async throws -> (report: [String: Any], run: ExternalProcess.Run) {
        let path = directory.file("sslyze-\(port).json")
        let run = try await sslyze.run(scanCommands + ["--json_out=\(path)", "127.0.0.1:\(port)"], directory: directory.path, timeout: timeout)
        #expect(!run.timedOut, "sslyze ran over \(timeout) and was killed")
        #expect(run.status == 0, "sslyze exited \(run.status):\n\(run.output.suffix(3000))")
        let data = try #require(FileManager.default.contents(atPath: path), "no sslyze report:\n\(run.output.suffix(3000))")
        return (try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]), run)
    }

    /// PEM files for `kind`: P-256 from the project's own generator, RSA-2048 from the openssl CLI (nil without it).
    static func writeCertificate(_ kind: CertificateKind, in directory: TemporaryDirectory) async throws -> (String, String)? {
        let certificate = directory.file("cert.pem")
        let key = directory.file("key.pem")
        switch kind {
        case .ecdsaP256:
            let pair = try SelfSignedCertificate.make(commonName: "localhost")
            try pair.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
            try pair.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        case .rsa2048:
            guard WebDriverService.executable(named: "openssl") != nil else { return nil }
            let arguments = [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ]
            let status = try await TestThread.run { () -> Int32 in
                let process = ChildProcess()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = arguments
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                return process.terminationStatus
            }
            try #require(status == 0, "openssl req exited \(status)")
        }
        return (certificate, key)
    }
}
