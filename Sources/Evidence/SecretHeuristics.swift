/// Cheap, deliberately over-eager tests for secrets in image env: a false positive costs a review, a miss leaks a key.
public enum SecretHeuristics {
    private static let nameSuffixes = ["_KEY", "_SECRET", "_TOKEN", "_PASSWORD", "_PASS", "_PWD", "_PAT", "_APIKEY", "_CREDENTIAL"]
    private static let nameFragments = ["PASSWD", "PASSWORD", "CREDENTIALS", "SECRET", "PRIVATE_KEY", "ACCESS_KEY", "API_KEY", "APIKEY"]
    private static let exactNames: Set<String> = ["KEY", "TOKEN", "PASS", "PWD"]

    /// Whether an env variable *name* suggests a secret (`DB_PASSWORD`, `API_TOKEN`, `AWS_SECRET_ACCESS_KEY`; also `GPG_KEY`).
    public static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        if exactNames.contains(upper) { return true }
        if nameSuffixes.contains(where: { upper.hasSuffix($0) }) { return true }
        return nameFragments.contains(where: { upper.contains($0) })
    }

    /// Whether a *value* looks like a credential: AWS key ids, PEM private keys, GitHub/GitLab/Slack/Stripe tokens, JWTs,
    /// or a URL with a password. The value is only inspected, never kept.
    public static func looksLikeSecretValue(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= 8 else { return false }
        if containsPrivateKeyBlock(bytes) { return true }
        // Every later `eyJ` inside an already scanned base64url run ends at the same place and cannot do better, so each
        // byte is scanned as a JWT header at most once: the check stays linear on hostile values like `eyJeyJeyJ…`.
        var jwtScannedUntil = 0
        for index in bytes.indices {
            switch bytes[index] {
            case UInt8(ascii: "A"):
                if awsKeyID(bytes, at: index) { return true }
            case UInt8(ascii: "g"):
                for prefix in githubPrefixes where tokenAfter(prefix, in: bytes, at: index, minimum: 16) { return true }
                if tokenAfter(gitlabPrefix, in: bytes, at: index, minimum: 16) { return true }
            case UInt8(ascii: "x"):
                if slackToken(bytes, at: index) { return true }
            case UInt8(ascii: "s"), UInt8(ascii: "r"):
                for prefix in stripePrefixes where tokenAfter(prefix, in: bytes, at: index, minimum: 10) { return true }
            case UInt8(ascii: "e") where index >= jwtScannedUntil:
                let (found, headerEnd) = jwt(bytes, at: index)
                if found { return true }
                jwtScannedUntil = max(jwtScannedUntil, headerEnd)
            case UInt8(ascii: ":"):
                if urlWithPassword(bytes, colonAt: index) { return true }
            default:
                break
            }
        }
        return false
    }

    private static let githubPrefixes = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"].map { Array($0.utf8) }
    private static let gitlabPrefix = Array("glpat-".utf8)
    private static let stripePrefixes = [Array("sk_live_".utf8), Array("rk_live_".utf8)]

    /// `AKIA` / `ASIA` followed by 16 of `[0-9A-Z]`.
    private static func awsKeyID(_ bytes: [UInt8], at index: Int) -> Bool {
        guard index + 20 <= bytes.count else { return false }
        let prefix = bytes[index..<index + 4]
        guard prefix.elementsEqual("AKIA".utf8) || prefix.elementsEqual("ASIA".utf8) else { return false }
        return bytes[index + 4..<index + 20].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) }
    }

    /// `-----BEGIN … PRIVATE KEY-----` (RSA, EC, OPENSSH, ENCRYPTED, PKCS#8).
    private static func containsPrivateKeyBlock(_ bytes: [UInt8]) -> Bool {
        guard let begin = firstRange(of: Array("-----BEGIN ".utf8), in: bytes, from: 0) else { return false }
        return firstRange(of: Array("PRIVATE KEY-----".utf8), in: bytes, from: begin) != nil
    }

    /// `xoxa-`, `xoxb-`, `xoxp-`, `xoxr-` followed by at least 10 token characters.
    private static func slackToken(_ bytes: [UInt8], at index: Int) -> Bool {
        guard index + 5 <= bytes.count, bytes[index..<index + 3].elementsEqual("xox".utf8), bytes[index + 4] == UInt8(ascii: "-") else {
            return false
        }
        guard [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "p"), UInt8(ascii: "r")].contains(bytes[index + 3]) else { return false }
        return runLength(bytes, from: index + 5, limit: 10, where: isTokenByte) >= 10
    }

    /// Three base64url parts joined by dots, the first starting `eyJ` (`{"` encoded): a JWT. Also returns where the
    /// header run ends, so that the caller does not rescan it.
    private static func jwt(_ bytes: [UInt8], at index: Int) -> (found: Bool, headerEnd: Int) {
        guard index + 3 <= bytes.count, bytes[index..<index + 3].elementsEqual("eyJ".utf8) else { return (false, index) }
        let header = runLength(bytes, from: index, where: isBase64URLByte)
        let headerEnd = index + header
        guard header >= 10, headerEnd < bytes.count, bytes[headerEnd] == UInt8(ascii: ".") else { return (false, headerEnd) }
        let payloadStart = headerEnd + 1
        let payload = runLength(bytes, from: payloadStart, where: isBase64URLByte)
        guard payload >= 2, payloadStart + payload < bytes.count, bytes[payloadStart + payload] == UInt8(ascii: ".") else {
            return (false, headerEnd)
        }
        return (runLength(bytes, from: payloadStart + payload + 1, limit: 1, where: isBase64URLByte) >= 1, headerEnd)
    }

    /// `scheme://user:password@host`: the colon at `colonAt` must start `://` and a `:` must precede an `@` before any `/`.
    private static func urlWithPassword(_ bytes: [UInt8], colonAt index: Int) -> Bool {
        guard index + 3 < bytes.count, bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/") else { return false }
        var sawColon = false
        var cursor = index + 3
        while cursor < bytes.count {
            switch bytes[cursor] {
            case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: " "): return false
            case UInt8(ascii: ":"): sawColon = true
            case UInt8(ascii: "@"): return sawColon && bytes[cursor - 1] != UInt8(ascii: ":")
            default: break
            }
            cursor += 1
        }
        return false
    }

    private static func tokenAfter(_ prefix: [UInt8], in bytes: [UInt8], at index: Int, minimum: Int) -> Bool {
        guard index + prefix.count <= bytes.count, bytes[index..<index + prefix.count].elementsEqual(prefix) else { return false }
        return runLength(bytes, from: index + prefix.count, limit: minimum, where: isTokenByte) >= minimum
    }

    /// How many bytes from `start` satisfy `predicate`, counting at most `limit` (callers only need "at least n").
    private static func runLength(_ bytes: [UInt8], from start: Int, limit: Int = .max, where predicate: (UInt8) -> Bool) -> Int {
        var cursor = start
        while cursor < bytes.count, cursor - start < limit, predicate(bytes[cursor]) { cursor += 1 }
        return cursor - start
    }

    private static func firstRange(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        isBase64URLByte(byte)
    }

    private static func isBase64URLByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2D
    }
}
