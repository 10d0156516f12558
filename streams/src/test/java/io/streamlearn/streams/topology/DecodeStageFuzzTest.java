package io.streamlearn.streams.topology;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.schemas.registry.RegistryConfig;
import io.streamlearn.schemas.registry.SchemaRegistryClient;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.broker.EmbeddedSchemaRegistry;
import io.streamlearn.streams.decode.ContinueOnDeserializationError;
import io.streamlearn.streams.decode.Mutations;
import io.streamlearn.streams.publish.ContinueOnProcessingError;
import io.streamlearn.streams.publish.ContinueOnRecordProductionError;
import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.decode.Fuzz;
import io.streamlearn.streams.decode.FuzzGen;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzing the decode stage of the topology: random and mutated bytes (see {@link Mutations}) piped into the
 * whole {@link StreamlearnTopology} (events and labels, Avro single-object, JSON, Confluent-framed through a
 * real embedded schema registry, today's shape and a foreign field mapping), in seeded random tries ({@link Fuzz}).
 * For every record:
 * <ul>
 *   <li>no exception escapes the processors (the driver would throw, or a safety-net handler would count it in
 *       {@link SkippedRecords} as {@value ContinueOnProcessingError#REASON} or the like, which must stay at 0);</li>
 *   <li>an event either gets one prediction per model and no dead letter, or no prediction and exactly one
 *       dead letter with a reason; a label either joins (counted) or is one dead letter with a reason;</li>
 *   <li>a valid record (generated, then encoded by the codecs) is never dead-lettered;</li>
 *   <li>no model becomes NaN: every prediction is finite, and after each accepted record a probe event of the
 *       same key, run through the ScoringStep like any other, predicts a finite value.</li>
 * </ul>
 * Tries per property: {@code -Dfuzz.tries} (200 by default, small for CI; {@code -Dfuzz.tries=200000} for a long
 * run, see the README's "Testing"); a failure prints the seed that replays it.
 */
class DecodeStageFuzzTest {

    /** Records piped into one harness before it is replaced (keeps the in-memory stores small in long runs). */
    private static final int RECORDS_PER_HARNESS = 20_000;

    /** A foreign Avro payment, read with the foreign mapping below. */
    static final Schema PAYMENT = new Schema.Parser().parse("""
            {"type": "record", "name": "Payment", "namespace": "com.example.fuzz", "fields": [
              {"name": "tx_id", "type": "string"},
              {"name": "account", "type": {"type": "record", "name": "Account", "fields": [{"name": "id", "type": "string"}]}},
              {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "amount", "type": ["null", "double"], "default": null},
              {"name": "merchant", "type": {"type": "record", "name": "Merchant", "fields": [
                {"name": "category", "type": ["null", "string"], "default": null}]}},
              {"name": "outcome", "type": ["null", "string"], "default": null}
            ]}""");

    static final Map<String, String> FOREIGN = Map.of(
            "streamlearn.features", "amount,merchant.category=*",
            "streamlearn.features.text-buckets", "8",
            "streamlearn.input.key", "account.id",
            "streamlearn.input.timestamp", "occurred_at",
            "streamlearn.input.label", "outcome",
            "streamlearn.input.label.positive", "fraud",
            "streamlearn.input.id", "tx_id",
            "streamlearn.input.features", "*");

    private static EmbeddedSchemaRegistry registry;
    static ConfluentCodec confluent;
    static int paymentId;
    private static final Shape DEFAULT = new Shape(false);
    private static final Shape FOREIGN_SHAPE = new Shape(true);
    private static final Shape LABELS = new Shape(false);
    private static long labelClock;

    enum Format { AVRO, JSON, CONFLUENT }

    /** A record as piped: the record key (may be null) and the value bytes. */
    record Input(String recordKey, byte[] value, Mutations mutation, Format format, String description) {
        @Override
        public String toString() {
            String v = new String(value, 0, Math.min(value.length, 300), StandardCharsets.ISO_8859_1);
            return description + " " + format + " " + mutation + " key=" + recordKey + " (" + value.length + " bytes) " + v;
        }
    }

    /** One harness per record shape, replaced every {@link #RECORDS_PER_HARNESS} records. */
    private static final class Shape {
        final boolean foreign;
        TopologyHarness harness;
        SkippedRecords skipped;
        Path dir;
        int piped;

        /** What the safety-net handlers caught: an exception that escaped a processor or a serializer. */
        long escaped() {
            return skipped.count(ContinueOnProcessingError.REASON) + skipped.count(ContinueOnRecordProductionError.REASON)
                    + skipped.count(ContinueOnDeserializationError.REASON);
        }

        Shape(boolean foreign) {
            this.foreign = foreign;
        }

        TopologyHarness harness() {
            if (harness == null || piped >= RECORDS_PER_HARNESS) {
                close();
                try {
                    dir = Files.createTempDirectory("decode-fuzz");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                AppConfig config = TopologyHarness.config("kalman;sgd", Map.of(
                        AppConfig.SCHEMA_REGISTRY_URL_KEY, registry.url(),
                        AppConfig.LABEL_HORIZON_KEY, "1000d"));
                if (foreign) {
                    config = config.with(FOREIGN);
                }
                skipped = new SkippedRecords();
                harness = new TopologyHarness(config, dir, skipped);
                piped = 0;
            }
            piped++;
            return harness;
        }

        void close() {
            if (harness != null) {
                harness.close();
                harness = null;
                deleteQuietly(dir);
            }
        }
    }

    @BeforeAll
    static void start() {
        registry = EmbeddedSchemaRegistry.start(0);
        SchemaRegistryClient client = new SchemaRegistryClient(RegistryConfig.of(registry.url()));
        confluent = new ConfluentCodec(client);
        paymentId = client.register("payments-value", PAYMENT);
    }

    @AfterAll
    static void stop() {
        DEFAULT.close();
        FOREIGN_SHAPE.close();
        LABELS.close();
        registry.close();
    }

    // ---------------------------------------------------------------- properties

    @Test
    void aValidEventInAnyFormatIsScoredByEveryModelAndNeverDeadLettered() {
        Fuzz.run("a valid event in any format is scored by every model", gen -> {
            Event event = validEvent(gen);
            Format format = gen.pick(Format.class);
            Input in = new Input(event.getKey(), encode(event, format), Mutations.NONE, format, "valid " + event);
            Outcome o = pipeEvent(DEFAULT, in);
            assertTrue(o.scored(), () -> "a valid event was dead-lettered: " + o.deadLetter + " " + in);
            assertEquals(event.getId(), o.predictions.get(0).getId());
            assertEquals(event.getKey(), o.predictions.get(0).getKey());
        });
    }

    @Test
    void anEventDatedFarAheadOfTheClockIsDeadLetteredInAnyFormat() {
        Fuzz.run("an event far ahead of the clock is dead-lettered as future-timestamp", gen -> {
            Event valid = validEvent(gen);
            Event event = new Event(valid.getId(), valid.getKey(), gen.between(FUTURE_FROM, FUTURE_TO), valid.getFeatures(),
                    valid.getLabel());
            Format format = gen.pick(Format.class);
            Input in = new Input(event.getKey(), encode(event, format), Mutations.NONE, format, "future " + event);
            Outcome o = pipeEvent(DEFAULT, in);
            assertTrue(!o.scored(), () -> "an event far in the future was scored: " + in);
            assertEquals(io.streamlearn.streams.score.FutureTimes.REASON, o.deadLetter.getReason().toString());
        });
    }

    @Test
    void aMutatedEventIsScoredOrDeadLetteredWithAReasonAndNoModelBecomesNaN() {
        Fuzz.run("a mutated event is scored or dead-lettered with a reason", gen -> {
            Event event = validEvent(gen);
            Format format = gen.pick(Format.class);
            Mutations mutation = gen.pick(Mutations.class);
            Random random = gen.random();
            String recordKey = recordKey(recordKeyChoice(gen), event.getKey());
            byte[] valid = encode(event, format);
            byte[] value = mutation.apply(valid, header(format), random);
            Input in = new Input(recordKey, value, mutation, format, "mutated");
            Outcome o = pipeEvent(DEFAULT, in);
            if (mutation == Mutations.NONE && (recordKey == null || recordKey.isEmpty() || recordKey.equals(event.getKey()))) {
                assertTrue(o.scored(), () -> "a valid event was dead-lettered: " + o.deadLetter + " " + in);
            }
        });
    }

    @Test
    void aForeignRecordMutatedOrNotIsMappedOrDeadLetteredWithAReason() {
        Fuzz.run("a foreign record, mutated or not, is mapped or dead-lettered with a reason", gen -> {
            GenericRecord payment = payment(gen);
            boolean json = gen.bool();
            Mutations mutation = gen.pick(Mutations.class);
            Random random = gen.random();
            byte[] valid = json ? paymentJson(payment) : ConfluentCodec.frame(paymentId, PAYMENT, payment);
            byte[] value = mutation.apply(valid, json ? 0 : ConfluentCodec.HEADER_LENGTH, random);
            String key = ((GenericRecord) payment.get("account")).get("id").toString();
            Input in = new Input(key, value, mutation, json ? Format.JSON : Format.CONFLUENT, "foreign " + payment);
            Outcome o = pipeEvent(FOREIGN_SHAPE, in);
            if (mutation == Mutations.NONE) {
                assertTrue(o.scored(), () -> "a valid foreign record was dead-lettered: " + o.deadLetter + " " + in);
            }
        });
    }

    @Test
    void aValidLabelOfAPendingEventInAnyFormatJoins() {
        Fuzz.run("a valid label of a pending event in any format joins", gen -> validLabelJoins(validEvent(gen),
                gen.pick(Format.class), gen.value()));
    }

    private static void validLabelJoins(Event event, Format format, double labelValue) throws Exception {
        // Its own harness, where nothing mutated moves the task's event-time clock, and time goes forward, so a
        // valid label is never legitimately expired; unique ids, so never a legitimate duplicate.
        long ts = 1_700_000_000_000L + 1_000L * labelClock++;
        String id = event.getId() + "#" + labelClock;
        Event unlabelled = new Event(id, event.getKey(), ts, event.getFeatures(), null);
        Outcome scored = pipeEvent(LABELS, new Input(event.getKey(), encode(unlabelled, format), Mutations.NONE, format,
                "pending " + unlabelled));
        assertTrue(scored.scored(), () -> "a valid event was dead-lettered: " + scored.deadLetter);
        Label label = new Label(id, event.getKey(), ts + 1, labelValue);
        Input in = new Input(event.getKey(), encode(label, format), Mutations.NONE, format, "label " + label);
        LabelOutcome o = pipeLabel(LABELS, in);
        assertTrue(o.joined, () -> "a valid label of a pending event was dead-lettered: " + o.deadLetter + " " + in);
        probe(LABELS, event.getKey(), ts + 2); // the model that learned still predicts a finite value
    }

    @Test
    void aMutatedLabelJoinsOrIsDeadLetteredWithAReason() {
        Fuzz.run("a mutated label joins or is dead-lettered with a reason", gen -> mutatedLabel(validEvent(gen),
                gen.pick(Format.class), gen.pick(Mutations.class), gen.random(), gen.value()));
    }

    private static void mutatedLabel(Event event, Format format, Mutations mutation, Random random, double labelValue)
            throws Exception {
        Event unlabelled = new Event(event.getId(), event.getKey(), event.getTs(), event.getFeatures(), null);
        pipeEvent(DEFAULT, new Input(event.getKey(), encode(unlabelled, Format.AVRO), Mutations.NONE, Format.AVRO,
                "pending " + unlabelled));
        Label label = new Label(event.getId(), event.getKey(), event.getTs() + 1, labelValue);
        byte[] valid = encode(label, format);
        Input in = new Input(event.getKey(), mutation.apply(valid, header(format), random), mutation, format, "label " + label);
        LabelOutcome o = pipeLabel(DEFAULT, in);
        if (o.joined) {
            probe(DEFAULT, event.getKey(), event.getTs() + 2); // whatever it learned, the model predicts a finite value
        }
    }

    // ---------------------------------------------------------------- checks

    private record Outcome(List<Prediction> predictions, DeadLetter deadLetter) {
        boolean scored() {
            return deadLetter == null;
        }
    }

    private record LabelOutcome(boolean joined, DeadLetter deadLetter) {
    }

    /**
     * Pipes an event record and checks the invariants: no exception, one outcome, finite predictions, and a
     * finite probe prediction afterwards for an accepted record's key.
     */
    private static Outcome pipeEvent(Shape shape, Input in) throws Exception {
        TopologyHarness h = shape.harness();
        h.events.pipeInput(in.recordKey(), in.value());
        List<Prediction> champion = h.readPredictions();
        List<Prediction> shadow = h.readShadowPredictions();
        List<DeadLetter> dead = h.readDeadLetters();
        assertEquals(0, shape.escaped(), () -> "an exception escaped the processor: " + shape.skipped.snapshot() + " " + in);
        if (dead.isEmpty()) {
            assertEquals(1, champion.size(), () -> "no dead letter, so one champion prediction: " + in);
            assertEquals(1, shadow.size(), () -> "no dead letter, so one challenger prediction: " + in);
            for (Prediction p : List.of(champion.get(0), shadow.get(0))) {
                assertTrue(Double.isFinite(p.getPrediction()), () -> "a non-finite prediction " + p + " of " + in);
            }
            Fuzz.collect("outcome", "scored");
            probe(shape, champion.get(0).getKey(), champion.get(0).getTs());
            return new Outcome(champion, null);
        }
        assertEquals(1, dead.size(), () -> "one dead letter per record: " + dead + " " + in);
        assertTrue(champion.isEmpty() && shadow.isEmpty(), () -> "dead-lettered and predicted: " + in);
        assertReason(dead.get(0), in);
        Fuzz.collect("outcome", dead.get(0).getReason());
        return new Outcome(List.of(), dead.get(0));
    }

    private static LabelOutcome pipeLabel(Shape shape, Input in) throws Exception {
        TopologyHarness h = shape.harness();
        double joinedBefore = h.count("streamlearn.labels", "outcome", StreamlearnMeters.JOINED);
        h.labels.pipeInput(in.recordKey(), in.value());
        List<DeadLetter> dead = h.readDeadLetters();
        assertEquals(0, shape.escaped(), () -> "an exception escaped the label join: " + shape.skipped.snapshot() + " " + in);
        assertTrue(h.readPredictions().isEmpty(), "a label publishes no prediction");
        double joined = h.count("streamlearn.labels", "outcome", StreamlearnMeters.JOINED) - joinedBefore;
        if (dead.isEmpty()) {
            assertEquals(1.0, joined, () -> "a label without a dead letter joined its event: " + in);
            Fuzz.collect("label", "joined");
            return new LabelOutcome(true, null);
        }
        assertEquals(1, dead.size(), () -> "one dead letter per label: " + dead + " " + in);
        assertEquals(0.0, joined, () -> "dead-lettered and joined: " + in);
        assertReason(dead.get(0), in);
        Fuzz.collect("label", dead.get(0).getReason());
        return new LabelOutcome(false, dead.get(0));
    }

    private static void assertReason(DeadLetter d, Input in) {
        assertNotNull(d.getReason());
        assertFalse(d.getReason().isBlank(), () -> "a dead letter without a reason: " + in);
        assertTrue(d.getReason().matches("[a-z][a-z-]*"), () -> "a reason is a short token: '" + d.getReason() + "' " + in);
    }

    /** A valid labelled event for the key: both models must give a finite prediction (none is NaN). */
    private static void probe(Shape shape, String key, long ts) throws Exception {
        TopologyHarness h = shape.harness();
        byte[] value;
        if (shape.foreign) {
            GenericRecord p = payment(key + "#probe", key, ts, 10.0, "travel", "ok");
            value = ConfluentCodec.frame(paymentId, PAYMENT, p);
        } else {
            value = WireCodec.encode(new Event(key + "#probe@" + ts, key, ts, Map.of("x1", 1.0, "x2", -1.0), 0.5), WireFormat.AVRO);
        }
        h.events.pipeInput(key, value);
        List<Prediction> champion = h.readPredictions();
        List<Prediction> shadow = h.readShadowPredictions();
        List<DeadLetter> dead = h.readDeadLetters();
        assertEquals(0, shape.escaped());
        assertTrue(dead.isEmpty(), () -> "the probe of key '" + key + "' was dead-lettered: " + dead);
        assertEquals(1, champion.size());
        assertEquals(1, shadow.size());
        assertTrue(Double.isFinite(champion.get(0).getPrediction()) && Double.isFinite(shadow.get(0).getPrediction()),
                () -> "a model of key '" + key + "' became non-finite: " + champion + shadow);
    }

    // ---------------------------------------------------------------- generators

    /**
     * The latest time of a valid event: 2026-01-01, in the past whenever the tests run (a time more than
     * {@code streamlearn.max-future} ahead of the wall clock is {@code future-timestamp}), and fixed, so a
     * seed replays the same events on any day.
     */
    static final long LATEST = 1_767_225_600_000L;
    /** Times from 2100 to 2200: beyond any clock these tests will run on. */
    static final long FUTURE_FROM = 4_102_444_800_000L;
    static final long FUTURE_TO = 7_258_118_400_000L;

    /**
     * A valid event: id and key of 1–16 characters of any text, a time from 1970 to {@link #LATEST}, up to 4
     * features (names from x1–x3 or any text, values from {@link FuzzGen#value()}), a label half of the time.
     */
    static Event validEvent(FuzzGen gen) {
        String id = gen.text(1, 16);
        String key = gen.text(1, 16);
        long ts = gen.between(0L, LATEST);
        int n = gen.between(0, 4);
        Map<String, Double> features = new HashMap<>();
        for (int i = 0; i < n; i++) {
            features.put(gen.bool() ? gen.pick("x1", "x2", "x3") : gen.text(1, 12), gen.value());
        }
        return new Event(id, key, ts, features, gen.valueOrNull(0.5));
    }

    /** "same" (8 in 10), "none" (null) or "empty", or another key. */
    static String recordKeyChoice(FuzzGen gen) {
        int kind = gen.between(0, 9);
        if (kind < 8) {
            return "same";
        }
        return kind == 8 ? gen.pick("none", "empty") : "other:" + gen.text(1, 8);
    }

    static String recordKey(String choice, String eventKey) {
        switch (choice) {
            case "same":
                return eventKey;
            case "none":
                return null;
            case "empty":
                return "";
            default:
                return choice.substring("other:".length());
        }
    }

    /** A foreign payment; its amount, category and outcome sometimes missing. */
    static GenericRecord payment(FuzzGen gen) {
        return payment(gen.text(1, 12), gen.text(1, 12), gen.between(0L, LATEST), gen.valueOrNull(0.2),
                gen.chance(0.2) ? null : gen.pick("travel", "food", "games"), gen.chance(0.4) ? null : gen.pick("fraud", "ok"));
    }

    static GenericRecord payment(String tx, String account, long time, Double amount, String category, String outcome) {
        GenericRecord a = new GenericData.Record(PAYMENT.getField("account").schema());
        a.put("id", account);
        GenericRecord m = new GenericData.Record(PAYMENT.getField("merchant").schema());
        m.put("category", category);
        GenericRecord r = new GenericData.Record(PAYMENT);
        r.put("tx_id", tx);
        r.put("account", a);
        r.put("occurred_at", time);
        r.put("amount", amount);
        r.put("merchant", m);
        r.put("outcome", outcome);
        return r;
    }

    static byte[] paymentJson(GenericRecord p) {
        // Avro's JSON rendering of a generic record is the foreign JSON shape (unions unwrapped by toString)
        return GenericData.get().toString(p).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] encode(Event e, Format f) {
        return switch (f) {
            case AVRO -> WireCodec.encode(e, WireFormat.AVRO);
            case JSON -> WireCodec.encode(e, WireFormat.JSON);
            case CONFLUENT -> confluent.encode("events-value", e);
        };
    }

    static byte[] encode(Label l, Format f) {
        return switch (f) {
            case AVRO -> WireCodec.encode(l, WireFormat.AVRO);
            case JSON -> WireCodec.encode(l, WireFormat.JSON);
            case CONFLUENT -> confluent.encode("labels-value", l);
        };
    }

    /** The header a {@link Mutations#RANDOM_BODY} keeps: single-object Avro's 10 bytes, Confluent's 5, none for JSON. */
    static int header(Format f) {
        return switch (f) {
            case AVRO -> 10;
            case JSON -> 0;
            case CONFLUENT -> ConfluentCodec.HEADER_LENGTH;
        };
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
