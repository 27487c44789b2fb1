// authflow from Kotlin/JVM: MakeShift's password flow and a Makini Link
// code flow, blocking and suspend, over java.net.http.
//
// Against the local providers (scripts/test-uniffi.sh compiles and runs it):
//     java ... io.authflow.sample.SampleKt http://127.0.0.1:PORT
// Against real providers, drop the withEndpoint(...) lines: the built-in
// profiles carry the documented URLs.
package io.authflow.sample

import io.authflow.*
import java.net.URI
import java.net.http.HttpClient
import kotlinx.coroutines.runBlocking

fun main(args: Array<String>) {
    val base = args.firstOrNull() ?: error("usage: Sample <providers base URL>")

    // MakeShift: the API key and secret log in on first use, and again after four hours.
    val makeshift = Profile.makeshift()
        .withEndpoint(EndpointRole.TOKEN, "$base/makeshift/oauth/token")
        .withEndpoint(EndpointRole.TOKEN_INFO, "$base/makeshift/oauth/token/info")
        .withEndpoint(EndpointRole.API_BASE, "$base/makeshift/api/public/v2/")
    val staff = oauthClient(Client(makeshift, "makeshift-key", System.getenv("MAKESHIFT_SECRET") ?: "makeshift-secret")).session()
    println("MakeShift employees: " + staff.get("employees").text())

    // Makini Link: send the user to start.url, keep start.pending, exchange on the redirect.
    val link = Profile.makiniLink()
        .withEndpoint(EndpointRole.AUTHORIZATION, "$base/link/oauth/authorize")
        .withEndpoint(EndpointRole.TOKEN, "$base/link/token")
        .withEndpoint(EndpointRole.API_BASE, "$base/v4/")
    val makini = oauthClient(Client(link, "link-client", "link-secret", "http://127.0.0.1:8400/callback"))
    val start = makini.authorizationUrl()
    val redirect = approve(start.url) // the local provider approves at once; a real one shows a page
    runBlocking {
        val tokens = makini.exchangeAsync(redirect, start.pending)
        val session = makini.session(tokens, persister { println("store: $it") })
        println("Makini Link sites: " + session.getAsync("sites").text())
        println("Next renewal at ${session.nextRenewal()} (run a job before then)")
    }
}

/** Opens the authorize URL as a browser would and returns the redirect target. */
fun approve(url: String): String {
    val http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
    val answer = http.send(java.net.http.HttpRequest.newBuilder(URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding())
    return answer.headers().firstValue("Location").orElseThrow()
}
