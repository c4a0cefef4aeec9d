import CBerthaKernels

/// The instruction set the C kernels dispatch to on this CPU.
///
/// Detected at run time (CPUID), never at build time: one binary serves an AVX2-only VM and an
/// AVX-512 host alike.
public enum KernelISA: Int32, Sendable, CustomStringConvertible {
    case scalar = 0, avx2 = 1, avx512vnni = 2, neon = 3

    /// The best instruction set this CPU runs. Cheap: `__builtin_cpu_supports` reads a cached CPUID word.
    public static var current: KernelISA { KernelISA(rawValue: bertha_kernels_isa()) ?? .scalar }

    public var description: String {
        switch self {
        case .scalar: "scalar"
        case .avx2: "avx2"
        case .avx512vnni: "avx512-vnni"
        case .neon: "neon"
        }
    }
}
