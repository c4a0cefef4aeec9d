#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only private memory mapping of a whole file (or a private copy of bytes already in
/// memory), released when the last owner lets go.
///
/// `@unchecked Sendable`: the bytes are `PROT_READ` (or never written after the copy) and never
/// change after `init`, so sharing them between threads is safe.
final class GGUFMapping: @unchecked Sendable {
    let base: UnsafeRawPointer?
    let size: Int
    /// True when `base` is a heap copy to deallocate rather than a mapping to unmap.
    private let isCopy: Bool

    init(copying bytes: some Collection<UInt8>) {
        let count = bytes.count
        size = count
        isCopy = true
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
        let copied: Bool? = bytes.withContiguousStorageIfAvailable { source in
            if let start = source.baseAddress { storage.copyMemory(from: start, byteCount: count) }
            return true
        }
        if copied == nil {  // element by element: a minute per GB in a debug build, so only when not contiguous
            _ = UnsafeMutableRawBufferPointer(start: storage, count: count).initializeMemory(as: UInt8.self, from: bytes)
        }
        base = UnsafeRawPointer(storage)
    }

    init(path: String) throws(GGUFError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: Self.lastError()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, reason: Self.lastError()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .cannotOpen(path: path, reason: "not a regular file")
        }
        size = Int(info.st_size)
        isCopy = false
        // mmap refuses a zero length; an empty file has no bytes to map and fails the header check.
        guard size > 0 else {
            base = nil
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "mmap failed: \(Self.lastError())")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        guard let base else { return }
        if isCopy {
            base.deallocate()
        } else {
            munmap(UnsafeMutableRawPointer(mutating: base), size)
        }
    }

    var isMapped: Bool { !isCopy && base != nil }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
