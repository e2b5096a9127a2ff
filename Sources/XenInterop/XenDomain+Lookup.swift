import Glibc

/// `DOMID_FIRST_RESERVED` (xen/include/public/xen.h, behind `xen_mk_uint`, so not importable):
/// ordinary domain ids are below it.
let domidFirstReserved: UInt32 = 0x7FF0

extension XenDomain {
    /// Turns a domain argument into a domid. All digits means an id, as libxl reads qualifiers
    /// (tools/libs/light/libxl_utils.c `libxl_domain_qualifier_to_domid`); anything else is looked
    /// up by name in xenstore.
    static func resolve(_ nameOrID: String, calls: XenCalls) throws(XenDomainError) -> (domid: UInt32, name: String?) {
        if !nameOrID.isEmpty, nameOrID.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let domid = UInt32(nameOrID), domid < domidFirstReserved else { throw .invalidDomainID(nameOrID) }
            return (domid, nil)
        }
        let store = try wrappingXen { () throws(XenError) in try XenStore(calls: calls) }
        let matches = try wrappingXen { () throws(XenError) in try domids(named: nameOrID, in: store) }
        guard let domid = matches.first else { throw .noDomainNamed(nameOrID) }
        // libxl refuses duplicate names, so a second match was written by something else: never guess.
        guard matches.count == 1 else { throw .ambiguousName(nameOrID, domids: matches) }
        return (domid, nameOrID)
    }

    /// The domids whose `/local/domain/<id>/name` equals `name`, in xenstore's order.
    static func domids(named name: String, in store: borrowing XenStore) throws(XenError) -> [UInt32] {
        var matches: [UInt32] = []
        for entry in try store.directory("/local/domain") {
            // Only canonical decimal ids below the reserved range name a domain directory.
            guard let domid = UInt32(entry), domid < domidFirstReserved, String(domid) == entry else { continue }
            let value: String
            do throws(XenError) {
                value = try store.read("/local/domain/\(domid)/name")
            } catch where error.errno == ENOENT {
                continue  // destroyed since the listing, or never named
            }
            // Byte equality: String == would also match a differently normalised Unicode spelling.
            if value.utf8.elementsEqual(name.utf8) { matches.append(domid) }
        }
        return matches
    }
}
