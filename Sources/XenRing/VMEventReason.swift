/// `VM_EVENT_REASON_*` of `xen/include/public/vm_event.h` (RELEASE-4.17.7). The ring is shared with the
/// hypervisor, so any other value is kept as `unknown(raw)` rather than trusted or trapped on. Equality and
/// hashing go by the raw value, so a hand-made `.unknown(1)` equals `.memAccess`.
public enum VMEventReason: Sendable, Hashable {
    case unspecified
    case memAccess
    case memSharing
    case memPaging
    case writeCtrlReg
    case movToMSR
    case softwareBreakpoint
    case singlestep
    case guestRequest
    case debugException
    case cpuid
    case privilegedCall
    case interrupt
    case descriptorAccess
    case emulUnimplemented
    case vmexit
    case unknown(UInt32)

    public init(rawValue: UInt32) {
        switch rawValue {
        case 0: self = .unspecified
        case 1: self = .memAccess
        case 2: self = .memSharing
        case 3: self = .memPaging
        case 4: self = .writeCtrlReg
        case 5: self = .movToMSR
        case 6: self = .softwareBreakpoint
        case 7: self = .singlestep
        case 8: self = .guestRequest
        case 9: self = .debugException
        case 10: self = .cpuid
        case 11: self = .privilegedCall
        case 12: self = .interrupt
        case 13: self = .descriptorAccess
        case 14: self = .emulUnimplemented
        case 15: self = .vmexit
        default: self = .unknown(rawValue)
        }
    }

    @inlinable public var rawValue: UInt32 {
        switch self {
        case .unspecified: 0
        case .memAccess: 1
        case .memSharing: 2
        case .memPaging: 3
        case .writeCtrlReg: 4
        case .movToMSR: 5
        case .softwareBreakpoint: 6
        case .singlestep: 7
        case .guestRequest: 8
        case .debugException: 9
        case .cpuid: 10
        case .privilegedCall: 11
        case .interrupt: 12
        case .descriptorAccess: 13
        case .emulUnimplemented: 14
        case .vmexit: 15
        case .unknown(let raw): raw
        }
    }

    public static func == (lhs: VMEventReason, rhs: VMEventReason) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
