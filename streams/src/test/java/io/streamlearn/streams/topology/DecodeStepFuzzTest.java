package io.streamlearn.streams.topology;

import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.mapping.MappingException;
import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.schemas.registry.RegistryConfig;
import io.streamlearn.schemas.registry.SchemaRegistryClient;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.broker.EmbeddedSchemaRegistry;
import io.streamlearn.streams.decode.Mutations;
import io.streamlearn.streams.decode.RegistryInput;
import io.streamlearn.streams.map.EntityKey;
import io.streamlearn.streams.score.ScoringStep;
import io.streamlearn.streams.topology.DecodeStageFuzzTest.Format;
import io.streamlearn.streams.decode.Fuzz;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The decode step of the processors without the Kafka Streams test driver around them, for many more cases per
 * second than {@link DecodeStageFuzzTest}: the same inputs and mutations go through
 * {@link ScoreEventsProcessor#decode} / {@link LabelJoin#decode} (registry or field mapping, as the processors call
 * them), the entity-key check ({@link EntityKey}) and the {@link ScoringStep} of {@code kalman} and {@code sgd} over
 * an in-memory model store. Checks: only {@link MalformedRecordException} or {@link MappingException} (each with a
 * reason) leaves the decode step, and only {@link InvalidInputException} the scoring step; a valid record decodes
 * to what was encoded and is scored; every prediction, and a probe's afterwards, is finite.
 * Tries per property: {@code -Dfuzz.tries}, as {@link DecodeStageFuzzTest} ({@link Fuzz}).
 */
class DecodeStepFuzzTest {

    private static EmbeddedSchemaRegistry registry;
    private static Step defaults;
    private static Step foreign;

    /** One route's decoding settings and its scoring step over a model store. */
    private static final class Step {
        final FieldMapping events;
        final FieldMapping labels;
        final RegistryInput input;
        final ScoringStep scoring;
        InMemoryModelStore store = new InMemoryModelStore();

        Step(AppConfig config) {
            events = config.eventMapping();
            labels = config.labelMapping();
            input = RegistryInput.of(config.registry());
            scoring = new ScoringStep(config.featureSpace(), config.models());
        }

        /** Decodes and scores like the event processor; returns the dead-letter reason, or null when scored. */
        String event(String key, byte[] value, long timestamp) {
            Event event;
            try {
                event = ScoreEventsProcessor.decode(events, input, key, value, timestamp);
            } catch (MalformedRecordException e) {
                return reason(e.reason());
            } catch (MappingException e) {
                return reason(e.reason());
            } catch (RuntimeException e) {
                throw new AssertionError("an exception escaped the decode step: " + e, e);
            }
            EntityKey k = ScoreEventsProcessor.entityKey(key, event.getKey());
            if (!k.valid()) {
                return reason(k.reason());
            }
            Double label = event.getLabel();
            if (label != null && label.isNaN()) {
                return "non-finite-label";
            }
            if (store.size() > 50_000) {
                store = new InMemoryModelStore();
            }
            try {
                int[] predictions = {0};
                scoring.score(k.key(), event.getTs(), event.getFeatures(), label == null ? Double.NaN : label, store,
                        (model, champion, version, mean, stddev) -> {
                            assertTrue(Double.isFinite(mean), () -> model + " predicted " + mean + " for " + event);
                            predictions[0]++;
                        });
                assertEquals(scoring.models().size(), predictions[0], "one prediction per model");
            } catch (InvalidInputException e) {
                return reason(e.reason());
            }
            probe(k.key(), event.getTs());
            return null;
        }

        /** Decodes a label like the label join; the label is then learned by the key's models. */
        String label(String key, byte[] value, long timestamp, Map<String, Double> features) {
            Label label;
            try {
                label = LabelJoin.decode(labels, input, key, value, timestamp);
            } catch (MalformedRecordException e) {
                return reason(e.reason());
            } catch (MappingException e) {
                return reason(e.reason());
            } catch (RuntimeException e) {
                throw new AssertionError("an exception escaped the label decode step: " + e, e);
            }
            EntityKey k = ScoreEventsProcessor.entityKey(key, label.getKey());
            if (!k.valid()) {
                return reason(k.reason());
            }
            try {
                scoring.learn(k.key(), label.getTs(), features, label.getLabel(), store);
            } catch (InvalidInputException e) {
                return reason(e.reason());
            }
            probe(k.key(), label.getTs());
            return null;
        }

        /** A valid labelled event of the key: every model's prediction is finite (none became NaN). */
        void probe(String key, long time) {
            Map<String, Double> x = events.isDefault() ? Map.of("x1", 1.0, "x2", -1.0) : Map.of("amount", 10.0);
            scoring.score(key, time, x, 0.5, store, (model, champion, version, mean, stddev) ->
                    assertTrue(Double.isFinite(mean), () -> "the model " + model + " of key '" + key + "' became non-finite"));
        }

