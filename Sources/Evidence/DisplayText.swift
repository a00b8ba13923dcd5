/// Untrusted text shown back in a rejection reason: bounded in length and free of control characters,
/// so a reason can neither flood a response nor forge log lines. Only non-secret identifiers (types,
/// key id hints, subject names) ever pass through here.
enum DisplayText {
    /// `'text'`, cut to `limit` characters (with `…`) and with control characters replaced by `?`.
    static func quoted(_ text: String, limit: Int = 120) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                out.append("…")
                break
            }
            out.unicodeScalars.append(scalar.properties.generalCategory == .control ? "?" : scalar)
            count += 1
        }
        return "'" + out + "'"
    }
}
