import Foundation

/// Seeds are made by each target from the project's own generators, and written only when
/// `WARDEN_FUZZ_WRITE_SEEDS` names a directory (`scripts/fuzz seeds`): the target then writes them
/// there, one file per seed named for what it holds, and exits before fuzzing.
public enum SeedCorpus {
    public static let environmentKey = "WARDEN_FUZZ_WRITE_SEEDS"

    /// Call from `LLVMFuzzerInitialize`; `seeds` is evaluated only when asked for.
    public static func writeIfAsked(_ seeds: () throws -> [(name: String, bytes: [UInt8])]) {
        guard let directory = ProcessInfo.processInfo.environment[environmentKey] else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for seed in try seeds() {
                try Data(seed.bytes).write(to: URL(fileURLWithPath: directory).appendingPathComponent(seed.name))
            }
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("cannot write seeds to \(directory): \(error)\n".utf8))
            exit(1)
        }
    }
}
