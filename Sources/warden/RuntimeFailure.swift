import ArgumentParser

/// A failure at run time, not of the command line: ArgumentParser prints it as "Error: …" and exits
/// with status 1, without the usage text a `ValidationError` brings (and its status 64).
struct RuntimeFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
