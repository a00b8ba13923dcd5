import Mustache

/// The dashboard's Mustache templates, compiled once from the copies embedded in the binary.
/// Every value is HTML-escaped by Mustache (`& < > " '`); templates never use triple braces or `{{&`,
/// which a test enforces.
enum DashboardTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for source in embeddedTemplateSources {
            do {
                try library.register(source.text, named: source.name)
            } catch {
                // Templates are compiled into the binary and parsed by the tests: a failure here is a build defect.
                preconditionFailure("template \(source.name) does not parse: \(error)")
            }
        }
        return library
    }()

    /// The names of every embedded template.
    static var names: [String] { embeddedTemplateSources.map(\.name) }

    /// The source text of every embedded template, by name (for the template tests).
    static var sources: [(name: String, text: String)] { embeddedTemplateSources }

    /// Renders `template` with `model`.
    static func render(_ template: String, _ model: Any) -> String {
        guard let html = library.render(model, withTemplate: template) else {
            preconditionFailure("no template named \(template)")
        }
        return html
    }
}
