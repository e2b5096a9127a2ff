import Glibc

/// Why a file could not be opened or mapped.
public struct MappedFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot map \(path): \(reason)" }
}

/// A whole file mapped read-only, so multi-GiB guest dumps and RAM files are paged in on demand
/// instead of read. Every access is bounds-checked against the size seen at open time.
///
/// `MAP_SHARED` so that a live guest's RAM file shows the guest's current writes. A file that is
/// truncated while mapped would fault on access; the files mapped here (dumps, QEMU RAM backends)
/// are not truncated while Warden runs.
public final class MappedFile {
    public let path: String
    public let size: UInt64
    private let base: UnsafeRawPointer?

    public init(path: String) throws(MappedFileError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MappedFileError(path: path, reason: Self.errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MappedFileError(path: path, reason: Self.errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MappedFileError(path: path, reason: "not a regular file")
        }
        guard info.st_size >= 0, UInt64(info.st_size) <= UInt64(Int.max) else {
            throw MappedFileError(path: path, reason: "file size \(info.st_size) cannot be mapped")
        }
        size = UInt64(info.st_size)
        guard size > 0 else {
            // mmap refuses length 0; an empty file simply has no bytes to read.
            base = nil
            return
        }
        let mapped = mmap(nil, Int(size), PROT_READ, MAP_SHARED, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw MappedFileError(path: path, reason: "mmap failed: \(Self.errnoText())")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), Int(size)) }
    }

    /// True when `[offset, offset + count)` lies inside the file.
    public func contains(offset: UInt64, count: UInt64) -> Bool {
        let (end, overflow) = offset.addingReportingOverflow(count)
        return !overflow && end <= size
    }

    /// Copies `buffer.count` bytes from `offset`; false (and nothing copied) when out of bounds.
    public func copy(offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard contains(offset: offset, count: UInt64(buffer.count)) else { return false }
        guard buffer.count > 0, let base, let destination = buffer.baseAddress else { return true }
        destination.copyMemory(from: base + Int(offset), byteCount: buffer.count)
        return true
    }

    public func bytes(offset: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, contains(offset: offset, count: UInt64(count)) else { return nil }
        var out = [UInt8](repeating: 0, count: count)
        let copied = out.withUnsafeMutableBytes { copy(offset: offset, into: $0) }
        return copied ? out : nil
    }

    public func uint16(at offset: UInt64) -> UInt16? { integer(at: offset) }
    public func uint32(at offset: UInt64) -> UInt32? { integer(at: offset) }
    public func uint64(at offset: UInt64) -> UInt64? { integer(at: offset) }

    /// A little-endian integer at `offset` (ELF files and guest RAM here are x86, little-endian).
    private func integer<T: FixedWidthInteger>(at offset: UInt64) -> T? {
        var value: T = 0
        let copied = withUnsafeMutableBytes(of: &value) { copy(offset: offset, into: $0) }
        return copied ? T(littleEndian: value) : nil
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
