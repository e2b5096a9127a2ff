import Alerts
import WardenCore

/// What `warden run` does with the integrity check it makes before changing anything in the guest
/// (issue 12 §2), as the policy's `on-compromised-at-attach` says: attaching to a guest whose
/// syscall tables or IDT are already hooked would write-protect the hooks and call the guest
/// protected, so by default Warden refuses and explains.
public struct AttachDecision: Sendable {
    /// Whether `run` goes on to protect the guest.
    public var attaches: Bool
    /// For the operator (stderr, or the refusal's error): the check and what the policy made of it.
    public var explanation: String
    /// One per difference, when the policy says `alert`; empty otherwise.
    public var alerts: [Alert]

    public init(report: IntegrityReport, policies: PolicySet, domain: AlertDomain, time: AlertTimestamp = .now()) {
        let setting = policies.onCompromisedAtAttach
        let response = policies.compromiseResponse
        guard !report.isClean else {
            attaches = true
            explanation = "integrity at attach: clean: " + report.results.compactMap(Self.summary).joined(separator: ", ")
            alerts = []
            return
        }
        let said = setting.map { "on-compromised-at-attach: \(response.rawValue) at \($0.location)" }
            ?? "on-compromised-at-attach is not set, and refuse is the default"
        let details = report.renderText().split(separator: "\n").map { "  \($0)" }.joined(separator: "\n")
        switch response {
        case .refuse:
            attaches = false
            explanation = "refusing to protect domain \(domain.name): its kernel is already hooked or could not be checked, and "
                + "protecting it would write-protect whatever is there; nothing in the guest was changed (\(said)).\n\(details)\n"
                + "After investigating, a policy with on-compromised-at-attach: alert attaches anyway and reports each difference."
            alerts = []
        case .alert, .ignore:
            attaches = true
            let reported = response == .alert ? "one alert per difference follows" : "the differences are not alerted"
            explanation = "integrity at attach: \(report.verdict.dropFirst("integrity: ".count)); attaching anyway as "
                + "\(said) says, \(reported)\n\(details)"
            guard response == .alert, let setting else {
                alerts = []
                return
            }
            let policy = policies.policies.first { $0.onCompromisedAtAttach == setting }?.name ?? "policy"
            alerts = report.differences.map { difference in
                Alert(finding: difference, time: time, domain: domain, rule: "\(policy)/on-compromised-at-attach", policy: setting.location)
            }
        }
    }

    /// `sys_call_table 451 entries`: what a clean check covered.
    private static func summary(_ result: StructureResult) -> String? {
        guard case .checked(_, let note) = result.outcome else { return nil }
        return "\(result.structure) \(note)"
    }
}
