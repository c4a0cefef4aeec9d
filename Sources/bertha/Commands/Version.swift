import ArgumentParser
import BerthaCore
import BerthaKernels
import BerthaText

struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print bertha's version and what it was built with.")

    @OptionGroup var global: GlobalOptions

    struct Report: Encodable {
        let version: String
        let kernels: String
        let libarchive: String
    }

    func run() async throws {
        let report = Report(version: BerthaVersion.current, kernels: KernelISA.current.description,
                            libarchive: libarchiveVersion)
        if global.json {
            try printJSON(report)
        } else {
            print("bertha \(report.version) (kernels: \(report.kernels), \(report.libarchive))")
        }
    }
}
