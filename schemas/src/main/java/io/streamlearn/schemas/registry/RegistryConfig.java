package io.streamlearn.schemas.registry;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the Schema Registry is and how to talk to it, read from the same property names as Confluent's
 * clients use, so that an existing client properties file works as is:
 * <ul>
 *   <li>{@value #URL_KEY}: one URL or several separated by commas (tried in turn; the first that answers
 *       is kept). {@code http://} or {@code https://}; TLS uses the JVM's trust store
 *       ({@code javax.net.ssl.trustStore} and friends), nothing of our own.</li>
 *   <li>{@value #CREDENTIALS_SOURCE_KEY}: {@code USER_INFO} (the default) reads {@value #USER_INFO_KEY};
 *       {@code URL} takes {@code user:password} from the first URL's user-info part.</li>
 *   <li>{@value #USER_INFO_KEY} (or {@code schema.registry.basic.auth.user.info}): {@code user:password}
 *       for HTTP basic authentication. Unset: no {@code Authorization} header.</li>
 *   <li>{@value #RETRY_INITIAL_KEY} (default {@code 100ms}), {@value #RETRY_MAX_BACKOFF_KEY} ({@code 10s}),
 *       {@value #RETRY_MAX_WAIT_KEY} ({@code 60s}): while no URL answers, wait the initial backoff, then twice
 *       as long each time up to the maximum backoff, and give up
 *       ({@link RegistryUnavailableException}) once the next wait would pass the maximum wait. Keep the
 *       maximum wait well under the consumer's {@code max.poll.interval.ms} (5 min by default).</li>
 *   <li>{@value #REQUEST_TIMEOUT_KEY} (default {@code 10s}): connect and response timeout of one request.</li>
 * </ul>
 * Durations are written {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT10S}).
 *
 * <pre>{@code
 * RegistryConfig c = RegistryConfig.from(Map.of(
 *         "schema.registry.url", "https://registry-1:8081,https://registry-2:8081",
 *         "basic.auth.credentials.source", "USER_INFO",
 *         "basic.auth.user.info", "streamlearn:secret"));
 * }</pre>
 *
 * @param urls           base URLs, at least one, without trailing slash
 * @param userInfo       {@code user:password} for basic authentication, or null
 * @param requestTimeout connect and response timeout of one request; positive
 * @param initialBackoff first wait after every URL failed; positive
 * @param maxBackoff     longest single wait; at least {@code initialBackoff}
 * @param maxWait        total wait after which a request gives up; not negative
 */
public record RegistryConfig(List<URI> urls, String userInfo, Duration requestTimeout, Duration initialBackoff,
                             Duration maxBackoff, Duration maxWait) {

    public static final String URL_KEY = "schema.registry.url";
    public static final String CREDENTIALS_SOURCE_KEY = "basic.auth.credentials.source";
    public static final String USER_INFO_KEY = "basic.auth.user.info";
    /** The same, under the prefix Kafka Streams applications often use for registry settings. */
    public static final String PREFIXED_USER_INFO_KEY = "schema.registry.basic.auth.user.info";
    public static final String RETRY_INITIAL_KEY = "streamlearn.registry.retry.initial";
    public static final String RETRY_MAX_BACKOFF_KEY = "streamlearn.registry.retry.max-backoff";
    public static final String RETRY_MAX_WAIT_KEY = "streamlearn.registry.retry.max-wait";
    public static final String REQUEST_TIMEOUT_KEY = "streamlearn.registry.request-timeout";

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    /** Checks the values and copies the list. */
    public RegistryConfig {
        if (urls == null || urls.isEmpty()) {
            throw new IllegalArgumentException(URL_KEY + " names no URL");
        }
        urls = List.copyOf(urls);
        if (requestTimeout.isNegative() || requestTimeout.isZero() || initialBackoff.isNegative()
                || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0 || maxWait.isNegative()) {
            throw new IllegalArgumentException("registry timeouts must be positive, with " + RETRY_MAX_BACKOFF_KEY
                    + " >= " + RETRY_INITIAL_KEY);
        }
    }

    /**
     * Reads the settings listed on this class; other keys are ignored.
     *
     * @param settings the application's settings; not null
     * @return the config, or null when {@value #URL_KEY} is unset or blank (no registry)
     * @throws IllegalArgumentException for a bad URL, credentials source or duration, naming the key
     */
    public static RegistryConfig from(Map<String, String> settings) {
        String list = settings.get(URL_KEY);
        if (list == null || list.isBlank()) {
            return null;
        }
        List<URI> urls = new ArrayList<>();
        String firstUserInfo = null;
        for (String part : list.split(",")) {
            String u = part.trim();
            if (u.isEmpty()) {
                continue;
            }
            try {
                URI uri = new URI(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
                if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
                        || uri.getHost() == null) {
                    throw new URISyntaxException(u, "not an http:// or https:// URL with a host");
                }
                // Credentials in the URL are for basic.auth.credentials.source=URL, never sent in the request line.
                urls.add(uri.getUserInfo() == null ? uri
                        : new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null));
                if (uri.getUserInfo() != null && firstUserInfo == null) {
                    firstUserInfo = uri.getRawUserInfo();
                }
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(URL_KEY + ": '" + u + "' is not a URL: " + e.getReason());
            }
        }
        String source = settings.getOrDefault(CREDENTIALS_SOURCE_KEY, "USER_INFO").trim().toUpperCase(Locale.ROOT);
        String userInfo;
        switch (source) {
            case "USER_INFO":
                userInfo = settings.get(USER_INFO_KEY);
                if (userInfo == null) {
                    userInfo = settings.get(PREFIXED_USER_INFO_KEY);
                }
                break;
            case "URL":
                userInfo = firstUserInfo;
                break;
            default:
                throw new IllegalArgumentException(CREDENTIALS_SOURCE_KEY + " must be USER_INFO or URL, got '" + source + "'");
        }
        if (userInfo != null && (userInfo.isBlank() || userInfo.indexOf(':') < 0)) {
            throw new IllegalArgumentException(USER_INFO_KEY + " must be user:password");
        }
        return new RegistryConfig(urls, userInfo,
                duration(settings, REQUEST_TIMEOUT_KEY, "10s"),
                duration(settings, RETRY_INITIAL_KEY, "100ms"),
                duration(settings, RETRY_MAX_BACKOFF_KEY, "10s"),
                duration(settings, RETRY_MAX_WAIT_KEY, "60s"));
    }

    /** A config for one URL with the default timeouts and no credentials (tests, tools). */
    public static RegistryConfig of(String url) {
        return from(Map.of(URL_KEY, url));
    }

    /** A copy with other retry timings. */
    public RegistryConfig withRetry(Duration initial, Duration maxBackoff, Duration maxWait) {
        return new RegistryConfig(urls, userInfo, requestTimeout, initial, maxBackoff, maxWait);
    }

    /** A copy with other credentials ({@code user:password}, or null for none). */
    public RegistryConfig withUserInfo(String userInfo) {
        return new RegistryConfig(urls, userInfo, requestTimeout, initialBackoff, maxBackoff, maxWait);
    }

    @Override
    public String toString() {
        // Never the password.
        return "RegistryConfig[urls=" + urls + ", basicAuth=" + (userInfo != null) + ", requestTimeout=" + requestTimeout
                + ", backoff=" + initialBackoff + ".." + maxBackoff + ", maxWait=" + maxWait + "]";
    }

    private static Duration duration(Map<String, String> settings, String key, String fallback) {
        String t = settings.getOrDefault(key, fallback).trim();
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be a duration such as 500ms, 10s or PT1M, got '" + t + "'");
        }
    }
}
