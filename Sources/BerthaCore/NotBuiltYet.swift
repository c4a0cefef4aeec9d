/// A subcommand or option whose engine has not been built yet. It says which piece is missing and
/// exits with the usage code (2), so scripts never mistake it for a result.
public struct NotBuiltYet: BerthaError {
    public let feature: String
    public let missingPiece: String

    public init(_ feature: String, missing piece: String) {
        self.feature = feature
        self.missingPiece = piece
    }

    public var message: String { "\(feature) is not built yet: it needs \(missingPiece)" }
    public var exitCode: BerthaExitCode { .usage }
}
