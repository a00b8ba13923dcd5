import Crypto
import Foundation

/// A self-signed certificate and key written to a fresh temporary directory.
struct CertificateFiles: Sendable {
    let directory: URL
    let certificatePath: String
    let keyPath: String
    let certificatePEM: String

    init(commonName: String = "localhost") throws {
        let pem = try SelfSignedCertificate.make(commonName: commonName)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("CryptoTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certificatePath = directory.appendingPathComponent("cert.pem").path
        keyPath = directory.appendingPathComponent("key.pem").path
        certificatePEM = pem.certificatePEM
        try pem.certificatePEM.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try pem.privateKeyPEM.write(toFile: keyPath, atomically: true, encoding: .utf8)
    }

    func write(_ text: String, named name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

extension TLSHandshakeState {
    var isComplete: Bool {
        if case .complete = self { return true }
        return false
    }

    var error: OpenSSLError? {
        if case .failed(let error) = self { return error }
        return nil
    }
}

/// Moves everything `from` has queued into `to`; returns how many bytes moved.
@discardableResult
func transfer(_ from: TLSSession, to: TLSSession) -> Int {
    let bytes = from.takeCiphertext()
    bytes.withUnsafeBytes { to.feedCiphertext($0) }
    return bytes.count
}

/// Runs both handshakes against each other in memory until both finish, one fails, or nothing moves.
func handshake(client: TLSSession, server: TLSSession) -> (client: TLSHandshakeState, server: TLSHandshakeState) {
    var clientState = client.handshake()
    var serverState = TLSHandshakeState.wantIO
    for _ in 0..<20 {
        let toServer = transfer(client, to: server)
        serverState = server.handshake()
        let toClient = transfer(server, to: client)
        clientState = client.handshake()
        if clientState.isComplete && serverState.isComplete { break }
        if clientState.error != nil || serverState.error != nil {
            // Let the side that did not fail see the alert.
            transfer(client, to: server)
            transfer(server, to: client)
            if clientState.error == nil { clientState = client.handshake() }
            if serverState.error == nil { serverState = server.handshake() }
            break
        }
        if toServer == 0 && toClient == 0 && !serverState.isComplete { break }
    }
    return (clientState, serverState)
}

/// Writes `message` on one side and reads it back on the other.
func send(_ message: [UInt8], from sender: TLSSession, to receiver: TLSSession) throws -> [UInt8] {
    try message.withUnsafeBytes { try sender.writePlaintext($0) }
    transfer(sender, to: receiver)
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    while received.count < message.count {
        let result = try buffer.withUnsafeMutableBytes { try receiver.readPlaintext(into: $0) }
        guard case .bytes(let n) = result else { break }
        received += buffer[..<n]
    }
    transfer(receiver, to: sender)   // e.g. TLS 1.3 key-update responses
    return received
}
