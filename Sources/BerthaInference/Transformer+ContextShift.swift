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
        let style: RopeStyle = c.ropeStyle == .neox ? .neox : .normal
        for layer in 0..<c.blockCount {
            for head in 0..<c.headCountKV {
                cache.move(sequence, layer, head, from: keep + discard, to: keep, count: moved)
                for position in keep..<keep + moved {
                    let key = cache.keyRow(sequence, layer, head, position)
                    cache.read(key, into: row, count: c.headDimension)
                    Ops.rope(row, tokens: 1, heads: 1, headDim: c.headDimension, ropeDim: c.ropeDimension,
                             positions: state.positions, freqBase: c.ropeBase(layer: layer), freqScale: 1 / c.ropeScale,
                             style: style, factors: weights.ropeFrequencyFactors?.pointer)
                    cache.write(row, to: key, count: c.headDimension)
                }
            }
        }
        cache.setCount(sequence, keep + moved)
    }
}
