import Glibc

/// write(2) of a whole buffer: retries on EINTR, continues after partial writes, and never lets a
/// closed reader kill the process with SIGPIPE.
///
/// SIGPIPE is blocked for the calling thread around the write and a SIGPIPE the write raised is
/// consumed before unblocking, so this holds whatever the process-wide disposition is (a library
/// must not depend on `main` having ignored SIGPIPE). The write then fails with EPIPE as a value.
public enum DescriptorWriter {
    /// Writes all of `bytes`; returns nil on success or the errno of the failing write.
    public static func writeAll(_ fileDescriptor: Int32, _ bytes: [UInt8]) -> Int32? {
        var sigpipe = sigset_t()
        sigemptyset(&sigpipe)
        sigaddset(&sigpipe, SIGPIPE)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &sigpipe, &previousMask)
        // A SIGPIPE already pending belongs to someone else; leave it for them.
        var pending = sigset_t()
        sigpending(&pending)
        let alreadyPending = sigismember(&pending, SIGPIPE) == 1
        let failure = bytes.withUnsafeBytes { writeLoop(fileDescriptor, $0) }
        if failure == EPIPE && !alreadyPending {
            var noWait = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&sigpipe, nil, &noWait) == -1 && errno == EINTR {}
        }
        pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        return failure
    }

    private static func writeLoop(_ fileDescriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32? {
        guard var cursor = buffer.baseAddress else { return nil }
        var remaining = buffer.count
        while remaining > 0 {
            let written = write(fileDescriptor, cursor, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            cursor += written
            remaining -= written
        }
        return nil
    }
}
