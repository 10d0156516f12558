package io.streamlearn.streams.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The endpoint over HTTPS: a key store made by the JDK's own {@code keytool} (a self-signed certificate for
 * 127.0.0.1), the server started with it, and a client that trusts only that store. A client without that
 * trust is refused in the handshake, and a wrong store password is one clear error naming the file.
 */
class HttpsEndpointTest {

    private static final String PASSWORD = "changeit-" + System.nanoTime();

    @TempDir
    Path dir;

    private Path keystore() throws Exception {
        Path ks = dir.resolve("http.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "streamlearn", "-keyalg", "EC",
                "-dname", "CN=streamlearn", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, p.exitValue(), out);
        return ks;
    }

    @Test
    void shouldServeHttpsToAClientThatTrustsTheStoreAndRefuseOneThatDoesNot() throws Exception {
        SSLContext tls = HttpOptions.tls(keystore(), PASSWORD);
        ModelQueryServerTest.Fake fake = new ModelQueryServerTest.Fake("a", "a-1");
        try (ModelQueryServer server = ModelQueryServer.start(fake, () -> "", ModelQueryServer.Options.local(0).withTls(tls))) {
            HttpRequest health = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/health"))
                    .timeout(Duration.ofSeconds(30)).build();
            HttpResponse<String> ok = HttpClient.newBuilder().sslContext(tls).build()
                    .send(health, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode(), ok.body());
            assertTrue(ok.body().contains("RUNNING"), ok.body());

            // the JVM's default trust store does not know the self-signed certificate
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(health, HttpResponse.BodyHandlers.ofString()));
            // and plain HTTP gets no answer it can read
            HttpRequest plain = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                    .timeout(Duration.ofSeconds(10)).build();
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(plain, HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void shouldNameTheStoreWhenItsPasswordIsWrong() throws Exception {
        Path ks = keystore();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HttpOptions.tls(ks, "wrong"));
        assertTrue(e.getMessage().startsWith("--http-tls-keystore " + ks), e.getMessage());
    }
}
