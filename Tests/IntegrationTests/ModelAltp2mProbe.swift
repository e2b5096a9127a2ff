import Hypervisor
import SyntheticGuest
import WardenCore
import XenModel

/// The steps of `scripts/lab/probe/altp2m-probe.c`, in its order and with its `step=answer` lines, run
/// on the model of Xen: what the model was least sure of, to be compared line by line with what real
/// Xen answered (RealXenModelTests). Keep the two in step: a step added to one is added to the other.
enum ModelAltp2mProbe {
    /// A model shaped like the lab's domU (HVM-type, altp2m external, one vCPU) and a gfn of its RAM.
    static func labLikeModel() throws -> (model: XenModel, gfn: UInt64) {
        var guest = SyntheticGuest.Configuration()
        guest.vcpuCount = 1
        let model = XenModel(guest: try SyntheticGuest(guest))
        let ram = model.ramRanges.max { $0.end - $0.start < $1.end - $1.start }
        return (model, ((ram?.start ?? 0) >> 12) + 0x10)
    }

    static func run(_ model: XenModel, gfn: UInt64) -> [String] {
        var lines: [String] = []
        func answer(_ step: String, _ body: () throws(XenErrno) -> Int) {
            do { lines.append("\(step)=\(try body())") } catch { lines.append("\(step)=errno=\(error.code)") }
        }
        let beyond = ((model.ramRanges.map(\.end).max() ?? 4096) - 1) >> 12 + 0x100
        let host = ViewID(0)
        var view = ViewID(0)
        answer("state.before") { () throws(XenErrno) in try model.altp2mEnabled() ? 1 : 0 }
        answer("enable") { () throws(XenErrno) in try model.setAltp2m(enabled: true); return 0 }
        answer("create.r") { () throws(XenErrno) in
            view = try model.createView(defaultAccess: .read)
            return Int(view.index)
        }
        answer("access.new.populated") { () throws(XenErrno) in Int(try model.memAccess(view: view, gfn: gfn).rawValue) }
        answer("access.host.populated") { () throws(XenErrno) in Int(try model.memAccess(view: host, gfn: gfn).rawValue) }
        answer("sve.new.populated") { () throws(XenErrno) in try model.suppressVE(view: view, gfn: gfn) ? 1 : 0 }
        answer("sve.host.populated") { () throws(XenErrno) in try model.suppressVE(view: host, gfn: gfn) ? 1 : 0 }
        answer("set.new.populated") { () throws(XenErrno) in try model.setMemAccess(.readExecute, view: view, gfn: gfn); return 0 }
        answer("access.new.populated.after") { () throws(XenErrno) in Int(try model.memAccess(view: view, gfn: gfn).rawValue) }
        answer("access.host.populated.after") { () throws(XenErrno) in Int(try model.memAccess(view: host, gfn: gfn).rawValue) }
        answer("sve.new.populated.after") { () throws(XenErrno) in try model.suppressVE(view: view, gfn: gfn) ? 1 : 0 }

        answer("set.new.beyond") { () throws(XenErrno) in try model.setMemAccess(.readExecute, view: view, gfn: beyond); return 0 }
        answer("access.new.beyond") { () throws(XenErrno) in Int(try model.memAccess(view: view, gfn: beyond).rawValue) }
        answer("set.host.beyond") { () throws(XenErrno) in try model.setMemAccess(.readExecute, view: host, gfn: beyond); return 0 }
        answer("sve.new.beyond") { () throws(XenErrno) in try model.suppressVE(view: view, gfn: beyond) ? 1 : 0 }
        answer("setsve.new.beyond") { () throws(XenErrno) in try model.setSuppressVE(false, view: view, gfn: beyond); return 0 }

        answer("access.missing-view") { () throws(XenErrno) in Int(try model.memAccess(view: ViewID(9), gfn: gfn).rawValue) }
        answer("create.bad-access") { () throws(XenErrno) in Int(try model.createView(xenmemDefaultAccess: 11).index) }

        answer("switch.new") { () throws(XenErrno) in try model.switchToView(view); return 0 }
        answer("vcpu0.view") { () throws(XenErrno) in Int(try model.currentView(vcpu: 0).index) }
        answer("destroy.active") { () throws(XenErrno) in try model.destroyView(view); return 0 }
        answer("hide.host") { () throws(XenErrno) in try model.setVisibility(host, visible: false); return 0 }
        answer("switch.hidden-host") { () throws(XenErrno) in try model.switchToView(host); return 0 }
        answer("show.host") { () throws(XenErrno) in try model.setVisibility(host, visible: true); return 0 }
        answer("switch.host") { () throws(XenErrno) in try model.switchToView(host); return 0 }
        answer("destroy.new") { () throws(XenErrno) in try model.destroyView(view); return 0 }
        answer("destroy.again") { () throws(XenErrno) in try model.destroyView(view); return 0 }
        answer("destroy.host") { () throws(XenErrno) in try model.destroyView(host); return 0 }
        answer("disable") { () throws(XenErrno) in try model.setAltp2m(enabled: false); return 0 }
        answer("state.after") { () throws(XenErrno) in try model.altp2mEnabled() ? 1 : 0 }
        return lines
    }
}
