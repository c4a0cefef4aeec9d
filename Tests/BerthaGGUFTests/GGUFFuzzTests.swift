import BerthaCore
import BerthaGGUF
import BerthaTestSupport
import Foundation
import Testing

/// A seeded mutation fuzzer over the reader: every mutant must either open and satisfy the
/// reader's guarantees or throw a `GGUFError`; a crash kills the test run.
///
/// CI runs a few thousand iterations. For a longer run by hand:
/// `BERTHA_GGUF_FUZZ_ITERATIONS=2000000 BERTHA_GGUF_FUZZ_LAST=/tmp/last.gguf swift test --filter GGUFFuzzTests`
/// (each input is written to the `LAST` path before it is tried, so a crashing one survives the
/// crash; keep it under Tests/Fixtures/gguf/ as `crash-*.gguf`).
@Suite("GGUFFile survives mutated files")
struct GGUFFuzzTests {
    /// The small valid files the mutations start from: two built here (also committed under
    /// Tests/Fixtures/gguf/ as seed-writer.gguf and seed-raw.gguf) and seed-gguf-py.gguf, written by
    /// gguf-py with every value type, nested arrays, alignment 64 and ten tensor types.
    static func seeds() throws -> [[UInt8]] {
        var writer = GGUFWriter()
        writer.metadata["general.architecture"] = .string("llama")
        writer.metadata["llama.context_length"] = .uint32(128)
        writer.metadata["tokenizer.ggml.tokens"] = .array(.strings(["<s>", "</s>", "a", "bc", "ü"]))
        writer.metadata["tokenizer.ggml.scores"] = .array(.float32([0, 0, -1, -2, -3]))
        writer.metadata["tokenizer.ggml.token_type"] = .array(.int32([3, 3, 1, 1, 1]))
        writer.metadata["nested"] = .array(.arrays([.uint8([1, 2]), .strings(["x"])]))
        writer.metadata["flag"] = .bool(true)
        writer.metadata["f64"] = .float64(0.5)
        try writer.addTensor(name: "token_embd.weight", shape: [32, 2], type: .q8_0, data: [UInt8](repeating: 1, count: 68))
        try writer.addTensor(name: "output_norm.weight", shape: [8], values: Array(repeating: 1, count: 8))
        try writer.addTensor(name: "blk.0.ffn.weight", shape: [256, 1], type: .q4_K, data: [UInt8](repeating: 2, count: 144))
        let reference = try [UInt8](Data(contentsOf: try TestEnvironment.fixture("gguf/seed-gguf-py.gguf")))
        return [try writer.encoded(), GGUFValidationTests.valid().bytes, reference]
    }

    static let interesting: [UInt64] = [0, 1, 2, 3, 4, 7, 8, 12, 13, 16, 31, 32, 33, 64, 255, 256, 0x7F, 0x80, 0xFF,
                                        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 32, 1 << 40, 1 << 62,
                                        UInt64(Int64.max), 1 << 63, UInt64.max, UInt64.max - 31]

