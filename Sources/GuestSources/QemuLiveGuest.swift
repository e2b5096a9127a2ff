import ElfReader
import Foundation
import Glibc
import WardenCore

/// Why a live QEMU guest cannot be attached.
public enum QemuLiveGuestError: Error, Sendable, CustomStringConvertible {
    case ramFile(MappedFileError)
    case qmp(QMPError)
    case backendNotFound(ramFile: String, backends: [String])
    case notShared(ramFile: String, backend: String)
    case unexpectedReply(command: String, detail: String)
    case layout(backend: String, detail: String)
    case registers(detail: String)

    public var description: String {
        switch self {
        case .ramFile(let error): "\(error)"
        case .qmp(let error): "\(error)"
        case .backendNotFound(let ramFile, let backends):
            "no memory backend of this QEMU has \(ramFile) as its mem-path (backends: "
                + (backends.isEmpty ? "none" : backends.joined(separator: ", "))
                + "); start QEMU with -object memory-backend-file,id=ram0,size=…,mem-path=\(ramFile),share=on"
                + " -machine memory-backend=ram0"
        case .notShared(let ramFile, let backend):
            "memory backend \(backend) maps \(ramFile) privately (share=off), so the guest's writes never"
                + " reach the file; start QEMU with share=on"
        case .unexpectedReply(let command, let detail):
            "unexpected QMP reply to \(command): \(detail)"
        case .layout(let backend, let detail):
            "cannot place memory backend \(backend) in guest-physical memory: \(detail)"
        case .registers(let detail):
            "cannot read the vCPU registers: \(detail)"
        }
    }
}

/// A running (or paused) QEMU guest whose RAM is a shared memory-backend-file: RAM is read from a
/// read-only mapping of that file, at the guest-physical places QEMU reports; registers come
/// from QMP.
public final class QemuLiveGuest: GuestSource {
    public let qmp: QMPClient
    public let memory: any GuestPhysicalMemory
    /// The id of the memory backend whose file this is (`ram0` for `-object …,id=ram0`).
    public let backendID: String
    public let segments: [PhysicalSegment]

    public init(ramFile: String, qmpSocket: String, timeout: Duration = .seconds(30)) throws(QemuLiveGuestError) {
        let file: MappedFile
        do { file = try MappedFile(path: ramFile) } catch { throw .ramFile(error) }
        do { qmp = try QMPClient(socketPath: qmpSocket, timeout: timeout) } catch { throw .qmp(error) }
        let backend = try Self.findBackend(qmp: qmp, ramFile: ramFile)
        backendID = backend.id

        let mtree: String
        do { mtree = try qmp.hmp("info mtree -f") } catch { throw .qmp(error) }
        var found: [PhysicalSegment]
        do { found = try QemuMemoryLayout.segments(mtree: mtree, region: backend.id) } catch {
            throw .layout(backend: backend.id, detail: error.description)
        }
        guard !found.isEmpty else {
            throw .layout(backend: backend.id, detail: "info mtree -f shows none of its RAM in address space \"memory\"")
        }
        // A backend mapped from an offset in its file (QEMU 8.1+ `offset=`) shifts every segment.
        for index in found.indices {
            let (shifted, overflow) = found[index].fileOffset.addingReportingOverflow(backend.fileOffset)
            guard !overflow else { throw .layout(backend: backend.id, detail: "file offset overflows") }
            found[index].fileOffset = shifted
        }
        let map: PhysicalSegmentMap
        do { map = try PhysicalSegmentMap(segments: found, fileSize: file.size) } catch {
            throw .layout(backend: backend.id, detail: error.description)
        }
        segments = map.segments
        memory = FileBackedMemory(
            file: file, map: map, sourceDescription: "QEMU guest RAM \(ramFile) (backend \(backend.id))")
    }

    /// Registers of every vCPU from HMP `info registers -a`. Pause the guest first (`qmp.stop()`)
    /// for values that stay consistent with memory.
    public func vcpuRegisters() throws -> [VCPURegisters] {
        let text: String
        do { text = try qmp.hmp("info registers -a") } catch { throw QemuLiveGuestError.qmp(error) }
        do { return try QemuRegisterDump.parse(text) } catch {
            throw QemuLiveGuestError.registers(detail: error.description)
        }
    }

    /// The backend whose mem-path is the same file (same device and inode, so symlinks and
    /// relative spellings still match).
    private static func findBackend(
        qmp: QMPClient, ramFile: String
    ) throws(QemuLiveGuestError) -> (id: String, fileOffset: UInt64) {
        let reply: Any
        do { reply = try qmp.execute("query-memdev") } catch { throw .qmp(error) }
        guard let backends = reply as? [[String: Any]] else {
            throw .unexpectedReply(command: "query-memdev", detail: "not a list of objects")
        }
        guard let wanted = fileIdentity(ramFile) else {
            throw .ramFile(MappedFileError(path: ramFile, reason: "cannot stat it"))
        }
        var seen: [String] = []
        for backend in backends {
            guard let id = backend["id"] as? String else { continue }
            // Backends created implicitly by -m have no /objects path; they cannot be this file.
            guard let memPath = try? qmp.execute("qom-get", arguments: ["path": "/objects/\(id)", "property": "mem-path"]) as? String
            else {
                seen.append("\(id) (not file-backed)")
                continue
            }
            seen.append("\(id) (\(memPath))")
            guard fileIdentity(memPath) == wanted else { continue }
            guard backend["share"] as? Bool == true else { throw .notShared(ramFile: ramFile, backend: id) }
            let offset = try? qmp.execute("qom-get", arguments: ["path": "/objects/\(id)", "property": "offset"])
            return (id, (offset as? NSNumber)?.uint64Value ?? 0)
        }
        throw .backendNotFound(ramFile: ramFile, backends: seen)
    }

    private static func fileIdentity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }
}
