// swift-tools-version:5.7
// The Swift package of authflow's UniFFI bindings: the generated Swift API
// and its URLSession transport (Sources/Authflow) over the Rust library,
// which comes as an XCFramework: static libraries for iOS, the iOS
// simulator and macOS, each with the FFI's C header and module map
// (module AuthflowFFI). Build it on a Mac with Xcode and rustup, from the
// repository root:
//
//     bash scripts/build-xcframework.sh
//
// It writes AuthflowFFI.xcframework beside this file; then `swift build` and
// `swift test` here, or add this folder to an Xcode project as a local
// package. To depend on a published copy instead, replace the path with the
// zip's URL and checksum, which the script prints:
//     .binaryTarget(name: "AuthflowFFI", url: "https://…/AuthflowFFI.xcframework.zip", checksum: "…")
import PackageDescription

let package = Package(
    name: "Authflow",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Authflow", targets: ["Authflow"]),
    ],
    targets: [
        // The Rust library and the C declarations of its FFI (generated).
        .binaryTarget(name: "AuthflowFFI", path: "AuthflowFFI.xcframework"),
        // The generated Swift API plus the default URLSession transport.
        .target(name: "Authflow", dependencies: ["AuthflowFFI"], path: "Sources/Authflow"),
        .testTarget(name: "AuthflowTests", dependencies: ["Authflow"], path: "Tests/AuthflowTests"),
    ]
)
