import Foundation

/// The training-loss curve as a small PNG for the run's artifacts (MLflow shows images inline).
///
/// Drawn without a graphics library: a white canvas, a light grid at quarter heights, the raw loss
/// per step in light blue and its moving average in dark blue. The PNG uses stored (uncompressed)
/// deflate blocks, which every decoder accepts; at 640×320 that is 600 KB, small next to an adapter.
public enum LossCurveChart {
    public static let width = 640, height = 320

    /// PNG bytes of `losses` (one value per step); a flat line for fewer than two finite values.
    public static func png(_ losses: [Double]) -> Data {
        var canvas = Canvas(width: width, height: height)
        let margin = 16
        let plotW = width - 2 * margin, plotH = height - 2 * margin
        for quarter in 0...4 {
            let y = margin + plotH * quarter / 4
            canvas.line(margin, y, margin + plotW, y, color: (225, 225, 225))
        }
        canvas.line(margin, margin, margin, margin + plotH, color: (160, 160, 160))
        let finite = losses.filter(\.isFinite)
        guard finite.count >= 2, let low = finite.min(), let high = finite.max() else { return encode(canvas) }
        let span = max(high - low, 1e-9)
        func point(_ index: Int, _ value: Double) -> (Int, Int) {
            let x = margin + Int((Double(index) / Double(losses.count - 1) * Double(plotW)).rounded())
            let y = margin + Int(((high - value) / span * Double(plotH)).rounded())
            return (x, y)
        }
        func polyline(_ values: [Double], color: (UInt8, UInt8, UInt8)) {
            var previous: (Int, Int)?
            for (index, value) in values.enumerated() where value.isFinite {
                let p = point(index, value)
                if let previous { canvas.line(previous.0, previous.1, p.0, p.1, color: color) }
                previous = p
            }
        }
        polyline(losses, color: (158, 202, 225))
        let window = max(1, losses.count / 20)
        var smoothed: [Double] = []
        var sum = 0.0, count = 0
        for (index, value) in losses.enumerated() {
            if value.isFinite { sum += value; count += 1 }
            if index >= window, losses[index - window].isFinite { sum -= losses[index - window]; count -= 1 }
            smoothed.append(count > 0 ? sum / Double(count) : .nan)
        }
        polyline(smoothed, color: (8, 81, 156))
        return encode(canvas)
    }

    struct Canvas {
        let width, height: Int
        var pixels: [UInt8]

        init(width: Int, height: Int) {
            self.width = width
            self.height = height
            pixels = [UInt8](repeating: 255, count: width * height * 3)
        }

        mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = (y * width + x) * 3
            pixels[i] = color.0
            pixels[i + 1] = color.1
            pixels[i + 2] = color.2
        }

        /// Bresenham's line, two pixels thick so it survives downscaling in a browser.
        mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, color: (UInt8, UInt8, UInt8)) {
            var x = x0, y = y0
            let dx = abs(x1 - x0), dy = -abs(y1 - y0)
            let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
            var error = dx + dy
            while true {
                set(x, y, color)
                set(x, y + 1, color)
                if x == x1 && y == y1 { break }
                let e2 = 2 * error
                if e2 >= dy { error += dy; x += sx }
                if e2 <= dx { error += dx; y += sy }
            }
        }
    }

    static func encode(_ canvas: Canvas) -> Data {
        // Scanlines, each prefixed with filter type 0 (none).
        var raw = [UInt8]()
        raw.reserveCapacity((canvas.width * 3 + 1) * canvas.height)
        for row in 0..<canvas.height {
            raw.append(0)
            raw += canvas.pixels[(row * canvas.width * 3)..<((row + 1) * canvas.width * 3)]
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, raw.count - offset)
            let final: UInt8 = offset + length == raw.count ? 1 : 0
            zlib += [final, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            zlib += raw[offset..<(offset + length)]
            offset += length
        } while offset < raw.count
        zlib += bigEndian(adler32(raw))

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func chunk(_ type: String, _ body: [UInt8]) {
            let typed = Array(type.utf8) + body
            png += bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
        }
        chunk("IHDR", bigEndian(UInt32(canvas.width)) + bigEndian(UInt32(canvas.height)) + [8, 2, 0, 0, 0])
        chunk("IDAT", zlib)
        chunk("IEND", [])
        return Data(png)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
