import Testing
import WardenCore

/// The top-level `on-compromised-at-attach` key: what `warden run` does when the guest is already hooked.
@Suite struct PolicyCompromiseTests {
    func document(_ value: String?, name: String = "test") -> String {
        "warden-policy: 1\nname: \(name)\n" + (value.map { "on-compromised-at-attach: \($0)\n" } ?? "")
            + "targets:\n  - symbol: sys_call_table\n"
    }

    @Test func eachResponseIsReadWithTheLineItIsOn() throws {
        for response in CompromiseResponse.allCases {
            let policy = try Policy.parse(yaml: document(response.rawValue), file: "p.yaml")
            #expect(policy.onCompromisedAtAttach == CompromiseSetting(response: response, location: SourceLocation(file: "p.yaml", line: 3, column: 27)))
        }
    }

    @Test func withoutTheKeyAPolicySetRefuses() throws {
        let policy = try Policy.parse(yaml: document(nil), file: "p.yaml")
        #expect(policy.onCompromisedAtAttach == nil)
        let set = try PolicySet(policies: [policy])
        #expect(set.onCompromisedAtAttach == nil)
        #expect(set.compromiseResponse == .refuse)
    }

    @Test func anUnknownOrMistypedValueNamesFileLineAndTheChoices() {
        let misspelt = PolicyTestSupport.diagnostics(document("refuze"), file: "p.yaml")
        #expect(
            misspelt.map(\.description) == [
                "p.yaml:3:27: on-compromised-at-attach: unknown response 'refuze' (did you mean 'refuse'?); allowed: refuse, alert, ignore (default refuse)"
            ])
        let boolean = PolicyTestSupport.diagnostics(document("true"), file: "p.yaml")
        #expect(boolean.count == 1)
        #expect(boolean.first?.location == SourceLocation(file: "p.yaml", line: 3, column: 27))
        #expect(boolean.first?.message.hasPrefix("expected one of refuse, alert, ignore: what warden run does") == true)
        let list = PolicyTestSupport.diagnostics(document("[refuse]"), file: "p.yaml")
        #expect(list.first?.message.contains("found a list") == true)
        let misnamed = PolicyTestSupport.diagnostics(
            "warden-policy: 1\nname: t\non-compromised-at-atach: refuse\ntargets:\n  - symbol: x\n", file: "p.yaml")
        #expect(misnamed.first?.message.hasPrefix("unknown key 'on-compromised-at-atach' (did you mean 'on-compromised-at-attach'?)") == true)
    }

    @Test func policiesLoadedTogetherMustAgree() throws {
        let refuse = try Policy.parse(yaml: document("refuse", name: "one"), file: "one.yaml")
        let alert = try Policy.parse(yaml: document("alert", name: "two"), file: "two.yaml")
        let silent = try Policy.parse(yaml: document(nil, name: "three"), file: "three.yaml")
        let agreeing = try PolicySet(policies: [silent, alert])
        #expect(agreeing.compromiseResponse == .alert)
        #expect(agreeing.onCompromisedAtAttach?.location.file == "two.yaml")
        do {
            _ = try PolicySet(policies: [refuse, silent, alert])
            Issue.record("disagreeing policies must be refused")
        } catch {
            #expect(
                error.diagnostics.map(\.description) == [
                    "two.yaml:3:27: on-compromised-at-attach: 'alert' here but 'refuse' at one.yaml:3:27; policies loaded "
                        + "together must agree on it, so make both the same or remove one"
                ])
        }
    }
}