        private static String reason(String reason) {
            assertFalse(reason == null || reason.isBlank(), "a rejection without a reason");
            assertTrue(reason.matches("[a-z][a-z-]*"), () -> "a reason is a short token: '" + reason + "'");
            return reason;
        }
    }

    @BeforeAll
    static void start() {
        registry = EmbeddedSchemaRegistry.start(0);
        SchemaRegistryClient client = new SchemaRegistryClient(RegistryConfig.of(registry.url()));
        DecodeStageFuzzTest.confluent = new ConfluentCodec(client);
        DecodeStageFuzzTest.paymentId = client.register("payments-value", DecodeStageFuzzTest.PAYMENT);
        AppConfig config = TopologyHarness.config("kalman;sgd", Map.of(AppConfig.SCHEMA_REGISTRY_URL_KEY, registry.url()));
        defaults = new Step(config);
        foreign = new Step(config.with(DecodeStageFuzzTest.FOREIGN));
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void aValidEventDecodesToWhatWasEncodedAndIsScored() {
        Fuzz.run("a valid event decodes to what was encoded and is scored", gen -> {
            Event event = DecodeStageFuzzTest.validEvent(gen);
            Format format = gen.pick(Format.class);
            byte[] value = DecodeStageFuzzTest.encode(event, format);
            Event decoded = ScoreEventsProcessor.decode(defaults.events, defaults.input, event.getKey(), value, 0L);
            assertEquals(event, decoded, "round trip through " + format);
            String reason = defaults.event(event.getKey(), value, 0L);
            assertEquals(null, reason, () -> "a valid event was rejected: " + event);
            Fuzz.collect("outcome", "scored");
        });
    }

    @Test
    void aMutatedEventIsDecodedAndScoredOrRejectedWithAReason() {
        Fuzz.run("a mutated event is decoded and scored or rejected with a reason", gen -> {
            Event event = DecodeStageFuzzTest.validEvent(gen);
            Format format = gen.pick(Format.class);
            Mutations mutation = gen.pick(Mutations.class);
            Random random = gen.random();
            String recordKey = DecodeStageFuzzTest.recordKey(DecodeStageFuzzTest.recordKeyChoice(gen), event.getKey());
            byte[] value = mutation.apply(DecodeStageFuzzTest.encode(event, format), DecodeStageFuzzTest.header(format), random);
            String reason = defaults.event(recordKey, value, 1L);
            if (mutation == Mutations.NONE && (recordKey == null || recordKey.isEmpty() || recordKey.equals(event.getKey()))) {
                assertEquals(null, reason, () -> "a valid event was rejected: " + event);
            }
            Fuzz.collect("outcome", reason == null ? "scored" : reason);
        });
    }

    @Test
    void aForeignRecordMutatedOrNotIsMappedAndScoredOrRejectedWithAReason() {
        Fuzz.run("a foreign record, mutated or not, is mapped and scored or rejected with a reason", gen ->
                foreignRecord(DecodeStageFuzzTest.payment(gen), gen.bool(), gen.pick(Mutations.class), gen.random()));
    }

    private static void foreignRecord(GenericRecord payment, boolean json, Mutations mutation, Random random) {
        byte[] valid = json ? DecodeStageFuzzTest.paymentJson(payment)
                : ConfluentCodec.frame(DecodeStageFuzzTest.paymentId, DecodeStageFuzzTest.PAYMENT, payment);
        byte[] value = mutation.apply(valid, json ? 0 : ConfluentCodec.HEADER_LENGTH, random);
        String key = ((GenericRecord) payment.get("account")).get("id").toString();
        String reason = foreign.event(key, value, 1L);
        if (mutation == Mutations.NONE) {
            assertEquals(null, reason, () -> "a valid foreign record was rejected: " + payment);
        }
        Fuzz.collect("outcome", reason == null ? "scored" : reason);
    }

    @Test
    void aLabelMutatedOrNotIsDecodedAndLearnedOrRejectedWithAReason() {
        Fuzz.run("a label, mutated or not, is decoded and learned or rejected with a reason", gen ->
                label(DecodeStageFuzzTest.validEvent(gen), gen.pick(Format.class), gen.pick(Mutations.class), gen.random(),
                        gen.value()));
    }

    private static void label(Event event, Format format, Mutations mutation, Random random, double labelValue) {
        Label label = new Label(event.getId(), event.getKey(), event.getTs(), labelValue);
        byte[] value = mutation.apply(DecodeStageFuzzTest.encode(label, format), DecodeStageFuzzTest.header(format), random);
        String reason = defaults.label(event.getKey(), value, 1L, event.getFeatures());
        if (mutation == Mutations.NONE && reason != null) {
            fail("a valid label was rejected: " + reason + " " + label);
        }
        Fuzz.collect("label", reason == null ? "learned" : reason);
    }
}
