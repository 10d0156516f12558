package io.streamlearn.bench.jmh;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
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

import java.util.concurrent.TimeUnit;

/**
 * {@link WireCodec}: decoding an Event ({@code d} features, a label) from JSON and from Avro single-object,
 * and encoding a Prediction in both formats. Each op is one record; the encoded inputs are prepared once.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar CodecBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {

    @Param({"8", "32"})
    public int d;

    byte[] eventJson;
    byte[] eventAvro;
    private Prediction prediction;

    @Setup
    public void setUp() {
        BenchData data = new BenchData(d, 31);
        Event event = new Event("device-42@1362067200000", "device-42", 1_362_067_200_000L,
                data.featureMaps().get(0), data.ys[0]);
        eventJson = WireCodec.encode(event, WireFormat.JSON);
        eventAvro = WireCodec.encode(event, WireFormat.AVRO);
        prediction = new Prediction(event.getId(), event.getKey(), event.getTs(), "kalman:q=1e-4,r=1,p0=1", 1234L,
                0.123456789, 0.5, data.ys[0], 0.1, 0.2, 0.0, 0.3);
    }

    @Benchmark
    public Event decodeEventJson() throws MalformedRecordException {
        return WireCodec.decodeEvent(eventJson);
    }

    @Benchmark
    public Event decodeEventAvro() throws MalformedRecordException {
        return WireCodec.decodeEvent(eventAvro);
    }

    @Benchmark
    public byte[] encodePredictionJson() {
        return WireCodec.encode(prediction, WireFormat.JSON);
    }

    @Benchmark
    public byte[] encodePredictionAvro() {
        return WireCodec.encode(prediction, WireFormat.AVRO);
    }
}
