package kotlinx.coroutines
// Test-only: Debian's kotlinx-coroutines 1.0.1 predates this marker, which the generated code opts into.
@RequiresOptIn @Retention(AnnotationRetention.BINARY) annotation class DelicateCoroutinesApi
