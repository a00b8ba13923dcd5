import COpenSSL
import Dispatch

/// Hashes and verifies passwords with scrypt, encoded as `scrypt$<logN>$<r>$<p>$<salt b64url>$<hash b64url>`.
///
/// Each hash holds about 128·r·2^logN bytes (32 MiB at the defaults) for ~150 ms, so at most `maxConcurrent`
/// hashes or verifications run at once per hasher; further callers block until a slot frees. Create one hasher
/// and share it (copies share the same limit). The calls are synchronous and CPU-bound: run them off the
/// cooperative pool if latency there matters.
public struct PasswordHasher: Sendable {
    /// Accepted parameters when *verifying* a stored hash. A hash row is data, possibly tampered with: these
    /// bounds keep a forged `scrypt$30$…` from allocating gigabytes or spinning for minutes.
    package enum Bounds {
        static let logN: ClosedRange<UInt8> = 10...20
        static let r: ClosedRange<UInt32> = 1...32
        static let p: ClosedRange<UInt32> = 1...16
        static let maxMemory: UInt64 = 256 << 20
        static let maxWork: UInt64 = 1 << 23          // N·r·p; the default 2^15·8·1 = 2^18
        static let saltBytes: ClosedRange<Int> = 8...64
        static let hashBytes: ClosedRange<Int> = 16...64
        /// Minimum cost for *new* hashes.
        static let minimumHashingLogN: UInt8 = 15
    }

    private static let saltLength = 16
    private static let keyLength = 32

    private let logN: UInt8
    private let r: UInt32
    private let p: UInt32
    private let gate: ConcurrencyGate

    /// Creates a hasher; the parameters are code-level configuration, so out-of-range values trap
    /// (logN must be 15...20, r 1...32, p 1...16, within 256 MiB and 2^23 N·r·p; `maxConcurrent` ≥ 1).
    public init(logN: UInt8 = 15, r: UInt32 = 8, p: UInt32 = 1, maxConcurrent: Int = 2) {
        precondition(logN >= Bounds.minimumHashingLogN, "PasswordHasher: logN below 15 is too weak for new hashes")
        precondition(Self.parametersAcceptable(logN: logN, r: r, p: p), "PasswordHasher: scrypt parameters out of bounds")
        precondition(maxConcurrent >= 1, "PasswordHasher: maxConcurrent must be at least 1")
        self.logN = logN
        self.r = r
        self.p = p
        self.gate = ConcurrencyGate(limit: maxConcurrent)
    }

    /// Hashes `password` (its UTF-8 bytes, not normalized) with a fresh 16-byte salt into a 32-byte key.
    /// - Returns: `scrypt$<logN>$<r>$<p>$<salt b64url>$<hash b64url>`.
    /// - Throws: `OpenSSLError` if OpenSSL cannot derive the key (e.g. out of memory).
    public func hash(password: String) throws -> String {
        let salt = SecureRandom.bytes(count: Self.saltLength)
        let key = try gate.withPermit {
            try Scrypt.deriveKey(
                password: Array(password.utf8), salt: salt, n: 1 << UInt64(logN), r: UInt64(r), p: UInt64(p),
                length: Self.keyLength)
        }
        return "scrypt$\(logN)$\(r)$\(p)$\(Base64URL.encode(salt))$\(Base64URL.encode(key))"
    }

    /// Checks `password` against an encoded hash using the parameters stored in it, comparing in constant time.
    /// - Returns: false when the password does not match.
    /// - Throws: `PasswordHashError` when `encoded` is malformed or its parameters are outside the accepted
    ///   bounds (logN 10...20 and the limits above); `OpenSSLError` if derivation fails.
    public func verify(password: String, against encoded: String) throws -> Bool {
        let stored = try EncodedPasswordHash(parsing: encoded)
        let candidate = try gate.withPermit {
            try Scrypt.deriveKey(
                password: Array(password.utf8), salt: stored.salt, n: 1 << UInt64(stored.logN), r: UInt64(stored.r),
                p: UInt64(stored.p), length: stored.hash.count)
        }
        return ConstantTime.equals(candidate, stored.hash)
    }

    static func parametersAcceptable(logN: UInt8, r: UInt32, p: UInt32) -> Bool {
        guard Bounds.logN.contains(logN), Bounds.r.contains(r), Bounds.p.contains(p) else { return false }
        let n = UInt64(1) << UInt64(logN)
        guard let memory = Scrypt.requiredMemory(n: n, r: UInt64(r), p: UInt64(p)) else { return false }
        return memory <= Bounds.maxMemory && n * UInt64(r) * UInt64(p) <= Bounds.maxWork
    }
}

/// A stored password hash that is malformed or asks for unacceptable scrypt parameters.
public struct PasswordHashError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fixed text naming what is wrong; never contains the encoded hash.
    public let reason: String

    /// `"invalid password hash: <reason>"`.
    public var description: String { "invalid password hash: \(reason)" }
}

/// The fields of `scrypt$<logN>$<r>$<p>$<salt>$<hash>`, validated.
struct EncodedPasswordHash {
    let logN: UInt8
    let r: UInt32
    let p: UInt32
    let salt: [UInt8]
    let hash: [UInt8]

    init(parsing encoded: String) throws(PasswordHashError) {
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 6 else { throw PasswordHashError(reason: "expected 6 '$'-separated fields") }
        guard fields[0] == "scrypt" else { throw PasswordHashError(reason: "unknown algorithm") }
        guard let logN = Self.decimal(fields[1], as: UInt8.self), let r = Self.decimal(fields[2], as: UInt32.self),
            let p = Self.decimal(fields[3], as: UInt32.self)
        else { throw PasswordHashError(reason: "parameters are not decimal numbers") }
        guard PasswordHasher.parametersAcceptable(logN: logN, r: r, p: p) else {
            throw PasswordHashError(reason: "scrypt parameters out of accepted bounds")
        }
        guard let salt = Base64URL.decode(String(fields[4])), PasswordHasher.Bounds.saltBytes.contains(salt.count) else {
            throw PasswordHashError(reason: "bad salt")
        }
        guard let hash = Base64URL.decode(String(fields[5])), PasswordHasher.Bounds.hashBytes.contains(hash.count) else {
            throw PasswordHashError(reason: "bad hash")
        }
        (self.logN, self.r, self.p, self.salt, self.hash) = (logN, r, p, salt, hash)
    }

    /// Plain ASCII digits only: `Int("+15")` and friends would accept more spellings than we write.
    private static func decimal<T: FixedWidthInteger>(_ field: Substring, as type: T.Type) -> T? {
        guard !field.isEmpty, field.count <= 10, field.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return T(field)
    }
}
