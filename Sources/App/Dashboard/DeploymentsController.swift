import Domain
import HTTPCore
import Store

/// `GET /deployments`: the latest report per target with the decision now; drift is flagged in text, not colour alone.
enum DeploymentsController {
    struct Row: Sendable {
        let environment: String
        let target: String
        let href: String
        let short: String
        let drift: Bool
        let by: String
        let at: TimeView
    }

    struct Model: Sendable {
        let chrome: PageChrome
        let deployments: Listing<Row>
    }

    static func routes(_ dashboard: Dashboard) -> [AppRoute] {
        [
            dashboard.page("/deployments") { request in
                let services = dashboard.services
                let deployments = try await services.database.read { db in try DeploymentStore.latest(environment: nil, in: db) }
                var rows: [Row] = []
                // One snapshot per environment; a decision that cannot be computed counts as drift (fail closed).
                for environment in Set(deployments.map(\.environment)).sorted() {
                    let here = deployments.filter { $0.environment == environment }
                    let cleared: [Bool]
                    do {
                        cleared = try await services.decisions.decide(here.map(\.digest), environment: environment).map(\.cleared)
                    } catch {
                        cleared = Array(repeating: false, count: here.count)
                    }
                    for (deployment, isCleared) in zip(here, cleared) {
                        rows.append(
                            Row(
                                environment: environment, target: deployment.target, href: ViewText.imageHref(deployment.digest),
                                short: ViewText.short(deployment.digest), drift: !isCleared, by: deployment.reportedBy, at: TimeView(deployment.reportedAt)))
                    }
                }
                return DashboardResponse.page("deployments", Model(chrome: request.chrome(current: "/deployments"), deployments: Listing(rows)))
            }
        ]
    }
}
