import Crypto
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What handlers share: the database, the account operations, logging and metrics.
final class Services: Sendable {
    let database: Database
    let migrations: [Migration]
    let accounts: Accounts
    let evidence: EvidenceService
    let decisions: DecisionService
    /// Clearance answers as the API and admission webhooks give them, cached while their facts hold.
    let answers: ClearanceAnswers
    let actions: DecisionActions
    let receipts: ReceiptKeys
    let namespaceEnvironments: [NamespaceMapping]
    let metrics: Metrics
    let log: LogSink
    let staticFiles: StaticFiles
    let clock: @Sendable () -> Date
    /// Reads the server's live connection count (set once the server exists).
    let openConnections: @Sendable () -> Int

    init(
        database: Database, migrations: [Migration], accounts: Accounts, evidence: EvidenceService, decisions: DecisionService,
        actions: DecisionActions, receipts: ReceiptKeys, answerCache: AnswerCache, namespaceEnvironments: [NamespaceMapping], metrics: Metrics, log: LogSink, staticFiles: StaticFiles,
        clock: @escaping @Sendable () -> Date, openConnections: @escaping @Sendable () -> Int
    ) {
        self.database = database
        self.migrations = migrations
        self.accounts = accounts
        self.evidence = evidence
        self.decisions = decisions
        self.actions = actions
        self.receipts = receipts
        self.answers = ClearanceAnswers(decisions: decisions, receipts: receipts, cache: answerCache)
        self.namespaceEnvironments = namespaceEnvironments
        self.metrics = metrics
        self.log = log
        self.staticFiles = staticFiles
        self.clock = clock
        self.openConnections = openConnections
    }
}
