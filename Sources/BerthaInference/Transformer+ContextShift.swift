import BerthaKernels

extension Transformer {
    /// Removes positions `keep..<keep+discard` of `sequence` from the cache: later positions move
    /// down by `discard` and their keys are rotated back by `discard` positions (RoPE is a rotation,
    /// so rotating by -discard equals having been encoded at the new position).
    /// - Parameters:
    ///   - sequence: the cache slot.
    ///   - keep: leading positions that stay (system prompt).
    ///   - discard: positions dropped after them.
    public func shiftContext(sequence: Int, keep: Int, discard: Int) {
        let count = cache.count(of: sequence)
        guard discard > 0, keep + discard <= count else { return }
        let c = configuration
        let moved = count - keep - discard
        let row = state.k  // scratch: one key row at a time
        state.positions[0] = Int32(-discard)
        state.invalidateRopeAngles()
        let style: RopeStyle = c.ropeStyle == .neox ? .neox : .normal
        for layer in 0..<c.blockCount {
            // Every moved key rotates by the same -discard positions: one angle table per base.
            let angles = state.ropeAngles(base: c.ropeBase(layer: layer)) { base, cos, sin in
                Ops.ropeAngles(positions: state.positions, tokens: 1, ropeDim: c.ropeDimension, freqBase: base,
                               freqScale: 1 / c.ropeScale, factors: weights.ropeFrequencyFactors?.pointer, cos: cos, sin: sin)
            }
            for head in 0..<c.headCountKV {
                cache.move(sequence, layer, head, from: keep + discard, to: keep, count: moved)
                for position in keep..<keep + moved {
                    let key = cache.keyRow(sequence, layer, head, position)
                    cache.read(key, into: row, count: c.headDimension)
                    Ops.rope(row, tokens: 1, heads: 1, headDim: c.headDimension, ropeDim: c.ropeDimension,
                             cos: angles.cos, sin: angles.sin, style: style)
                    cache.write(row, to: key, count: c.headDimension)
                }
            }
        }
        cache.setCount(sequence, keep + moved)
    }
}
