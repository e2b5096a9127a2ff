import CXen
import Glibc

/// The logger handed to libxenctrl and libxenforeignmemory. With none they print their own error
/// line to stderr before returning (e.g. "xencall: error: Could not obtain handle…"); Warden
/// reports every failure itself, with the errno and what to do, so only critical lines pass.
enum LibraryLog {
    /// One stderr logger for the process: created on first use, never destroyed (the libraries keep
    /// the pointer for as long as a handle lives).
    nonisolated(unsafe) static let quiet: UnsafeMutablePointer<xentoollog_logger>? =
        xtl_createlogger_stdiostream(fdopen(STDERR_FILENO, "w"), XTL_CRITICAL, 0).map { UnsafeMutablePointer($0) }
}
