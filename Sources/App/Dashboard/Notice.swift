/// Fixed messages shown after an action redirects (`?notice=key`): a key never echoes arbitrary text.
enum Notice {
    static let texts: [String: String] = [
        "approved": "Approval recorded.",
        "rejected": "Rejection recorded.",
        "waived": "Waiver added.",
        "break-glass": "Break-glass recorded: the image is force-cleared and flagged.",
        "break-glass-confirmed": "Break-glass confirmed.",
        "key-added": "Key added.",
        "key-revoked": "Key revoked.",
        "policy-saved": "Policy saved as a new version.",
        "user-added": "User added.",
        "password-set": "Password set; that user's sessions have ended.",
        "token-revoked": "Token revoked.",
        "signed-out": "You are signed out.",
        "password-changed": "Password changed; sign in again.",
    ]

    /// The message for `key`, or nil for an unknown key.
    static func text(_ key: String?) -> String? { key.flatMap { texts[$0] } }
}
