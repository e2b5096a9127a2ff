/// What `warden run` does when the integrity check at attach (`KernelIntegrity`) finds the guest's
/// kernel already compromised, or cannot check it: the policy's top-level
/// `on-compromised-at-attach` key.
public enum CompromiseResponse: String, Sendable, Hashable, CaseIterable {
    /// Exit before changing anything in the guest, explaining each difference. Protecting a kernel
    /// that is already hooked would write-protect the hook and report a guest as protected that is not.
    case refuse
    /// Attach anyway and report one alert per difference, for a guest an operator must keep running.
    case alert
    /// Attach anyway; the differences are only logged.
    case ignore

    /// Without the key: attaching must not bless a compromise (issue 12 §2).
    public static let `default` = CompromiseResponse.refuse
}

/// The key as one policy file gives it, with where, so conflicts and alerts can name the line.
public struct CompromiseSetting: Sendable, Hashable {
    public var response: CompromiseResponse
    public var location: SourceLocation

    public init(response: CompromiseResponse, location: SourceLocation) {
        self.response = response
        self.location = location
    }
}
