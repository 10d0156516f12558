package io.streamlearn.streams.integration;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.schemas.registry.RegistryConfig;
import io.streamlearn.schemas.registry.SchemaRegistryClient;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.broker.EmbeddedSchemaRegistry;
import io.streamlearn.streams.decode.ApicurioConfluentSerializer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A topic in the Confluent wire format, scored with a properties file and no code: Avro records framed by
 * Apicurio's serializer (not ours) with Avro string keys, a union field, a text field and a boolean label,
 * first with a {@code timestamp-millis} time and then (a second schema version, on the same topic) with
 * {@code timestamp-micros}; predictions and dead letters written in the Confluent format. Midway the registry
 * is stopped while records of the schema version the application has not seen yet are produced, then
 * restarted: nothing is lost, nothing is dead-lettered for the outage, nothing is scored twice.
 *
 * <p>The registry is {@link EmbeddedSchemaRegistry}, an in-memory registry that speaks the documented REST
 * subset: Apicurio Registry's application (the real registry we tried to start from Maven artifacts) cannot be
 * resolved from the Maven registry reachable here, because its {@code apicurio-registry-schema-util-provider}
 * jar is not served (3.3.3 is missing; 2.1.5 to 3.0.9 and 2.6.13.Final fail to resolve).
 */
class ConfluentAvroIT {

    private static final int KEYS = 20;
    private static final int PER_PHASE = 200;
    private static final long T0 = 1_700_000_000_000L;

