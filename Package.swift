// swift-tools-version:6.1
// bertha: one Swift toolkit for the LLMOps loop of an LLM service.
// Module graph (a target depends only on those above it in this list):
//   CBerthaKernels, CArchive            C: innermost quantized dot products; libarchive
//   BerthaCore                          config, logging, errors, progress, atomic writes, HTTP client
//   BerthaGGUF                          GGUF reader, ggml types, tensor index; safetensors reader
//   BerthaKernels                       dequantize, dot, matvec/matmul, dense GEMM, worker pool
//   BerthaTokenizers                    BPE, SentencePiece, WordPiece from GGUF metadata
//   BerthaInference                     models (llama, gemma3, qwen2, bert), KV cache, sampler, chat templates
//   BerthaText                          loaders (text, md, html, json, csv, pdf, archives), chunking
//   BerthaEmbeddings                    embedding models on the engine (BERT from GGUF or Hugging Face folders)
//   BerthaObjectStore                   local + S3 (SigV4)
//   BerthaVectorStore                   embedded store + Milvus
//   BerthaMLflow                        MLflow REST client, model registry, model URI resolution
//   BerthaManifests                     Kubernetes / Argo / Prometheus objects, alert rules
//   BerthaIngest                        the ingest pipeline: sources -> loaders -> chunks -> embeddings -> store
//   BerthaFineTune                      LoRA training, evaluation gate, retrain pipeline
//   BerthaServer                        HTTP server (Hummingbird), metrics, scheduler, RAG, live reload
//   BerthaEvents                        local event receiver + pipeline runner (alerts, bucket notifications)
//   bertha                              the CLI: thin fronts over the libraries
import PackageDescription

