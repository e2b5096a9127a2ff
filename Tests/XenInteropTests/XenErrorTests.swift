import Glibc
import Testing
import XenInterop

@Suite struct XenErrorTests {
    @Test(arguments: [
        ("xc_interface_open", ENOENT, "no /dev/xen/privcmd: not running in a Xen dom0"),
        ("xenforeignmemory_open", ENOENT, "no /dev/xen/privcmd: not running in a Xen dom0"),
        ("xs_open", ENOENT, "not running in a Xen dom0, or xenstored is not running"),
        ("xs_read", ENOENT, "xenstore node does not exist"),
        ("xc_interface_open", EACCES, "run as root in dom0"),
        ("xs_open", EACCES, "run as root in dom0"),
        ("xc_vcpu_getcontext", EPERM, "run as root in dom0"),
        ("xc_domain_getinfolist", EACCES, "needs Xen 4.17"),
        ("xc_domain_maximum_gpfn", ESRCH, "check `xl list`"),
        ("xc_domain_hvm_getcontext_partial", ENODATA, "vCPU is offline"),
        ("xc_domain_hvm_getcontext_partial", EINVAL, "not an HVM guest"),
        ("xenforeignmemory_map", ENOMEM, "dom0 is out of memory"),
        ("xenforeignmemory_map", EIO, "unexpected failure"),
    ])
    func eachErrnoSaysWhatToDo(operation: String, code: Int32, advice: String) {
        let error = XenError(operation: operation, errno: code)
        #expect(error.advice.contains(advice))
        #expect(error.description.hasPrefix("\(operation) failed: "))
        #expect(error.description.contains("(errno \(code)); "))
    }

    @Test func descriptionQuotesStrerror() {
        let error = XenError(operation: "xc_interface_open", errno: ENOENT)
        #expect(
            error.description
                == "xc_interface_open failed: No such file or directory (errno 2); "
                + "no /dev/xen/privcmd: not running in a Xen dom0"
        )
    }

    @Test func unknownErrnoStillDescribes() {
        #expect(XenError(operation: "xs_read", errno: 9999).description.contains("(errno 9999)"))
    }

    @Test func domainErrorsWrapXenErrorsVerbatim() {
        let inner = XenError(operation: "xs_open", errno: ENOENT)
        #expect(XenDomainError.xen(inner).description == inner.description)
        #expect(XenDomainError.ambiguousName("twin", domids: [11, 12]).description.contains("11, 12"))
    }
}
