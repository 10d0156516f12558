package io.streamlearn.bench.memory;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.score.ScoringStep;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.TimestampType;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code compression.type} would save on a changelog of model states (issue #17). Runs the
 * product's {@link ScoringStep} over an event file ({@code key,ts,label,f1..fd}, as
 * {@code SyntheticStreams} writes it) and, after a warm-up, collects every state put as the changelog
 * record Kafka Streams writes (key {@code entityKey U+0000 model}, value the state bytes). The records
 * are cut, in put order, into batches of {@code --batch} bytes of uncompressed record data (the
 * producer's {@code batch.size}, 16,384 by default; the producer fills compressed batches further,
 * so the real savings are, if anything, larger), and each batch is built as a real Kafka record batch
 * ({@link MemoryRecords#builder}) uncompressed and with each codec. Prints the bytes per record.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar io.streamlearn.bench.memory.ChangelogCompression \
 *     --events drift.csv --spec kalman --warmup 50000 --records 50000
 * }</pre>
 */
public final class ChangelogCompression {

    private ChangelogCompression() {
    }

    public static void main(String[] args) throws IOException {
        Path events = null;
        List<String> specs = new ArrayList<>();
        int warmup = 50_000;
        int records = 50_000;
        int batch = 16_384;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events" -> events = Path.of(args[++i]);
                case "--spec" -> specs.add(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--records" -> records = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (events == null || specs.isEmpty()) {
            System.err.println("usage: --events FILE --spec SPEC [--spec SPEC] [--warmup N] [--records N] [--batch BYTES]");
            System.exit(2);
        }
        for (String spec : specs) {
            run(events, spec, warmup, records, batch);
        }
    }

    private static void run(Path events, String spec, int warmup, int wanted, int batch) throws IOException {
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(events, StandardCharsets.UTF_8)) {
            String[] header = in.readLine().split(",");
            List<String> names = Arrays.asList(header).subList(3, header.length);
            ScoringStep step = new ScoringStep(FeatureSpace.ordered(names), List.of(spec));
            int[] seen = {0};
            InMemoryModelStore memory = new InMemoryModelStore();
            ModelStore store = new ModelStore() {
                @Override
                public byte[] get(String key, String model) {
                    return memory.get(key, model);
                }

                @Override
                public void put(String key, String model, byte[] state) {
                    memory.put(key, model, state);
                    if (seen[0]++ >= warmup && values.size() < wanted) {
                        keys.add(ModelStore.storeKey(key, model).getBytes(StandardCharsets.UTF_8));
                        values.add(state);
                    }
                }

                @Override
                public void delete(String key, String model) {
                    memory.delete(key, model);
                }
            };
            Map<String, Double> features = new HashMap<>();
            String line;
            while (values.size() < wanted && (line = in.readLine()) != null) {
                String[] c = line.split(",", -1);
                features.clear();
                for (int j = 0; j < names.size(); j++) {
                    if (!c[3 + j].isEmpty()) {
                        features.put(names.get(j), Double.parseDouble(c[3 + j]));
                    }
                }
                double label = c[2].isEmpty() ? Double.NaN : Double.parseDouble(c[2]);
                step.score(c[0], Long.parseLong(c[1]), features, label, store, (m, champion, v, mean, sd) -> { });
            }
        }
        String[] names = {"none", "lz4", "zstd", "snappy", "gzip"};
        Compression[] codecs = {Compression.NONE, Compression.lz4().build(), Compression.zstd().build(),
                Compression.snappy().build(), Compression.gzip().build()};
        long valueBytes = 0;
        for (byte[] v : values) {
            valueBytes += v.length;
        }
        System.out.printf(Locale.ROOT, "spec=%s records=%d mean value %.1f B, batches of %d B:", spec, values.size(),
                (double) valueBytes / values.size(), batch);
        for (int k = 0; k < codecs.length; k++) {
            long total = 0;
            int from = 0;
            while (from < values.size()) {
                int to = from;
                int size = 0;
                while (to < values.size() && (to == from || size + keys.get(to).length + values.get(to).length <= batch)) {
                    size += keys.get(to).length + values.get(to).length;
                    to++;
                }
                MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(2 * size + 1024), codecs[k],
                        TimestampType.CREATE_TIME, 0L);
                for (int i = from; i < to; i++) {
                    b.append(1_795_737_600_000L + i, keys.get(i), values.get(i));
                }
                total += b.build().sizeInBytes();
                from = to;
            }
            System.out.printf(Locale.ROOT, " %s %.1f B/record", names[k], (double) total / values.size());
        }
        System.out.println();
    }
}