/// Kernels run at -O3 even in debug builds: a debug dot product is 100x slower and makes tests crawl.
let kernelCSettings: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]
let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "bertha",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bertha", targets: ["bertha"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // Already built for Hummingbird; named here for bench serve's HTTP client (see NIOStreamingCompletion).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // MARK: C
        .target(name: "CBerthaKernels", cSettings: kernelCSettings),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),

        // MARK: libraries
        .target(name: "BerthaCore", dependencies: [
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        .target(name: "BerthaGGUF", dependencies: ["BerthaCore"], swiftSettings: swiftSettings),
        // -O even in debug: the Swift dequantizers and matmul drivers run inside every model test
        // (Gemma 3's LoRA backward dequantizes its 262144 × 640 output matrix each pass).
        .target(name: "BerthaKernels", dependencies: ["CBerthaKernels", "BerthaGGUF"],
                swiftSettings: swiftSettings + [.unsafeFlags(["-O"])]),
        // -O even in debug: chunking counts WordPiece tokens of every piece it considers, and the
        // unoptimised tokenizer makes chunking the corpus take tens of seconds in tests.
        .target(name: "BerthaTokenizers", dependencies: ["BerthaGGUF"], swiftSettings: swiftSettings + [.unsafeFlags(["-O"])]),
        .target(name: "BerthaInference", dependencies: [
            "BerthaCore", "BerthaGGUF", "BerthaKernels", "BerthaTokenizers",
        ], swiftSettings: swiftSettings),
        .target(name: "BerthaText", dependencies: ["BerthaCore", "CArchive", "BerthaTokenizers"],
                swiftSettings: swiftSettings + [.unsafeFlags(["-O"])]),
        .target(name: "BerthaEmbeddings", dependencies: [
            "BerthaCore", "BerthaGGUF", "BerthaInference", "BerthaTokenizers",
        ], swiftSettings: swiftSettings + [.unsafeFlags(["-O"])]),
        .target(name: "BerthaObjectStore", dependencies: [
            "BerthaCore", .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // -O even in debug: exact search and HNSW are tight loops that run 50x slower unoptimised.
        .target(name: "BerthaVectorStore", dependencies: ["BerthaCore", "BerthaKernels", "CBerthaKernels"],
                swiftSettings: swiftSettings + [.unsafeFlags(["-O"])]),
        .target(name: "BerthaMLflow", dependencies: ["BerthaCore", "BerthaGGUF", "BerthaObjectStore"], swiftSettings: swiftSettings),
        .target(name: "BerthaManifests", dependencies: [
            "BerthaCore", .product(name: "Yams", package: "Yams"),
        ], swiftSettings: swiftSettings),
        .target(name: "BerthaIngest", dependencies: [
            "BerthaCore", "BerthaText", "BerthaEmbeddings", "BerthaVectorStore", "BerthaObjectStore",
        ], swiftSettings: swiftSettings),
        // -O even in debug: the training tests run forward and backward passes of a small model.
        .target(name: "BerthaFineTune", dependencies: ["BerthaInference", "BerthaMLflow"],
                swiftSettings: swiftSettings + [.unsafeFlags(["-O"])]),
        .target(name: "BerthaServer", dependencies: [
            "BerthaCore", "BerthaInference", "BerthaEmbeddings", "BerthaVectorStore", "BerthaMLflow",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: swiftSettings),
        .target(name: "BerthaEvents", dependencies: [
            "BerthaCore", "BerthaText", "BerthaIngest", "BerthaFineTune", "BerthaMLflow", "BerthaObjectStore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),

        // MARK: CLI
        .executableTarget(name: "bertha", dependencies: [
            "BerthaCore", "BerthaGGUF", "BerthaInference", "BerthaText", "BerthaEmbeddings",
            "BerthaObjectStore", "BerthaVectorStore", "BerthaMLflow", "BerthaManifests",
            "BerthaIngest", "BerthaFineTune", "BerthaServer", "BerthaEvents",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swiftSettings),

        // MARK: tests
        .target(name: "BerthaTestSupport", dependencies: ["BerthaCore", "BerthaGGUF", "BerthaKernels"], path: "Tests/BerthaTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "BerthaCoreTests", dependencies: ["BerthaCore", "BerthaTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaGGUFTests", dependencies: ["BerthaGGUF", "BerthaTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaKernelsTests", dependencies: ["BerthaKernels", "BerthaGGUF", "BerthaTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaTokenizersTests", dependencies: ["BerthaTokenizers", "BerthaGGUF", "BerthaTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaInferenceTests", dependencies: ["BerthaInference", "BerthaTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaEmbeddingsTests", dependencies: [
            "BerthaEmbeddings", "BerthaInference", "BerthaGGUF", "BerthaKernels", "BerthaTestSupport",
        ], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaTextTests", dependencies: ["BerthaText", "BerthaTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaObjectStoreTests", dependencies: ["BerthaObjectStore", "BerthaTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaMLflowTests", dependencies: ["BerthaMLflow", "BerthaGGUF", "BerthaObjectStore", "BerthaTestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "BerthaVectorStoreTests", dependencies: ["BerthaVectorStore", "BerthaTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaIngestTests", dependencies: [
            "BerthaIngest", "BerthaText", "BerthaEmbeddings", "BerthaVectorStore", "BerthaObjectStore", "BerthaTestSupport",
        ], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaManifestsTests", dependencies: ["BerthaManifests", "BerthaTestSupport"], swiftSettings: swiftSettings),
        // Server tests drive a real listening server over URLSession: HummingbirdTesting would pull
        // in async-http-client and minutes of build time.
        .testTarget(name: "BerthaServerTests", dependencies: [
            "BerthaServer", "BerthaInference", "BerthaEmbeddings", "BerthaVectorStore", "BerthaTestSupport",
        ],
                    swiftSettings: swiftSettings),
        .testTarget(name: "BerthaFineTuneTests", dependencies: ["BerthaFineTune", "BerthaTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaEventsTests", dependencies: [
            "BerthaEvents", "BerthaTestSupport", "BerthaObjectStore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "BerthaCLITests", dependencies: ["BerthaTestSupport"], swiftSettings: swiftSettings),
    ]
)
