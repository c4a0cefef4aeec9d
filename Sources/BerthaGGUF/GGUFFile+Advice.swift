#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the engine will touch a file's tensor data, passed to the kernel as `madvise` hints.
public enum GGUFAccessAdvice: Sendable {
    /// Start reading the whole file in now (model load: the weights are all needed for the first token).
    case willNeed
    /// Read once, front to back (hashing, uploading, converting).
    case sequential
    /// Scattered reads (embedding rows of a few tokens).
    case random
    /// Back the mapping with transparent huge pages where the kernel supports it for file mappings
    /// (fewer TLB misses when every weight is read per token).
    case hugePages
}

extension GGUFFile {
    /// Tells the kernel how the mapping will be read. A hint: it never changes what `data(_:)`
    /// returns, and in-memory files (`init(bytes:)`) and kernels that refuse it just ignore it.
    /// - Returns: whether the kernel accepted the hint.
    @discardableResult
    public func advise(_ advice: GGUFAccessAdvice) -> Bool {
        guard isMapped, let base = bytes.baseAddress, fileSize > 0 else { return false }
        let flag: Int32
        switch advice {
        case .willNeed: flag = MADV_WILLNEED
        case .sequential: flag = MADV_SEQUENTIAL
        case .random: flag = MADV_RANDOM
        case .hugePages:
            #if os(Linux)
            flag = MADV_HUGEPAGE
            #else
            return false
            #endif
        }
        return madvise(UnsafeMutableRawPointer(mutating: base), fileSize, flag) == 0
    }
}
