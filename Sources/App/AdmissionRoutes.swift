import Domain
import Evidence
import HTTPCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Kubernetes: the validating admission webhook (AdmissionReview v1) and the ImagePolicyWebhook (ImageReview).
/// Every image must be pinned by digest and cleared for the environment; anything not understood is denied.
enum AdmissionRoutes {
    /// The parts of a pod spec that name images.
    struct PodSpec: Decodable {
        struct Container: Decodable {
            let name: String?
            let image: String?
        }

        let containers: [Container]?
        let initContainers: [Container]?
        let ephemeralContainers: [Container]?

        var images: [(container: String, image: String?)] {
            ((containers ?? []) + (initContainers ?? []) + (ephemeralContainers ?? [])).map { ($0.name ?? "?", $0.image) }
        }
    }

    /// Pods, workload templates and CronJob templates, decoded only as deep as needed.
    struct Object: Decodable {
        struct Template: Decodable { let spec: PodSpec? }
        struct JobSpec: Decodable { let template: Template? }
        struct JobTemplate: Decodable { let spec: JobSpec? }
        struct Spec: Decodable {
            let containers: [PodSpec.Container]?
            let initContainers: [PodSpec.Container]?
            let ephemeralContainers: [PodSpec.Container]?
            let template: Template?
            let jobTemplate: JobTemplate?
        }

        let kind: String?
        let spec: Spec?
    }

    struct Review: Decodable {
        struct Request: Decodable {
            struct GroupVersionKind: Decodable { let kind: String }
            let uid: String
            let kind: GroupVersionKind?
            let operation: String?
            let namespace: String?
            let object: Object?
        }

        let apiVersion: String?
        let kind: String?
        let request: Request?
    }

    static let podKinds: Set<String> = ["Pod"]
    static let templateKinds: Set<String> = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"]

    static func routes(_ services: Services) -> [AppRoute] {
        let answers = services.answers
        return [
            AppRoute(
                method: .POST, pattern: "/k8s/admission", access: .scope(.clearanceRead),
                summary: "Kubernetes validating admission webhook (AdmissionReview v1, ?env=): denies images without a digest or not cleared",
                requestSchema: "AdmissionReview", responseSchema: "AdmissionReview", query: [QueryParameter(name: "env", required: false, description: "the environment for namespaces no mapping names")], maxBodyBytes: 4 * 1024 * 1024
            ) { request in
                try checkDepth(request.http.body)
                guard let review = try? JSONDecoder().decode(Review.self, from: Data(request.http.body)) else {
                    throw APIError.badRequest("not an AdmissionReview (admission.k8s.io/v1)")
                }
                guard review.kind == "AdmissionReview", let admission = review.request else {
                    throw APIError.invalid("expected kind AdmissionReview with a request")
                }
                // The namespace mapping decides first; the webhook URL's ?env= is the fallback.
                let mapped = NamespaceMapping.environment(for: admission.namespace, in: services.namespaceEnvironments)
                let outcome: Outcome
                if let environment = mapped ?? request.http.queryValue("env"), !environment.isEmpty {
                    outcome = try await judge(admission, environment: environment, answers: answers, log: services.log)
                } else if services.namespaceEnvironments.isEmpty {
                    throw APIError.badRequest("configure the webhook URL with ?env=<environment>")
                } else {
                    outcome = Outcome(
                        allowed: false, message: "namespace \(admission.namespace ?? "(none)") maps to no environment; denied", warnings: [])
                }
                struct Reply: Encodable {
                    struct Response: Encodable {
                        struct Status: Encodable { let code: Int; let message: String }
                        let uid: String
                        let allowed: Bool
                        let status: Status?
                        let warnings: [String]?
                    }
                    let apiVersion: String
                    let kind: String
                    let response: Response
                }
                return JSONBody.response(
                    .ok,
                    Reply(
                        apiVersion: review.apiVersion ?? "admission.k8s.io/v1", kind: "AdmissionReview",
                        response: .init(
                            uid: admission.uid, allowed: outcome.allowed, status: outcome.allowed ? nil : .init(code: 403, message: outcome.message),
                            warnings: outcome.warnings.isEmpty ? nil : outcome.warnings)))
            },
            AppRoute(
                method: .POST, pattern: "/k8s/imagereview", access: .scope(.clearanceRead),
                summary: "Kubernetes ImagePolicyWebhook (ImageReview, ?env=)", requestSchema: "ImageReview", responseSchema: "ImageReview", query: [QueryParameter(name: "env", required: true, description: "the environment whose policy applies")],
                maxBodyBytes: 1024 * 1024
            ) { request in
                let environment = try environmentParameter(request)
                try checkDepth(request.http.body)
                struct ImageReview: Decodable {
                    struct Spec: Decodable {
                        struct Container: Decodable { let image: String? }
                        let containers: [Container]?
                    }
                    let apiVersion: String?
                    let spec: Spec?
                }
                guard let review = try? JSONDecoder().decode(ImageReview.self, from: Data(request.http.body)), let spec = review.spec else {
                    throw APIError.badRequest("not an ImageReview")
                }
                let outcome = try await judge(
                    images: (spec.containers ?? []).enumerated().map { ("container \($0.offset)", $0.element.image) }, environment: environment,
                    answers: answers, log: services.log)
                struct Reply: Encodable {
                    struct Status: Encodable { let allowed: Bool; let reason: String? }
                    let apiVersion: String
                    let kind: String
                    let status: Status
                }
                return JSONBody.response(
                    .ok,
                    Reply(
                        apiVersion: review.apiVersion ?? "imagepolicy.k8s.io/v1alpha1", kind: "ImageReview",
                        status: .init(allowed: outcome.allowed, reason: outcome.allowed ? nil : outcome.message)))
            },
        ]
    }

