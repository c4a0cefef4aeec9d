import CArchive

/// The libarchive version bertha is linked against, e.g. "libarchive 3.6.2".
public var libarchiveVersion: String { String(cString: archive_version_string()) }
