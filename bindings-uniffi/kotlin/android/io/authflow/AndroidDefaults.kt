// Android's default transport: Android has no java.net.http, so the client
// sends with HttpURLConnection (the JAR's default is JavaNetHttpTransport).
package io.authflow

/** An [OAuthClient] over [HttpUrlConnectionTransport] and [SystemEnvironment] by default. */
fun oauthClient(
    client: Client,
    transport: HttpTransport = HttpUrlConnectionTransport(),
    environment: Environment = SystemEnvironment(),
): OAuthClient = OAuthClient(client, transport, environment)
