import Foundation
import Glibc
import GuestSources
import TestSupport

/// A qemu-system-x86_64 started stopped (-S) with a shared RAM backend file and a QMP socket;
/// no guest code ever runs. `stop()` kills it and removes its files; callers `defer` it.
final class QemuProcess {
    static let executable: String? = {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/qemu-system-x86_64" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    let ramFile: String
    let socket: String
    private let standardError: String
    private let process = Process()

    /// `machine` is pc or q35; `memory` a QEMU size such as "5G".
    init(machine: String, memory: String, cpus: Int = 1, backendID: String = "ram0", shared: Bool = true) throws {
        guard let executable = Self.executable else { throw QemuProcessError(message: "qemu-system-x86_64 not found") }
        let ramBytes = try Self.bytes(memory)
        let tag = UUID().uuidString.prefix(8)
        // /dev/shm keeps the (sparse) RAM file off the disk; the socket path must stay short.
        ramFile = "/dev/shm/warden-test-\(tag).ram"
        socket = NSTemporaryDirectory() + "warden-qmp-\(tag).sock"
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "-machine", "\(machine),memory-backend=\(backendID)", "-m", memory, "-smp", "\(cpus)",
            "-object", "memory-backend-file,id=\(backendID),size=\(memory),mem-path=\(ramFile),share=\(shared ? "on" : "off")",
            "-S", "-nographic", "-display", "none", "-monitor", "none", "-serial", "none", "-nodefaults",
            "-qmp", "unix:\(socket),server=on,wait=off",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        // QEMU's own messages (a refused option, a full /dev/shm) go to a file the failure quotes.
        standardError = NSTemporaryDirectory() + "warden-qemu-\(tag).stderr"
        guard FileManager.default.createFile(atPath: standardError, contents: nil) else {
            throw QemuProcessError(message: "cannot create \(standardError)")
        }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: standardError))
        try process.run()
        do {
            try waitUntilReady(ramBytes: ramBytes)
        } catch {
            stop()
            throw error
        }
    }

    /// Waits until the test can use both halves of this QEMU. The QMP socket alone says little:
    /// QEMU 7.2 binds and listens on it before it creates the RAM file (strace: bind, listen,
    /// then openat(O_CREAT) and ftruncate of the mem-path; vl.c creates memory backends after the
    /// chardevs), which is how a test once mapped a RAM file that did not exist yet. So: the RAM
    /// file exists at its full size, and QMP answers a command, which QEMU runs only once its
    /// main loop runs, after all of its initialisation.
    private func waitUntilReady(ramBytes: UInt64) throws {
        var lastProbe = "not tried"
        try waitUntil(
            "QEMU to size its RAM file \(ramFile) to \(ramBytes) bytes and answer query-status on \(socket)",
            deadline: .seconds(180), poll: .milliseconds(50), childEnded: { process.endDescription },
            seen: {
                "RAM file: \(Self.sizeDescription(ramFile)); last QMP probe: \(lastProbe); QEMU stderr:\n"
                    + lastLines(ofFile: standardError)
            }
        ) {
            guard Self.size(ramFile) == ramBytes else { return false }
            do {
                // The probe's own timeout only bounds one attempt; the wait's deadline bounds them all.
                _ = try QMPClient(socketPath: socket, timeout: .seconds(30)).execute("query-status")
                return true
            } catch {
                lastProbe = "\(error)"
                return false
            }
        }
    }

    /// The byte count of a QEMU size ("5G", "256M"), as QEMU reads it: binary multiples.
    static func bytes(_ size: String) throws -> UInt64 {
        let shifts: [Character: UInt64] = ["K": 10, "M": 20, "G": 30, "T": 40]
        guard let last = size.last, let shift = shifts[last], let count = UInt64(size.dropLast()), count <= UInt64.max >> shift
        else { throw QemuProcessError(message: "\(size) is not a QEMU size this helper reads (a count and K, M, G or T)") }
        return count << shift
    }

    private static func size(_ path: String) -> UInt64? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return UInt64(status.st_size)
    }

    private static func sizeDescription(_ path: String) -> String {
        size(path).map { "\($0) bytes" } ?? "absent"
    }

    func stop() {
        if process.isRunning {
            // SIGKILL, not terminate(): QEMU inherits the test runner's signal mask, in which
            // SIGTERM is blocked, so SIGTERM would stay pending forever.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: ramFile)
        try? FileManager.default.removeItem(atPath: socket)
        try? FileManager.default.removeItem(atPath: standardError)
    }

    /// Writes `value` little-endian into the RAM file at `offset`, as a guest store would land.
    func poke(fileOffset offset: UInt64, value: UInt64) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: ramFile))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: withUnsafeBytes(of: value.littleEndian) { Data($0) })
    }
}

struct QemuProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
