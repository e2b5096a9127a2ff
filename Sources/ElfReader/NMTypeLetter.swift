import CElf

/// The one-letter symbol type that `nm` prints, so ELF tables read like System.map and kallsyms.
enum NMTypeLetter {
    /// `reservedIndex` is a special section index (SHN_ABS, SHN_COMMON); `section` the header of
    /// the symbol's section otherwise. Global symbols get upper case, local ones lower case.
    static func classify(binding: Int32, type: Int32, reservedIndex: Int?, section: GElf_Shdr?) -> Character {
        if binding == STB_GNU_UNIQUE { return "u" }
        if type == STT_GNU_IFUNC { return "i" }
        if binding == STB_WEAK { return "W" }
        let letter: Character
        if let reservedIndex {
            switch reservedIndex {
            case Int(SHN_ABS): letter = "A"
            case Int(SHN_COMMON): letter = "C"
            default: letter = "?"
            }
        } else if let section {
            letter = sectionLetter(section)
        } else {
            // The symbol names a section that does not exist; still list it, marked unknown.
            letter = "?"
        }
        guard binding == STB_LOCAL, letter != "?" else { return letter }
        return Character(letter.lowercased())
    }

    private static func sectionLetter(_ section: GElf_Shdr) -> Character {
        let flags = section.sh_flags
        guard flags & UInt64(SHF_ALLOC) != 0 else { return "N" }
        if flags & UInt64(SHF_EXECINSTR) != 0 { return "T" }
        if section.sh_type == UInt32(SHT_NOBITS) { return "B" }
        if flags & UInt64(SHF_WRITE) != 0 { return "D" }
        return "R"
    }
}