    static final Schema PAYMENT_V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "Payment", "namespace": "com.example.payments", "fields": [
              {"name": "account", "type": "string"},
              {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "amount", "type": ["null", "double"], "default": null},
              {"name": "country", "type": ["null", "string"], "default": null},
              {"name": "fraud", "type": "boolean"}
            ]}""");
    static final Schema PAYMENT_V2 = new Schema.Parser().parse(PAYMENT_V1.toString()
            .replace("timestamp-millis", "timestamp-micros"));
    private static final String[] COUNTRIES = {"FR", "DE", "NL", "ES"};

    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path dir;

    /** Payment i: its account, time in epoch ms, amount (null every 7th), country, label. */
    private static GenericRecord payment(Schema schema, int i) {
        GenericRecord r = new GenericData.Record(schema);
        long ms = T0 + 1000L * i;
        r.put("account", "acc-" + (i % KEYS));
        r.put("occurred_at", schema == PAYMENT_V1 ? ms : ms * 1000 + 999); // micros: sub-ms part truncated
        r.put("amount", i % 7 == 0 ? null : 10.0 + i % 13);
        r.put("country", COUNTRIES[i % COUNTRIES.length]);
        r.put("fraud", i % COUNTRIES.length == 1);
        return r;
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldScoreAConfluentAvroTopicAndLoseNothingWhileTheRegistryIsDown() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0)) {
            Path properties = dir.resolve("payments.properties");
            Files.writeString(properties, String.join("\n",
                    "bootstrap.servers=" + kafka.broker().bootstrapServers(),
                    "application.id=it-confluent-" + suffix,
                    "state.dir=" + dir.resolve("state"),
                    "commit.interval.ms=100",
                    "streamlearn.topic.events=payments-" + suffix,
                    "streamlearn.topic.labels=payment-labels-" + suffix,
                    "streamlearn.topic.predictions=payment-predictions-" + suffix,
                    "streamlearn.topic.predictions-shadow=payment-shadow-" + suffix,
                    "streamlearn.topic.dead-letters=payment-dead-letters-" + suffix,
                    "streamlearn.topic.model-control=payment-control-" + suffix,
                    "streamlearn.topic.forget-acks=payment-acks-" + suffix,
                    "# the topic's own shape",
                    "schema.registry.url=" + registry.url(),
                    "streamlearn.registry.retry.max-backoff=500ms",
                    "streamlearn.registry.retry.max-wait=3s",
                    "streamlearn.input.key=record-key",
                    "streamlearn.input.timestamp=occurred_at",
                    "streamlearn.input.label=fraud",
                    "streamlearn.input.features=amount,country",
                    "streamlearn.output.format=confluent-avro",
                    ""), StandardCharsets.UTF_8);
            AppConfig config = AppConfig.load(properties);
            kafka.broker().createTopics(2, config.topics());

            // Serialize everything up front, as producers that registered their schemas earlier would.
            AvroKafkaSerializer<Object> values = ApicurioConfluentSerializer.create(registry.url(), false);
            AvroKafkaSerializer<Object> keys = ApicurioConfluentSerializer.create(registry.url(), true);
            List<ProducerRecord<byte[], byte[]>> phase1 = new ArrayList<>();
            List<ProducerRecord<byte[], byte[]>> phase2 = new ArrayList<>();
            Map<String, Long> expectedTs = new HashMap<>();
            for (int i = 0; i < 2 * PER_PHASE; i++) {
                Schema schema = i < PER_PHASE ? PAYMENT_V1 : PAYMENT_V2;
                GenericRecord p = payment(schema, i);
                String account = p.get("account").toString();
                (i < PER_PHASE ? phase1 : phase2).add(new ProducerRecord<>(config.eventsTopic(),
                        keys.serialize(config.eventsTopic(), account), values.serialize(config.eventsTopic(), p)));
                expectedTs.put(account + "@" + (T0 + 1000L * i), T0 + 1000L * i);
            }
            byte[] unknownId = phase1.get(0).value().clone();
            unknownId[1] = 0x7F; // a schema id the registry never gave
            phase1.add(new ProducerRecord<>(config.eventsTopic(), phase1.get(0).key(), unknownId));

            ConfluentCodec reader = new ConfluentCodec(new SchemaRegistryClient(RegistryConfig.of(registry.url())));
            Map<String, GenericRecord> predictions = new HashMap<>();
            List<DeadLetter> deadLetters = new ArrayList<>();
            TestClients.RecordHandler collect = r -> {
                assertEquals(0, r.value()[0], "Confluent framing on " + r.topic());
                GenericRecord g = (GenericRecord) reader.decode(r.value());
                if (r.topic().equals(config.deadLettersTopic())) {
                    deadLetters.add(new DeadLetter(g.get("topic").toString(), (Integer) g.get("partition"), (Long) g.get("offset"),
                            String.valueOf(g.get("key")), null, g.get("reason").toString(), g.get("detail").toString(),
                            (Long) g.get("time")));
                } else {
                    assertNull(predictions.put(g.get("id").toString(), g), "scored twice: " + g.get("id"));
                }
            };

            try (StreamlearnApp app = new StreamlearnApp(config);
                 KafkaProducer<byte[], byte[]> producer = producer();
                 KafkaConsumer<String, byte[]> consumer = TestClients.consumer(kafka.broker())) {
                app.start();
                assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
                consumer.subscribe(List.of(config.predictionsTopic(), config.deadLettersTopic()));

                phase1.forEach(producer::send);
                producer.flush();
                assertTrue(TestClients.pollUntil(consumer, Duration.ofSeconds(90),
                        () -> predictions.size() >= PER_PHASE && deadLetters.size() >= 1, collect),
                        "phase 1: " + predictions.size() + " predictions, " + deadLetters);
                assertEquals(1, deadLetters.size());
                assertEquals("unknown-schema", deadLetters.get(0).getReason());
                assertTrue(deadLetters.get(0).getDetail().contains("40403"), deadLetters.get(0).getDetail());

                // The outage: the application has not seen schema version 2 yet and cannot fetch it.
                registry.stop();
                phase2.forEach(producer::send);
                producer.flush();
                // Longer than streamlearn.registry.retry.max-wait: the stream thread gives up at least once, fails and is replaced.
                TestClients.pollFor(consumer, Duration.ofSeconds(8), collect);
                assertEquals(PER_PHASE, predictions.size(), "nothing scored while the registry is down");
                assertEquals(1, deadLetters.size(), "nothing dead-lettered for the outage: " + deadLetters);

                registry.start();
                TestClients.pollUntilThenFor(consumer, Duration.ofSeconds(120),
                        () -> predictions.size() >= 2 * PER_PHASE, Duration.ofSeconds(2), collect);
            }

            assertEquals(2 * PER_PHASE, predictions.size(), "every event scored once, none lost");
            assertEquals(1, deadLetters.size(), "only the unknown schema id: " + deadLetters);
            for (Map.Entry<String, GenericRecord> e : predictions.entrySet()) {
                Long ts = expectedTs.get(e.getKey());
                assertEquals(ts, e.getValue().get("ts"), "epoch ms from timestamp-millis and timestamp-micros: " + e.getKey());
                double label = (Double) e.getValue().get("label");
                assertTrue(label == 0.0 || label == 1.0, "boolean label as 1/0");
            }
            assertTrue(registry.subjects().containsAll(List.of(config.predictionsTopic() + "-value",
                    config.deadLettersTopic() + "-value", config.eventsTopic() + "-value", config.eventsTopic() + "-key")),
                    registry.subjects()::toString);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.broker().bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
