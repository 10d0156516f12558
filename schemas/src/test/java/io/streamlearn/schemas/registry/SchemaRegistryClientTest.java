package io.streamlearn.schemas.registry;

import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.MalformedRecordException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchemaRegistryClientTest {

    private static final String SENSOR = "{\"type\":\"record\",\"name\":\"Sensor\",\"fields\":[{\"name\":\"x\",\"type\":\"double\"}]}";

    private RegistryStub stub;

    @BeforeEach
    void start() throws IOException {
        stub = new RegistryStub();
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    /** A client that waits up to 30 s (backoff 10, 20, 40, 40 ... ms): long enough for a loaded machine. */
    private SchemaRegistryClient client(String urls) {
        return new SchemaRegistryClient(RegistryConfig.from(Map.of(RegistryConfig.URL_KEY, urls))
                .withRetry(Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofSeconds(30)));
    }

    /** A client that gives up after 300 ms, for the outage tests. */
    private SchemaRegistryClient impatient(String urls) {
        return new SchemaRegistryClient(RegistryConfig.from(Map.of(RegistryConfig.URL_KEY, urls))
                .withRetry(Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofMillis(300)));
    }

    @Test
    void shouldRegisterThenServeTheSchemaFromItsCache() throws Exception {
        SchemaRegistryClient c = client(stub.url());
        int id = c.register("predictions-value", Prediction.getClassSchema());
        assertEquals(id, c.register("predictions-value", Prediction.getClassSchema()));
        RegisteredSchema s = c.schema(id);
        assertEquals(Prediction.getClassSchema().getFields(), s.avro().getFields());
        assertEquals(SchemaNormalization.parsingFingerprint64(Prediction.getClassSchema()), s.fingerprint());
        assertEquals("AVRO", s.type());
        assertEquals(1, stub.requests.get(), "one POST, then the cache");
        assertEquals("POST /subjects/predictions-value/versions", stub.paths.get(0));
    }

    @Test
    void shouldFetchAWriterSchemaOnceById() throws Exception {
        int id = stub.put("AVRO", SENSOR);
        SchemaRegistryClient c = client(stub.url());
        for (int i = 0; i < 5; i++) {
            assertEquals("Sensor", c.schema(id).avro().getName());
        }
        assertEquals(1, stub.requests.get());
        assertEquals("GET /schemas/ids/" + id, stub.paths.get(0));
    }

    @Test
    void shouldReadJsonSchemaType() throws Exception {
        int id = stub.put("JSON", "{\"type\":\"object\"}");
        RegisteredSchema s = client(stub.url()).schema(id);
        assertEquals("JSON", s.type());
        assertNull(s.avro());
    }

    @Test
    void shouldCallAnUnknownIdUnknownSchemaAndRememberIt() {
        SchemaRegistryClient c = client(stub.url());
        MalformedRecordException e = assertThrows(MalformedRecordException.class, () -> c.schema(999));
        assertEquals("unknown-schema", e.reason());
        assertTrue(e.getMessage().contains("40403"), e.getMessage());
        assertThrows(MalformedRecordException.class, () -> c.schema(999));
        assertEquals(1, stub.requests.get(), "the second lookup of an unknown id is remembered");
    }

    @Test
    void shouldRememberABoundedNumberOfUnknownIdsUnderAFloodOfRandomIds() {
        int bound = 20; // MAX_UNKNOWN_IDS, smaller
        SchemaRegistryClient c = new SchemaRegistryClient(client(stub.url()).config(), bound);
        int flood = 3 * bound + 5;
        for (int id = 10_000; id < 10_000 + flood; id++) {
            int i = id;
            assertEquals("unknown-schema", assertThrows(MalformedRecordException.class, () -> c.schema(i)).reason());
            assertTrue(c.unknownIdsRemembered() <= bound, "remembered: " + c.unknownIdsRemembered());
        }
        assertEquals(flood, stub.requests.get(), "each new id asked once");
        int last = 10_000 + flood - 1;
        assertThrows(MalformedRecordException.class, () -> c.schema(last));
        assertEquals(flood, stub.requests.get(), "the latest unknown id is still remembered");
    }

    @Test
    void shouldRetryServerErrorsWithBackoffAndThenSucceed() throws Exception {
        int id = stub.put("AVRO", SENSOR);
        stub.failNext.set(3);
        long start = System.nanoTime();
        assertEquals("Sensor", client(stub.url()).schema(id).avro().getName());
        long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertEquals(4, stub.requests.get());
        assertTrue(ms >= 10 + 20 + 40, "waited 10, 20, 40 ms between the attempts, took " + ms);
    }

    @Test
    void shouldGiveUpWithUnavailableNeverUnknownSchema() throws Exception {
        int id = stub.put("AVRO", SENSOR);
        stub.failNext.set(1_000);
        // 2 s, not 300 ms: at load average 30 the first request alone took longer than 300 ms, and there was no retry
        SchemaRegistryClient c = new SchemaRegistryClient(RegistryConfig.from(Map.of(RegistryConfig.URL_KEY, stub.url()))
                .withRetry(Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofSeconds(2)));
        long start = System.nanoTime();
        RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class, () -> c.schema(id));
        long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
        // Bounded by max-wait (2 s) plus the last request; generous for a loaded machine, finite all the same.
        assertTrue(ms < 8_000, "bounded by max-wait, took " + ms);
        assertTrue(stub.requests.get() >= 2, "retried: " + stub.requests.get());
    }

    @Test
    void shouldTreatARefusedConnectionAsUnavailable() throws Exception {
        SchemaRegistryClient c = impatient("http://127.0.0.1:" + freePort());
        assertThrows(RegistryUnavailableException.class, () -> c.schema(1));
    }

    @Test
    void shouldFallOverToTheNextUrl() throws Exception {
        int id = stub.put("AVRO", SENSOR);
        SchemaRegistryClient c = client("http://127.0.0.1:" + freePort() + ", " + stub.url());
        assertEquals("Sensor", c.schema(id).avro().getName());
    }

    @Test
    void shouldSendBasicAuthenticationFromUserInfo() throws Exception {
        int id = stub.put("AVRO", SENSOR);
        stub.requiredAuthorization = "Basic " + Base64.getEncoder().encodeToString("ann:s3cret".getBytes(UTF_8));
        SchemaRegistryClient without = impatient(stub.url());
        RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class, () -> without.schema(id));
        assertTrue(e.getMessage().contains("basic.auth.user.info"), e.getMessage());

        SchemaRegistryClient with = new SchemaRegistryClient(RegistryConfig.from(Map.of(
                RegistryConfig.URL_KEY, stub.url(),
                RegistryConfig.CREDENTIALS_SOURCE_KEY, "USER_INFO",
                RegistryConfig.USER_INFO_KEY, "ann:s3cret")));
        assertEquals("Sensor", with.schema(id).avro().getName());

        SchemaRegistryClient inUrl = new SchemaRegistryClient(RegistryConfig.from(Map.of(
                RegistryConfig.URL_KEY, stub.url().replace("http://", "http://ann:s3cret@"),
                RegistryConfig.CREDENTIALS_SOURCE_KEY, "URL")));
        assertEquals("Sensor", inUrl.schema(id).avro().getName());
    }

    @Test
    void shouldReadSettingsAndRejectBadOnes() {
        assertNull(RegistryConfig.from(Map.of()));
        RegistryConfig c = RegistryConfig.from(Map.of(RegistryConfig.URL_KEY, "https://a:8081/, https://b:8081",
                RegistryConfig.RETRY_MAX_WAIT_KEY, "2m", RegistryConfig.RETRY_INITIAL_KEY, "PT0.5S"));
        assertEquals(2, c.urls().size());
        assertEquals("https://a:8081", c.urls().get(0).toString());
        assertEquals(Duration.ofMinutes(2), c.maxWait());
        assertEquals(Duration.ofMillis(500), c.initialBackoff());
        assertTrue(!c.toString().contains("s3cret"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegistryConfig.from(Map.of(RegistryConfig.URL_KEY, "registry:8081")));
        assertTrue(e.getMessage().startsWith("schema.registry.url"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RegistryConfig.from(Map.of(RegistryConfig.URL_KEY, "http://a",
                RegistryConfig.CREDENTIALS_SOURCE_KEY, "SASL_INHERIT")));
        assertThrows(IllegalArgumentException.class, () -> RegistryConfig.from(Map.of(RegistryConfig.URL_KEY, "http://a",
                RegistryConfig.RETRY_MAX_WAIT_KEY, "soon")));
        assertTrue(RegistryConfig.from(Map.of(RegistryConfig.URL_KEY, "http://a", RegistryConfig.USER_INFO_KEY, "u:p"))
                .toString().contains("basicAuth=true"));
    }

    @Test
    void shouldReportARefusedSchemaAsARegistryError() {
        Schema bad = Schema.create(Schema.Type.STRING);
        SchemaRegistryClient c = client(stub.url());
        stub.failNext.set(1);
        stub.failStatus = 409;
        RegistryException e = assertThrows(RegistryException.class, () -> c.register("x-value", bad));
        assertTrue(!(e instanceof RegistryUnavailableException));
        assertTrue(e.getMessage().contains("409"), e.getMessage());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
