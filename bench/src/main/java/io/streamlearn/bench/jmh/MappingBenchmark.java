package io.streamlearn.bench.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.mapping.MappingException;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
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
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Decode-and-map cost per record of {@link FieldMapping} against today's fixed event shape read by
 * {@link WireCodec} ({@link #fixedShape}, the baseline). All records carry {@code d} numeric features and a
 * numeric label:
 * <ul>
 *   <li>{@link #fixedShape}: today's JSON event, no mapping setting (exactly {@code WireCodec.decodeEvent});</li>
 *   <li>{@link #mappedFixedShape}: the same bytes through the mapping walker (one setting given);</li>
 *   <li>{@link #mappedForeign}: a foreign shape, key {@code user.id}, time {@code occurred_at} (epoch ms, as
 *       in the baseline: ISO-8601 text costs the same JDK parsing in both),
 *       label {@code outcome}, the features nested under {@code metrics}, {@code features=*};</li>
 *   <li>{@link #mappedForeignText}: the same plus two text fields and a boolean (d + 3 features);</li>
 *   <li>{@link #mappedTree}: the foreign shape parsed to a Jackson tree, then mapped (the path a decoder
 *       that has a {@code JsonNode} takes).</li>
 * </ul>
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar MappingBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MappingBenchmark {

    static final ObjectMapper TREES = new ObjectMapper();

    @Param({"8", "32"})
    public int d;

    byte[] fixed;
    byte[] foreign;
    byte[] foreignText;
    FieldMapping none;
    FieldMapping sameShape;
    FieldMapping mapped;

    @Setup
    public void setUp() {
        BenchData data = new BenchData(d, 31);
        Event event = new Event("device-42@1362067200000", "device-42", 1_362_067_200_000L,
                data.featureMaps().get(0), data.ys[0]);
        fixed = WireCodec.encode(event, WireFormat.JSON);
        StringBuilder metrics = new StringBuilder();
        for (int i = 0; i < d; i++) {
            metrics.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":").append(data.xs[0][i]);
        }
        String head = "{\"user\":{\"id\":\"device-42\"},\"occurred_at\":1362067200000,\"outcome\":" + data.ys[0]
                + ",\"metrics\":{" + metrics + "}";
        foreign = (head + "}").getBytes(StandardCharsets.UTF_8);
        foreignText = (head + ",\"country\":\"FR\",\"device\":{\"os\":\"ios\"},\"vip\":true}").getBytes(StandardCharsets.UTF_8);
        none = FieldMapping.defaults(FieldMapping.INPUT_PREFIX);
        sameShape = FieldMapping.of(Map.of("streamlearn.input.timestamp", "ts"), FieldMapping.INPUT_PREFIX);
        mapped = FieldMapping.of(Map.of("streamlearn.input.key", "user.id", "streamlearn.input.timestamp", "occurred_at",
                "streamlearn.input.label", "outcome", "streamlearn.input.features", "*"), FieldMapping.INPUT_PREFIX);
    }

    @Benchmark
    public Event fixedShape() throws MalformedRecordException, MappingException {
        return none.decodeEvent(fixed, "device-42", 0L);
    }

    @Benchmark
    public Event mappedFixedShape() throws MalformedRecordException, MappingException {
        return sameShape.decodeEvent(fixed, "device-42", 0L);
    }

    @Benchmark
    public Event mappedForeign() throws MalformedRecordException, MappingException {
        return mapped.decodeEvent(foreign, "device-42", 0L);
    }

    @Benchmark
    public Event mappedForeignText() throws MalformedRecordException, MappingException {
        return mapped.decodeEvent(foreignText, "device-42", 0L);
    }

    @Benchmark
    public Event mappedTree() throws MappingException {
        try {
            return mapped.event(TREES.readTree(foreign), "device-42", 0L);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
