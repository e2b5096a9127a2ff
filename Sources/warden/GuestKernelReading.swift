import Logging
import WardenCore

extension GuestKernel {
    /// `read`, with a warning on stderr when frames of the kernel image could not be read: the
    /// symbols came from the frames that could, but a frame the hypervisor refuses is worth knowing
    /// about (issue 9), and `plan` and `symbols` should say so alike.
    static func readWarningOfLostFrames(
        memory: any GuestPhysicalMemory, registers: [VCPURegisters]
    ) throws -> GuestKernel {
        let kernel = try read(memory: memory, registers: registers)
        if !kernel.unreadableImageFrames.isEmpty {
            Diagnostics.log.warning("\(memory.sourceDescription): \(kernel.unreadableImageFrames)")
        }
        return kernel
    }
}
