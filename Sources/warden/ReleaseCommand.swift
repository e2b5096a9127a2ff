import ArgumentParser
import Enforcement
import Foundation
import Logging
import XenInterop

extension Warden {
    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recover a domain after `warden run` was killed (SIGKILL): release its vCPUs and lift every restriction.",
            discussion: """
                Refuses a Xen older than 4.15 (another vm_event interface) before touching the domain. \
                Pauses the domain, replaces the orphaned monitor ring and answers every vCPU still waiting \
                for a reply, then disables the ring, returns every vCPU to the host view, turns altp2m \
                (and every view) and singlestep off, and unpauses. Safe on a domain that is not under \
                Warden's control, and safe to repeat. Needs root in a Xen dom0. The report goes to stderr.
                """)

        @Option(name: .customLong("domain"), help: "The Xen domain, by name or id.")
        var domain: String

        func run() throws {
            // Host and vm_event interface checks before anything is touched (the replies are version 7).
            let checked = try XenPreflight.checkForRelease(domain)
            for warning in checked.warnings { Diagnostics.log.warning("\(warning.forRelease)") }
            let report = DomainRelease.release(checked.hypervisor)
            for line in report.description.split(separator: "\n") { Diagnostics.log.notice("release: \(line)") }
            guard report.succeeded else {
                // ArgumentParser prints this on stderr and exits with status 1.
                throw RuntimeFailure("""
                    domain \(domain) may still be restricted or paused: fix the cause of the failed steps \
                    above and run `warden release --domain \(domain)` again (it is safe to repeat); if the \
                    ring cannot be disabled (EBUSY), vCPUs are queued for ring space and only destroying \
                    the domain frees them
                    """)
            }
            Diagnostics.log.notice("domain \(domain) released: unrestricted and running")
        }
    }
}
