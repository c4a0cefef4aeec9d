/// The async `run()` of a subcommand, reachable through an existential.
///
/// `any AsyncParsableCommand` exposes both the protocol's synchronous `run()` (whose default
/// prints help) and the async one, and the type checker picks the synchronous one. Every
/// command therefore also conforms to this protocol, which has only the async requirement.
protocol AsyncRunnable {
    mutating func run() async throws
}

extension Serve: AsyncRunnable {}
extension Ingest: AsyncRunnable {}
extension Retrain: AsyncRunnable {}
extension Register: AsyncRunnable {}
extension RenderManifests: AsyncRunnable {}
extension AlertRules: AsyncRunnable {}
extension Bench: AsyncRunnable {}
extension BenchServe: AsyncRunnable {}
extension Run: AsyncRunnable {}
extension Tokenize: AsyncRunnable {}
extension Inspect: AsyncRunnable {}
extension Events.Listen: AsyncRunnable {}
extension Events.Runs: AsyncRunnable {}
extension Events.Retry: AsyncRunnable {}
extension Version: AsyncRunnable {}
extension ConfigCommand.Print: AsyncRunnable {}
extension ConfigCommand.Example: AsyncRunnable {}
extension ConfigCommand.Reference: AsyncRunnable {}