    struct Outcome {
        let allowed: Bool
        let message: String
        let warnings: [String]
    }

    private static func environmentParameter(_ request: AppRequest) throws -> String {
        guard let environment = request.http.queryValue("env"), !environment.isEmpty else {
            throw APIError.badRequest("configure the webhook URL with ?env=<environment>")
        }
        return environment
    }

    private static func judge(_ admission: Review.Request, environment: String, answers: ClearanceAnswers, log: LogSink) async throws -> Outcome {
        // Deletions and other operations without an object create nothing to run.
        guard let object = admission.object else {
            return Outcome(allowed: true, message: "", warnings: [])
        }
        let kind = object.kind ?? admission.kind?.kind ?? ""
        let images: [(container: String, image: String?)]
        if podKinds.contains(kind) {
            images = PodSpec(containers: object.spec?.containers, initContainers: object.spec?.initContainers,
                ephemeralContainers: object.spec?.ephemeralContainers).images
        } else if templateKinds.contains(kind) {
            images = object.spec?.template?.spec?.images ?? []
        } else if kind == "CronJob" {
            images = object.spec?.jobTemplate?.spec?.template?.spec?.images ?? []
        } else {
            return Outcome(allowed: false, message: "Shipgate does not understand kind '\(kind)'; denied", warnings: [])
        }
        return try await judge(images: images, environment: environment, answers: answers, log: log)
    }

    private static func judge(
        images: [(container: String, image: String?)], environment: String, answers: ClearanceAnswers, log: LogSink
    ) async throws -> Outcome {
        guard !images.isEmpty else { return Outcome(allowed: false, message: "no container images found; denied", warnings: []) }
        var failures: [String] = []
        var warnings: [String] = []
        for (container, image) in images {
            guard let image, !image.isEmpty else {
                failures.append("\(container): no image")
                continue
            }
            let digest: Digest
            do {
                digest = try ImageReference(parsing: image).digest
            } catch {
                failures.append("\(container): \(image) is not pinned by digest; deploy name@sha256:…")
                continue
            }
            do {
                let answer = try await answers.answers([digest], environment: environment)[0]
                if !answer.cleared {
                    failures.append(
                        "\(container): \(digest.rawValue) is not cleared for \(environment): "
                            + answer.failing.map { "\($0.rule): \($0.message)" }.joined(separator: "; "))
                } else if !answer.failing.isEmpty || answer.breakGlass {
                    warnings.append("\(container): \(digest.rawValue) cleared with findings (\(answer.breakGlass ? "break-glass" : answer.mode.rawValue))")
                }
            } catch let error as APIError where error.status == .notFound {
                failures.append("\(container): \(error.message)")
            } catch {
                log.error("admission decision failed for \(digest.rawValue): \(error)")
                failures.append("\(container): the decision could not be computed; denied")
            }
        }
        return Outcome(allowed: failures.isEmpty, message: failures.joined(separator: "\n"), warnings: warnings)
    }

    /// Deeply nested JSON is refused before any decoder recurses.
    private static func checkDepth(_ body: [UInt8]) throws {
        do {
            try JSONDepthGuard.check(body)
        } catch {
            throw EvidenceService.apiError(error)
        }
    }
}
