/// One queued unit of work for the writer thread.
struct WriteJob: Sendable {
    /// How the writer runs it.
    enum Kind: Sendable {
        /// Runs inside the group transaction, in its own savepoint.
        case grouped
        /// Runs alone with no transaction open (the migrator manages its own transactions).
        case exclusive
    }

    /// What a grouped job left behind after running.
    enum Outcome {
        /// The body returned; `deliver` resumes the caller with its result (call only after COMMIT).
        case returned(deliver: @Sendable () -> Void)
        /// The body threw this error.
        case threw(any Error)
    }

    let kind: Kind
    /// Runs the body on the writer connection; does not resume the caller.
    let run: @Sendable (SQLiteConnection) -> Outcome
    /// Resumes the caller with an error (job failed, group failed, or database closed).
    let fail: @Sendable (any Error) -> Void
}
