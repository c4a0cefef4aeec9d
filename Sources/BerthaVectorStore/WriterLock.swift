import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The single-writer lock of an embedded store: an exclusive `flock` on `DIR/writer.lock`, which
/// also records the holder's pid so a second writer can say who holds it. The kernel releases the
/// lock when the holder exits, even on kill -9, so a stale file never blocks anyone.
final class WriterLock: @unchecked Sendable {
    // The descriptor is only touched in init and deinit.
    private let descriptor: Int32

    init(directory: URL) throws(VectorStoreError) {
        let path = directory.appendingPathComponent("writer.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .io(path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readPID(fd)
            close(fd)
            throw .locked(directory: directory.path, holderPID: holder)
        }
        let pid = Data("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    deinit {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }
}
