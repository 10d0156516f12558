package io.streamlearn.bench.jmh;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.mapping.MappingException;
import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.schemas.registry.RegistryConfig;
import io.streamlearn.schemas.registry.SchemaRegistryClient;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.broker.EmbeddedSchemaRegistry;
import io.streamlearn.streams.decode.RegistryInput;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Decode-and-map cost of one record in the Confluent wire format, against today's fixed event in Avro
 * single-object encoding ({@code baselineSingleObject}, {@code WireCodec.decodeEvent}), each giving the
 * {@link Event} the scoring step reads, through the code the topology runs ({@link RegistryInput#event}):
 * <ul>
 *   <li>{@code confluentEventShape}: Streamlearn's own Event schema, Confluent-framed, default mapping
 *       (the same record as the baseline; only the framing and the generic reading differ);</li>
 *   <li>{@code confluentForeign}: a flat foreign record of {@code d} double fields, a text field (one-hot),
 *       a {@code timestamp-micros} time, a string key and a double label, mapped with
 *       {@code streamlearn.input.features=*}.</li>
 * </ul>
 * The writer schemas are fetched once from an {@link EmbeddedSchemaRegistry} in the setup; each op then
 * finds them in the client's cache, as the topology does after its first record of each schema.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar RegistryBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RegistryBenchmark {

    @Param({"8", "32"})
    public int d;

    private EmbeddedSchemaRegistry registry;
    private RegistryInput registryInput;
    private FieldMapping eventShape;
    private FieldMapping foreign;
    byte[] singleObject;
    byte[] confluentEvent;
    byte[] confluentForeign;

    @Setup
    public void setUp() throws Exception {
        registry = EmbeddedSchemaRegistry.start(0);
        BenchData data = new BenchData(d, 31);
        Event event = new Event("device-42@1362067200000", "device-42", 1_362_067_200_000L,
                data.featureMaps().get(0), data.ys[0]);
        singleObject = WireCodec.encode(event, WireFormat.AVRO);

        Map<String, String> settings = new HashMap<>();
        settings.put(RegistryConfig.URL_KEY, registry.url());
        registryInput = RegistryInput.from(settings);
        eventShape = FieldMapping.defaults(FieldMapping.INPUT_PREFIX);
        int eventId = registryInput.codec().registry().register("events-value", Event.getClassSchema());
        confluentEvent = ConfluentCodec.frame(eventId, Event.getClassSchema(), event);

        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("Reading").namespace("com.example").fields()
                .requiredString("device")
                .name("occurred_at").type(SchemaBuilder.builder().longBuilder().prop("logicalType", "timestamp-micros").endLong())
                .noDefault()
                .requiredString("model");
        for (int i = 0; i < d; i++) {
            fields = fields.requiredDouble("x" + i);
        }
        Schema reading = fields.optionalDouble("y").endRecord();
        GenericRecord r = new GenericData.Record(reading);
        r.put("device", "device-42");
        r.put("occurred_at", 1_362_067_200_000_000L);
        r.put("model", "sensor-mk2");
        for (int i = 0; i < d; i++) {
            r.put("x" + i, data.xs[0][i]);
        }
        r.put("y", data.ys[0]);
        settings.put("streamlearn.input.key", "device");
        settings.put("streamlearn.input.timestamp", "occurred_at");
        settings.put("streamlearn.input.label", "y");
        settings.put("streamlearn.input.features", "*");
        foreign = FieldMapping.of(settings, FieldMapping.INPUT_PREFIX);
        int foreignId = registryInput.codec().registry().register("readings-value", reading);
        confluentForeign = ConfluentCodec.frame(foreignId, reading, r);

        // Same features and label either way (the foreign record adds the one-hot model=sensor-mk2).
        Event a = baselineSingleObject();
        Event b = confluentEventShape();
        Event c = confluentForeign();
        if (!a.equals(b) || c.getFeatures().size() != d + 1 || !a.getLabel().equals(c.getLabel()) || c.getTs() != a.getTs()) {
            throw new IllegalStateException("the variants disagree: " + a + " / " + b + " / " + c);
        }
    }

    @TearDown
    public void tearDown() {
        registry.close();
    }

    @Benchmark
    public Event baselineSingleObject() throws MalformedRecordException {
        return WireCodec.decodeEvent(singleObject);
    }

    @Benchmark
    public Event confluentEventShape() throws MalformedRecordException, MappingException {
        return registryInput.event(eventShape, confluentEvent, null, 0L);
    }

    @Benchmark
    public Event confluentForeign() throws MalformedRecordException, MappingException {
        return registryInput.event(foreign, confluentForeign, null, 0L);
    }
}
