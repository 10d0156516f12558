package io.streamlearn.bench.e2e;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StateRestoreListener;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restore time of the models store from its changelog, as after a lost disk or a task moving to an
 * instance without its state: the changelog {@code <application.id>-models-changelog} is filled directly
 * (K keys, one value of S random bytes each, as many partitions as the events topic), then the
 * application ({@link BareTopology}, the same store type and {@code StreamlearnApp.streamsProperties}:
 * bounded RocksDB, exactly-once) starts on an empty state directory; Kafka Streams restores the store
 * before processing. Measured: the restore listener's records and time, and start-to-RUNNING. Runs the
 * restore R times, each on a fresh state directory, against the same broker.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar io.streamlearn.bench.e2e.RestoreBenchmark 200000 1819 2 3
 * }</pre>
 * Arguments: keys, state bytes, partitions, rounds.
 */
public final class RestoreBenchmark {

    private RestoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int keys = Integer.parseInt(args[0]);
        int bytes = Integer.parseInt(args[1]);
        int partitions = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        Path root = Files.createTempDirectory("streamlearn-restore-");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            String app = "restore";
            String changelog = app + "-models-changelog";
            try (var admin = broker.admin()) {
                admin.createTopics(List.of(
                        new NewTopic("events", partitions, (short) 1),
                        new NewTopic("predictions", partitions, (short) 1),
                        new NewTopic(changelog, partitions, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                        .all().get(60, TimeUnit.SECONDS);
            }
            long t0 = System.nanoTime();
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            pp.put(ProducerConfig.LINGER_MS_CONFIG, "20");
            pp.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
            pp.put(ProducerConfig.ACKS_CONFIG, "1");
            Random random = new Random(1);
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < keys; i++) {
                    byte[] v = new byte[bytes];
                    random.nextBytes(v);
                    // the store's key for model "kalman" of entity "key-i", as the topology writes it
                    p.send(new ProducerRecord<>(changelog, "key-" + i + "\u0000m0", v));
                }
            }
            double mb = (double) keys * (bytes + 14) / 1e6;
            System.out.printf(Locale.ROOT, "filled %s: %d records of %d B (%.0f MB) in %.1f s%n", changelog, keys, bytes, mb,
                    (System.nanoTime() - t0) / 1e9);
            for (int r = 1; r <= rounds; r++) {
                AppConfig config = AppConfig.defaults()
                        .with(AppConfig.BOOTSTRAP_SERVERS_KEY, broker.bootstrapServers())
                        .with(AppConfig.APPLICATION_ID_KEY, app)
                        .with(AppConfig.STATE_DIR_KEY, root.resolve("round-" + r).toString());
                Properties props = StreamlearnApp.streamsProperties(config, new SkippedRecords());
                KafkaStreams streams = new KafkaStreams(BareTopology.build("events", "predictions", config.storeName(), bytes), props);
                AtomicLong restored = new AtomicLong();
                AtomicLong restoreNanos = new AtomicLong();
                long[] started = new long[1];
                streams.setGlobalStateRestoreListener(new StateRestoreListener() {
                    @Override
                    public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
                        synchronized (started) {
                            if (started[0] == 0) {
                                started[0] = System.nanoTime();
                            }
                        }
                    }

                    @Override
                    public void onBatchRestored(TopicPartition tp, String store, long batchEnd, long n) {
                    }

                    @Override
                    public void onRestoreEnd(TopicPartition tp, String store, long total) {
                        restored.addAndGet(total);
                        restoreNanos.set(System.nanoTime());
                    }
                });
                long cpu0 = processCpu();
                long start = System.nanoTime();
                streams.start();
                long deadline = start + TimeUnit.MINUTES.toNanos(20);
                while (restored.get() < keys && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                long running = 0;
                while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                running = System.nanoTime();
                double cpu = (processCpu() - cpu0) / 1e9;
                double restore = (restoreNanos.get() - started[0]) / 1e9;
                System.out.printf(Locale.ROOT, "round %d: restored %d records (%.0f MB) in %.2f s = %.1f MB/s = %.1f s/GB;"
                                + " start to RUNNING %.2f s; process CPU %.1f s; load %s%n",
                        r, restored.get(), mb, restore, mb / restore, 1000 / (mb / restore), (running - start) / 1e9, cpu,
                        Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                streams.close(Duration.ofSeconds(30));
            }
        }
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
