import ArgumentParser

@main
struct Warden: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warden",
        abstract: "Keeps a Xen HVM guest's kernel honest from dom0: protects kernel symbols with altp2m views.",
        version: "0.1.0",
        subcommands: [Plan.self, Check.self, Symbols.self, Run.self, Release.self, Demo.self, Except.self])
}
