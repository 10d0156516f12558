package io.streamlearn.streams.http;

import io.streamlearn.streams.metrics.StreamlearnMetrics;
import org.apache.kafka.streams.state.HostInfo;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The command-line options of the HTTP endpoint, as a picocli mixin ({@code @Mixin HttpOptions http}).
 * Off unless {@code --http-port} is given. The bearer token is read from {@code --http-token-file} or the
 * environment variable {@value #TOKEN_ENV}, never from the command line (where {@code ps} would show it).
 *
 * <pre>{@code
 * ./streamlearn run --http-port 8080
 * STREAMLEARN_HTTP_TOKEN=s3cret ./streamlearn run --http-port 8080 --http-bind 0.0.0.0 --http-advertised-host node-1
 * }</pre>
 */
public final class HttpOptions {

    /** Environment variable holding the password of {@code --http-tls-keystore}. */
    public static final String TLS_PASSWORD_ENV = "STREAMLEARN_HTTP_TLS_PASSWORD";

    /** Environment variable holding the bearer token. */
    public static final String TOKEN_ENV = "STREAMLEARN_HTTP_TOKEN";

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Serve model queries, /health and /metrics over HTTP on this port (0: a free one), and "
                    + "DELETE /models/KEY to forget a key (needs a bearer token, even on loopback). Off by default.")
    Integer port;

    @Option(names = "--http-bind", paramLabel = "ADDRESS",
            description = "Address the HTTP endpoint binds. Default: 127.0.0.1. Any non-loopback address requires a bearer token "
                    + "(--http-token-file or $" + TOKEN_ENV + ").")
    String bind = "127.0.0.1";

    @Option(names = "--http-advertised-host", paramLabel = "HOST",
            description = "Host other instances use to reach this one (Kafka Streams application.server). "
                    + "Default: the bind address, or this machine's host name when binding 0.0.0.0.")
    String advertisedHost;

    @Option(names = "--http-tls-keystore", paramLabel = "FILE",
            description = "PKCS12 key store holding the endpoint's certificate and key: the endpoint serves HTTPS, and "
                    + "trusts the same store when it forwards to other instances. Its password is in $" + TLS_PASSWORD_ENV + ".")
    Path tlsKeystore;

    @Option(names = "--http-token-file", paramLabel = "FILE",
            description = "File whose first line is the bearer token the endpoint requires (and sends to other instances).")
    Path tokenFile;

    /** Whether the endpoint was asked for. */
    public boolean enabled() {
        return port != null;
    }

    /** The token from the file or the environment, or null. */
    String token() throws IOException {
        if (tokenFile != null) {
            String t = Files.readString(tokenFile, StandardCharsets.UTF_8).lines().findFirst().orElse("").trim();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("--http-token-file " + tokenFile + " is empty");
            }
            return t;
        }
        String env = System.getenv(TOKEN_ENV);
        return env == null || env.isBlank() ? null : env.trim();
    }

    /**
     * Starts the endpoint (answering 503 until attached), or returns null when {@code --http-port} was
     * not given.
     */
    public QueryEndpoint start(StreamlearnMetrics metrics) throws IOException {
        if (!enabled()) {
            return null;
        }
        ModelQueryServer.Options o = new ModelQueryServer.Options(bind, port, token(), Duration.ofSeconds(5), 4);
        if (tlsKeystore != null) {
            o = o.withTls(tls(tlsKeystore, System.getenv(TLS_PASSWORD_ENV)));
        }
        return QueryEndpoint.start(o, metrics);
    }

    /**
     * An SSL context whose keys and trusted certificates both come from the PKCS12 store {@code file}.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or its password is wrong
     */
    public static javax.net.ssl.SSLContext tls(Path file, String password) {
        char[] pw = password == null ? new char[0] : password.toCharArray();
        try (var in = Files.newInputStream(file)) {
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(in, pw);
            javax.net.ssl.KeyManagerFactory kmf =
                    javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            javax.net.ssl.TrustManagerFactory tmf =
                    javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("--http-tls-keystore " + file + ": " + e.getMessage(), e);
        }
    }

    /** This instance's address for {@code application.server}, given the started endpoint. */
    public HostInfo hostInfo(QueryEndpoint endpoint) throws IOException {
        String host = advertisedHost;
        if (host == null) {
            InetAddress a = InetAddress.getByName(bind);
            host = a.isAnyLocalAddress() ? InetAddress.getLocalHost().getHostName() : bind;
        }
        return endpoint.hostInfo(host);
    }
}
