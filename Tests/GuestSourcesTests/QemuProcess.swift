import Foundation
import Glibc

/// A qemu-system-x86_64 started stopped (-S) with a shared RAM backend file and a QMP socket;
/// no guest code ever runs. `stop()` kills it and removes its files; callers `defer` it.
final class QemuProcess {
    static let executable: String? = {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/qemu-system-x86_64" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    let ramFile: String
    let socket: String
    private let process = Process()

    /// `machine` is pc or q35; `memory` a QEMU size such as "5G".
    init(machine: String, memory: String, cpus: Int = 1, backendID: String = "ram0", shared: Bool = true) throws {
        guard let executable = Self.executable else { throw QemuProcessError(message: "qemu-system-x86_64 not found") }
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
        process.standardError = FileHandle.nullDevice
        try process.run()
        // QEMU creates the socket once it is ready; give it ten seconds.
        for _ in 0..<200 {
            if FileManager.default.fileExists(atPath: socket) { return }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        stop()
        throw QemuProcessError(message: "QEMU did not open its QMP socket (exit status \(process.isRunning ? -1 : process.terminationStatus))")
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
