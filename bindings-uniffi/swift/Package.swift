// swift-tools-version:5.7
// The Swift package of authflow's UniFFI bindings. Build the Rust library
// first (from the repository root):
//
//     cargo build -p authflow-uniffi --release
//
// then `swift build` / `swift test` here: the package links
// ../../target/release/libauthflow_uniffi (see bindings-uniffi/README.md;
// for an iOS app, build an XCFramework instead).
import PackageDescription

let package = Package(
    name: "Authflow",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Authflow", targets: ["Authflow"]),
    ],
    targets: [
        // The C declarations of the Rust library's FFI (generated).
        .systemLibrary(name: "AuthflowFFI", path: "Sources/AuthflowFFI"),
        // The generated Swift API plus the default URLSession transport.
        .target(
            name: "Authflow",
            dependencies: ["AuthflowFFI"],
            path: "Sources/Authflow",
            linkerSettings: [
                .linkedLibrary("authflow_uniffi"),
                .unsafeFlags(["-L", "../../target/release"]),
            ]
        ),
        .testTarget(name: "AuthflowTests", dependencies: ["Authflow"], path: "Tests/AuthflowTests"),
    ]
)
