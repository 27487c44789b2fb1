// authflow for browsers. Functions, classes and types: see authflow_wasm.d.ts.
export * from "./authflow_wasm.js";
