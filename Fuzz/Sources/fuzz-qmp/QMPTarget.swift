import ElfReader
import Foundation
import FuzzSupport
@testable import GuestSources
import Glibc
import WardenCore

// QMP as `QemuLiveGuest` speaks it, with the input as everything QEMU sends: the greeting, replies
// (matched by id, stale ones dropped), asynchronous events, errors, and the HMP text inside replies,
// which goes on to the memory-layout and register parsers. The client reads it from a real socket.

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: ArgumentCount, _ argv: ArgumentVector) -> Int32 {
    SeedCorpus.writeIfAsked(QMPSeeds.all)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var descriptors: [Int32] = [0, 0]
    precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0, "socketpair failed")
    let peer = descriptors[1]
    defer { close(peer) }
    QMPSeeds.send(inputBytes(data, size), to: peer)
    shutdown(peer, Int32(SHUT_WR))
    // The whole input is already in the socket, followed by end-of-file: nothing waits for the deadline.
    let socket = QMPSocket(connectedDescriptor: descriptors[0], name: "fuzz.sock")
    guard let client = try? QMPClient(socket: socket, timeout: .seconds(5)) else { return 0 }
    _ = try? client.execute("query-memdev")
    if let mtree = try? client.hmp("info mtree -f"),
       let segments = try? QemuMemoryLayout.segments(mtree: mtree, region: "ram0") {
        _ = try? PhysicalSegmentMap(segments: segments, fileSize: 1 << 32)
    }
    if let text = try? client.hmp("info registers -a") { _ = try? QemuRegisterDump.parse(text) }
    _ = client.events.count
    return 0
}

/// A QEMU 7.2 conversation for the tiny guest, every reply in the order `testOneInput` asks.
enum QMPSeeds {
    /// Writes as much of `bytes` as the socket takes without blocking; the rest is dropped
    /// (libFuzzer's -max_len keeps inputs far below a unix socket's buffer anyway).
    static func send(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) {
        var sent = 0
        while sent < bytes.count {
            let count = Glibc.send(descriptor, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            if count <= 0 { return }
            sent += count
        }
    }

    static func reply(_ value: Any, id: Int) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: ["return": value, "id": id], options: [.sortedKeys]), as: UTF8.self)
    }

    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let guest = try TinyGuest()
        let greeting = #"{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u7"}, "capabilities": ["oob"]}}"#
        let memdev: [[String: Any]] = [["id": "ram0", "size": 1 << 30, "merge": true, "dump": true, "prealloc": false, "share": true,
                                        "host-nodes": [Int](), "policy": "default"]]
        let event = #"{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "STOP"}"#
        let lines = [
            greeting, try reply([String: Any](), id: 1), event, try reply(memdev, id: 2),
            try reply(QemuMonitorText.mtree(ramSize: 5 << 30, backend: "ram0"), id: 3),
            try reply(QemuMonitorText.registers(guest.guest.registers), id: 4),
        ]
        let refused = [greeting, try reply([String: Any](), id: 1),
                       #"{"error": {"class": "CommandNotFound", "desc": "The command query-memdev has not been found"}, "id": 2}"#]
        return [("conversation", Array((lines.joined(separator: "\r\n") + "\r\n").utf8)),
                ("command-refused", Array((refused.joined(separator: "\r\n") + "\r\n").utf8))]
    }
}