    static func mutate(_ input: [UInt8], seeds: [[UInt8]], using rng: inout SeededRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0:
                bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1:
                bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 2, 3:
                // Counts, lengths, type ids and offsets are 4 or 8 bytes wide: overwrite one with a boundary value.
                let value = interesting.randomElement(using: &rng) ?? 0
                let width = Bool.random(using: &rng) ? 4 : 8
                for i in 0..<width where at + i < bytes.count { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            case 4:
                bytes.removeSubrange(at...)
            case 5:
                let end = min(bytes.count, at + Int.random(in: 1...16, using: &rng))
                bytes.removeSubrange(at..<end)
            case 6:
                let end = min(bytes.count, at + Int.random(in: 1...16, using: &rng))
                bytes.insert(contentsOf: bytes[at..<end], at: Int.random(in: 0...bytes.count, using: &rng))
            default:
                let other = seeds.randomElement(using: &rng) ?? input
                let from = Int.random(in: 0..<other.count, using: &rng)
                let chunk = other[from..<min(other.count, from + Int.random(in: 1...64, using: &rng))]
                let end = min(bytes.count, at + chunk.count)
                bytes.replaceSubrange(at..<end, with: chunk)
            }
        }
        return bytes
    }

    /// What an accepted file promises its users.
    static func checkInvariants(_ file: GGUFFile) {
        #expect(file.metadata.keys.count == file.metadata.count)
        #expect(Set(file.tensors.map(\.name)).count == file.tensors.count)
        var ranges: [Range<Int>] = []
        for tensor in file.tensors {
            #expect(tensor.offset >= file.dataOffset && tensor.offset + tensor.byteCount <= file.fileSize)
            #expect((tensor.offset - file.dataOffset) % file.alignment == 0)
            #expect(file.data(tensor).count == tensor.byteCount)
            #expect(tensor.type.rowBytes(tensor.rowLength).map { $0 * tensor.rows } == tensor.byteCount)
            ranges.append(tensor.offset..<tensor.offset + tensor.byteCount)
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound <= b.lowerBound) }
        _ = GGUFSummary(file, includeTensors: true)
    }

    @Test("seeded mutations of small valid files never crash the reader and never yield an unsafe file")
    func mutationLoop() throws {
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["BERTHA_GGUF_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 5000
        let last = environment["BERTHA_GGUF_FUZZ_LAST"]
        let seeds = try Self.seeds()
        // Regenerates the committed corpus after the seeds change: BERTHA_GGUF_FUZZ_WRITE_SEEDS=Tests/Fixtures/gguf
        if let directory = environment["BERTHA_GGUF_FUZZ_WRITE_SEEDS"] {
            try Data(seeds[0]).write(to: URL(fileURLWithPath: directory).appendingPathComponent("seed-writer.gguf"))
            try Data(seeds[1]).write(to: URL(fileURLWithPath: directory).appendingPathComponent("seed-raw.gguf"))
        }
        var rng = SeededRandom(seed: environment["BERTHA_GGUF_FUZZ_SEED"].flatMap(UInt64.init) ?? 0xB34_7A)
        var accepted = 0, rejected = 0
        for _ in 0..<iterations {
            let input = Self.mutate(seeds.randomElement(using: &rng) ?? seeds[0], seeds: seeds, using: &rng)
            if let last { try Data(input).write(to: URL(fileURLWithPath: last)) }
            do throws(GGUFError) {
                Self.checkInvariants(try GGUFFile(bytes: input, path: "fuzz.gguf"))
                accepted += 1
            } catch {
                #expect(error.path == "fuzz.gguf")
                #expect(!error.message.isEmpty)
                rejected += 1
            }
        }
        // The mutations must exercise both outcomes, or the loop is not testing the validation.
        #expect(accepted > iterations / 100)
        #expect(rejected > iterations / 2)
    }

    @Test("the committed seed corpus opens, and past crashers are handled")
    func corpus() throws {
        let directory = try TestEnvironment.fixture("gguf")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".gguf") }.sorted()
        #expect(names.contains("seed-writer.gguf") && names.contains("seed-raw.gguf"))
        for name in names {
            let path = directory.appendingPathComponent(name).path
            do throws(GGUFError) {
                let file = try GGUFFile(path: path)
                #expect(name.hasPrefix("seed-"), "\(name) should be rejected")
                Self.checkInvariants(file)
            } catch {
                #expect(!name.hasPrefix("seed-"), "\(name): \(error)")
            }
        }
        // The committed seeds are the ones the fuzzer starts from.
        let seeds = try Self.seeds()
        #expect(try [UInt8](Data(contentsOf: directory.appendingPathComponent("seed-writer.gguf"))) == seeds[0])
        #expect(try [UInt8](Data(contentsOf: directory.appendingPathComponent("seed-raw.gguf"))) == seeds[1])
    }
}
