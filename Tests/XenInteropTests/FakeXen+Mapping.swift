import Glibc
import Synchronization
import XenInterop

extension FakeXen {
    /// Maps like privcmd: one read-only range; a failed page gets an errno and stays inaccessible
    /// (PROT_NONE), so code that touches it crashes the test run instead of passing by luck.
    func map(_ raw: OpaquePointer, _ domid: UInt32, _ gfns: [UInt64]) throws(XenError) -> XenForeignMapping {
        check(raw, "xenforeignmemory_map")
        try enter("xenforeignmemory_map")
        if gfns.count > 1 {
            update { state in
                guard let zeroed = state.zeroedOnFirstBatch, zeroed.domid == domid else { return }
                state.domains[domid]?.pages[zeroed.gfn] = [UInt8](repeating: 0, count: Self.pageSize)
                state.zeroedOnFirstBatch = nil
            }
        }
        let domain = try self.domain(domid, "xenforeignmemory_map")
        let pageErrnos = read { $0.pageErrnos }
        if !read({ $0.batchRefusingGFNs }).isDisjoint(with: gfns) {
            throw XenError(operation: "xenforeignmemory_map", errno: EFAULT)
        }
        let length = gfns.count * Self.pageSize
        let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard !gfns.isEmpty, let base = mapped, base != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw XenError(operation: "xenforeignmemory_map", errno: ENOMEM)
        }
        var errors: [Int32] = []
        for (index, gfn) in gfns.enumerated() {
            let page = base + index * Self.pageSize
            if let error = pageErrnos[gfn] {
                errors.append(error)
            } else if gfn <= domain.maximumGPFN, let bytes = domain.pages[gfn] {
                UnsafeMutableRawBufferPointer(start: page, count: Self.pageSize).copyBytes(from: bytes)
                errors.append(0)
            } else {
                errors.append(EINVAL)
            }
        }
        _ = mprotect(base, length, PROT_READ)
        for (index, error) in errors.enumerated() where error != 0 {
            _ = mprotect(base + index * Self.pageSize, Self.pageSize, PROT_NONE)
        }
        let short = state.withLock { state in
            state.mapBatches.append(gfns)
            state.liveMappings[UInt(bitPattern: base)] = gfns.count
            return state.shortPageErrors
        }
        if short { errors.removeLast() }
        return XenForeignMapping(address: UnsafeRawPointer(base), pageErrors: errors)
    }

    func unmap(_ raw: OpaquePointer, _ address: UnsafeRawPointer, _ pages: Int) throws(XenError) {
        check(raw, "xenforeignmemory_unmap")
        try enter("xenforeignmemory_unmap")
        let key = UInt(bitPattern: address)
        let known = state.withLock { state in
            guard state.liveMappings[key] == pages else {
                state.misuse.append("unmap of \(pages) pages at \(key) that map did not return")
                return false
            }
            state.liveMappings[key] = nil
            return true
        }
        if known { _ = munmap(UnsafeMutableRawPointer(mutating: address), pages * Self.pageSize) }
    }

    func directory(_ raw: OpaquePointer, _ path: String) throws(XenError) -> [String] {
        check(raw, "xs_directory")
        try enter("xs_directory")
        guard path == "/local/domain" else { throw XenError(operation: "xs_directory", errno: ENOENT) }
        return read { state in state.domains.keys.sorted().map(String.init) + state.strayStoreEntries.keys.sorted() }
    }

    func storeRead(_ raw: OpaquePointer, _ path: String) throws(XenError) -> String {
        check(raw, "xs_read")
        try enter("xs_read")
        let value: String? = read { state in
            for domain in state.domains.values where path == "/local/domain/\(domain.domid)/name" {
                return domain.name
            }
            for (entry, name) in state.strayStoreEntries where path == "/local/domain/\(entry)/name" {
                return name
            }
            return nil
        }
        guard let value else { throw XenError(operation: "xs_read", errno: ENOENT) }
        return value
    }
}
