import App
import Crypto
import Domain
import Foundation
import Testing
import TestSupport

@Suite struct AdmissionAndDeploymentTests {
    static let hex = DecisionFlowTests.hex
    static let digest = DecisionFlowTests.digest

    /// An AdmissionReview for a pod (or a workload) with `images`.
    static func review(kind: String = "Pod", images: [String], uid: String = "4c9c1b3e-0000-4000-8000-000000000001") throws -> String {
        let containers = images.enumerated().map { ["name": "c\($0.offset)", "image": $0.element] }
        let podSpec: [String: Any] = ["containers": containers]
        let spec: [String: Any] =
            switch kind {
            case "Pod": podSpec
            case "CronJob": ["jobTemplate": ["spec": ["template": ["spec": podSpec]]]]
            default: ["template": ["spec": podSpec]]
            }
        return try jsonBody([
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": [
                "uid": uid, "kind": ["group": "", "version": "v1", "kind": kind], "operation": "CREATE", "namespace": "default",
                "object": ["apiVersion": "v1", "kind": kind, "spec": spec],
            ],
        ])
    }

    static func response(_ reply: TestResponse) throws -> [String: Any] {
        guard let response = try reply.json()["response"] as? [String: Any] else { throw TestClientError(description: "no response: \(reply.text)") }
        return response
    }

    @Test func admitsClearedDigestsAndDeniesTagsAndUnclearedImages() async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            let pinned = "registry.example.com/team/app@\(Self.digest)"
            for kind in ["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet"] {
                let allowed = try await world.post("/k8s/admission?env=staging", token: world.admin, json: try Self.review(kind: kind, images: [pinned]))
                #expect(allowed.status == 200)
                let response = try Self.response(allowed)
                #expect(response["allowed"] as? Bool == true, "\(kind): \(allowed.text)")
                #expect(response["uid"] as? String == "4c9c1b3e-0000-4000-8000-000000000001")
            }
            let denied = try await world.post(
                "/k8s/admission?env=production", token: world.admin, json: try Self.review(images: [pinned, "nginx:1.25"]))
            let response = try Self.response(denied)
            #expect(response["allowed"] as? Bool == false)
            let message = try #require((response["status"] as? [String: Any])?["message"] as? String)
            #expect(message.contains("nginx:1.25 is not pinned by digest"))
            #expect(message.contains("not cleared for production"))

            let unknownKind = try await world.post("/k8s/admission?env=staging", token: world.admin, json: try Self.review(kind: "Gadget", images: [pinned]))
            #expect(try Self.response(unknownKind)["allowed"] as? Bool == false)
            #expect(try await world.post("/k8s/admission", token: world.admin, json: try Self.review(images: [pinned])).status == 400)
            #expect(try await world.post("/k8s/admission?env=staging", token: world.admin, json: #"{"kind":"Nope"}"#).status == 422)
            #expect(try await world.post("/k8s/admission?env=staging", json: try Self.review(images: [pinned])).status == 401)
        }
    }

    @Test func realAdmissionRequestsFromACluster() async throws {
        try await DecisionFlowTests.world { world in
            let pod = try Fixture.text("kubewarden-request-pod-hostpaths.json")
            let wrapped = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":"# + pod + "}"
            let denied = try Self.response(try await world.post("/k8s/admission?env=staging", token: world.admin, json: wrapped))
            #expect(denied["allowed"] as? Bool == false)
            #expect(((denied["status"] as? [String: Any])?["message"] as? String)?.contains("busybox is not pinned by digest") == true)

            let deletion = try Fixture.text("kubewarden-request-PodDeleteRequest.json")
            let allowed = try Self.response(
                try await world.post(
                    "/k8s/admission?env=staging", token: world.admin,
                    json: #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":"# + deletion + "}"))
            #expect(allowed["allowed"] as? Bool == true)

            let full = try Self.response(
                try await world.post("/k8s/admission?env=staging", token: world.admin, json: try Fixture.text("kubewarden-review-pod_with_flexvolume.json")))
            #expect(full["allowed"] as? Bool == false)
            #expect(full["uid"] as? String == "705ab4f5-6393-11e8-b7cc-42010a800002")
        }
    }

    @Test func namespacesMapToEnvironments() async throws {
        let clock = ManualClock(Date())
        let mappings = try ["prod-*=production", "dev=staging"].map(NamespaceMapping.init(parsing:))
        try await withLiveServer({
            $0.clock = { clock.now }
            $0.namespaceEnvironments = mappings
        }) { live in
            let admin = try await live.token([.admin])
            let signer = try PrivateKey.generate(.ecdsaP256)
            _ = try await live.trustKey(signer.publicKey.pemEncoded, name: "ci", admin: admin)
            let world = DecisionFlowTests.World(
                live: live, clock: clock, admin: admin, ci: try await live.token([.evidenceWrite], name: "ci"), signer: signer, keyID: signer.publicKey.id)
            try await DecisionFlowTests.postEvidence(world)
            func admit(namespace: String, query: String = "") async throws -> Bool? {
                var object = try #require(try JSONSerialization.jsonObject(with: Data(try Self.review(images: ["app@\(Self.digest)"]).utf8)) as? [String: Any])
                var request = object["request"] as! [String: Any]
                request["namespace"] = namespace
                object["request"] = request
                let reply = try await world.post("/k8s/admission\(query)", token: admin, json: try jsonBody(object))
                return try Self.response(reply)["allowed"] as? Bool
            }
            #expect(try await admit(namespace: "dev") == true)  // staging: cleared
            #expect(try await admit(namespace: "prod-eu") == false)  // production: needs approval
            #expect(try await admit(namespace: "prod-eu", query: "?env=staging") == false)  // the mapping wins over ?env=
            #expect(try await admit(namespace: "other") == false)  // unmapped and no ?env=: denied
            #expect(try await admit(namespace: "other", query: "?env=staging") == true)
            #expect(throws: APIError.self) { try NamespaceMapping(parsing: "no-equals") }
        }
    }

    @Test func imageReviewAnswersTheImagePolicyWebhook() async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            let body = try jsonBody([
                "apiVersion": "imagepolicy.k8s.io/v1alpha1", "kind": "ImageReview",
                "spec": ["containers": [["image": "registry.example.com/team/app@\(Self.digest)"]], "namespace": "default"],
            ])
            let allowed = try await world.post("/k8s/imagereview?env=staging", token: world.admin, json: body)
            #expect((try allowed.json()["status"] as? [String: Any])?["allowed"] as? Bool == true)
            let denied = try await world.post("/k8s/imagereview?env=production", token: world.admin, json: body)
            #expect((try denied.json()["status"] as? [String: Any])?["allowed"] as? Bool == false)
        }
    }

    @Test func deploymentsReportDrift() async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            let deployer = try await world.live.token([.deploymentsWrite, .clearanceRead], name: "deployer")
            let staging = try await world.post(
                "/api/v1/deployments", token: deployer, json: try jsonBody(["digest": Self.digest, "environment": "staging", "target": "eu-1/shop/api"]))
            #expect(staging.status == 201, "\(staging.text)")
            #expect(try staging.json()["drift"] as? Bool == false)
            let production = try await world.post(
                "/api/v1/deployments", token: deployer,
                json: try jsonBody(["digest": "registry.example.com/team/app@\(Self.digest)", "environment": "production", "target": "eu-1/shop/api"]))
            #expect(try production.json()["drift"] as? Bool == true)
            let list = try await world.live.client().request("GET", "/api/v1/deployments?env=production", token: deployer).json()
            let deployments = try #require(list["deployments"] as? [[String: Any]])
            #expect(deployments.count == 1)
            #expect(deployments.first?["cleared"] as? Bool == false && deployments.first?["drift"] as? Bool == true)
            #expect(try await world.post(
                "/api/v1/deployments", token: deployer, json: try jsonBody(["digest": "app:latest", "environment": "staging", "target": "x"])).status == 400)
            #expect(try await world.post(
                "/api/v1/deployments", token: deployer, json: try jsonBody(["digest": Self.digest, "environment": "mars", "target": "x"])).status == 404)
            #expect(try await world.post(
                "/api/v1/deployments", token: world.ci, json: try jsonBody(["digest": Self.digest, "environment": "staging", "target": "x"])).status == 403)
        }
    }
}
