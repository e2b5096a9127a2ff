import Alerts
import ArgumentParser
import Foundation
import WardenCore

extension Warden {
    struct Except: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the policy change that would have let an alert's access through, or make it.",
            discussion: """
                Reads one alert (a JSON line from warden run --output json) and prints a target entry with the \
                exception: the function the access came from as a trusted writer, or else the narrowest run of \
                excluded bytes, with a comment naming the alert. The entry repeats the target's extent, access and \
                action, so appended to a policy file loaded together with the alert's it merges with that target.

                --apply FILE adds the exception to FILE in place (to the target's own list when FILE has the \
                target, else as a new entry), keeping comments and layout, and writes FILE only once the result \
                is a valid policy.
                """)

        @Argument(help: ArgumentHelp("A file holding one alert as a JSON line; '-' or nothing reads standard input.", valueName: "alert-file"))
        var alert: String = "-"

        @Option(
            name: .customLong("policy"),
            help: ArgumentHelp("The policy file holding the alert's rule (default: the file its 'policy' field names).", valueName: "file"))
        var policy: String?

        @Option(name: .customLong("apply"), help: ArgumentHelp("Add the exception to this policy file in place.", valueName: "file"))
        var apply: String?

        @Flag(name: .customLong("exclude"), help: "Exclude the accessed bytes even when a trusted writer would do.")
        var exclude = false

        @Option(
            name: .customLong("length"),
            help: ArgumentHelp("Bytes to exclude (default: up to the last byte the alert shows changed, else 1).", valueName: "bytes"))
        var length: UInt64?

        func validate() throws {
            if let length, length == 0 || length > 1 << 30 {
                throw ValidationError("--length is a byte count greater than 0 and at most 1 GiB (1073741824)")
            }
        }

        func run() throws {
            let alert = try readAlert()
            let applied = try apply.map { path throws(PolicyError) in try Policy.load(path: path) }
            // The target comes from the file being edited when it has the rule's extent; otherwise from
            // the alert's own policy, and the new entry must then merge with it.
            var sources: [Policy] = []
            let target: ProtectedTarget
            if let found = applied?.target(matchingRule: alert.rule) {
                target = found
            } else {
                let path = policy ?? alert.policy.file
                let source: Policy
                do { source = try Policy.load(path: path) } catch {
                    guard policy == nil else { throw error }
                    // The alert names the file as warden run was given it, relative to where it ran.
                    throw RuntimeFailure(
                        "\(error)\nthat is the file the alert's policy field names; run from the directory warden run ran in, "
                            + "or name the policy file with --policy")
                }
                guard let found = source.target(matchingRule: alert.rule) else {
                    throw RuntimeFailure(
                        "\(path): no target for the alert's rule \(alert.rule); name the policy file that has it with --policy")
                }
                (target, sources) = (found, [source])
            }
            let exception: PolicyException
            do { exception = try PolicyException(alert: alert, target: target, preferExclusion: exclude, length: length) } catch {
                throw RuntimeFailure("no exception for this alert: \(error)")
            }
            if let apply {
                try StandardOutput.write(try PolicyEditor.apply(exception, toFile: apply, alongside: sources) + "\n")
            } else {
                try StandardOutput.write(exception.entryLines().joined(separator: "\n") + "\n")
            }
        }

        private func readAlert() throws -> Alert {
            let name = alert == "-" ? "<stdin>" : alert
            let data: Data
            do {
                let handle = alert == "-" ? FileHandle.standardInput : try FileHandle(forReadingFrom: URL(fileURLWithPath: alert))
                // An alert is a line of a few hundred bytes; a megabyte is the wrong input.
                data = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw RuntimeFailure("\(name): cannot be read: \(error.localizedDescription)")
            }
            do { return try Alert.only(inJSONLines: String(decoding: data, as: UTF8.self)) } catch {
                throw RuntimeFailure("\(name):\(error.line): \(error)")
            }
        }
    }
}
