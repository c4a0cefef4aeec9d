@testable import BerthaFineTune
import BerthaTestSupport
import Foundation
import Testing

@Suite("Loss curve PNG")
struct LossCurveChartTests {
    @Test("checksums match their published check values")
    func checksums() {
        #expect(LossCurveChart.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(LossCurveChart.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    @Test("Pillow decodes the chart: size, white background, the smoothed curve falls left to right")
    func decodes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let losses = (0..<200).map { 3.0 * exp(-Double($0) / 60) + 0.2 * sin(Double($0)) + 1 }
        let path = dir.path("loss.png")
        try LossCurveChart.png(losses).write(to: path)
        let output = try runPython("""
            import sys
            from PIL import Image
            im = Image.open(sys.argv[1]); im.load()
            dark = [(x, y) for x in range(im.width) for y in range(im.height) if im.getpixel((x, y)) == (8, 81, 156)]
            left = min(y for x, y in dark if x < 40); right = min(y for x, y in dark if x > im.width - 40)
            print(im.size[0], im.size[1], im.mode, im.getpixel((5, 5)), left < right)
            """, arguments: [path.path])
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "640 320 RGB (255, 255, 255) True")
    }
}
