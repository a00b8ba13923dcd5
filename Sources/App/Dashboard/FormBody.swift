import HTTPCore

/// An `application/x-www-form-urlencoded` body, as browsers post forms.
struct FormBody: Sendable {
    private let fields: [(name: String, value: String)]

    /// No fields.
    static let empty = FormBody(fields: [])

    private init(fields: [(name: String, value: String)]) { self.fields = fields }

    /// Parses the request body; anything but a urlencoded form (or malformed percent-encoding) is a 400.
    init(_ request: HTTPRequest) throws {
        if let contentType = request.headers["Content-Type"] {
            let mediaType = contentType.split(separator: ";").first.map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() } ?? ""
            guard mediaType == "application/x-www-form-urlencoded" else {
                throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the form as application/x-www-form-urlencoded")
            }
        }
        var fields: [(name: String, value: String)] = []
        let text = String(decoding: request.body, as: UTF8.self)
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let equals = pair.firstIndex(of: "=") {
                name = pair[..<equals]
                value = pair[pair.index(after: equals)...]
            } else {
                name = pair
                value = ""
            }
            guard let decodedName = PercentDecoding.decode(String(name), plusAsSpace: true),
                let decodedValue = PercentDecoding.decode(String(value), plusAsSpace: true)
            else { throw APIError.badRequest("the form is not valid application/x-www-form-urlencoded") }
            fields.append((decodedName, decodedValue))
        }
        self.fields = fields
    }

    /// The first value of `name`.
    subscript(name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Every value of `name`, in order (checkboxes).
    func all(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    /// The value of `name`, or a 422 naming the field.
    func required(_ name: String, label: String? = nil) throws -> String {
        guard let value = self[name], !value.trimmingWhitespace.isEmpty else { throw APIError.invalid("\(label ?? name) is required") }
        return value
    }
}
