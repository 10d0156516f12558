package io.streamlearn.streams.chaos;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.ModelExport;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.cli.StreamlearnCommand;
import io.streamlearn.streams.migration.ModelTransfer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The exactly-once audit of a run of a {@link ChaosWorkload}: what a {@code read_committed} reader of
 * the predictions topics and the model changelog sees, against {@code streamlearn backtest} of the same
 * events and labels ({@code --labels}, {@code --partitions}, {@code --final-states}, {@code --prior none}:
 * the application must run with {@code streamlearn.prior=none}, see {@link ChaosWorkload}), run through the
 * real command line. It counts
 * <ul>
 *   <li>predictions read twice for one event and model ({@code duplicated}), never read
 *       ({@code missing}), or not bit-identical to the backtest's prediction and stddev ({@code differing});</li>
 *   <li>predictions whose {@code version} (the key's update count when it scored) is not the number of
 *       labels of the key, inline and delayed, that came before it ({@code versionErrors}): a label learned
 *       twice or never, or a model that went back (a key's version going from 23 to 0);</li>
 *   <li>records on the dead-letter topic (none is expected: every record is valid and every label
 *       joins its pending event);</li>
 *   <li>models whose final state, as {@code streamlearn export} reads it from the changelog, is missing or
 *       differs byte for byte from the backtest's final state ({@code stateErrors}).</li>
 * </ul>
 *
 * <pre>{@code
 * ExactlyOnceAudit.Result r = ExactlyOnceAudit.run(bootstrap, "streamlearn", workload, List.of("kalman", "sgd"),
 *         4, workDir, Duration.ofMinutes(3));
 * System.out.println(r);        // every count 0 when nothing was lost, repeated or changed
 * }</pre>
 */
public final class ExactlyOnceAudit {

    /** The counts of one audit. */
    public record Result(int events, int inlineLabels, int delayedLabels, long expectedPredictions, long predictionsRead,
                         long duplicated, long missing, long differing, long versionErrors, long deadLetters,
                         int states, long stateErrors, List<String> examples) {

        /** True when every count of a failure is 0 and there were states to compare. */
        public boolean ok() {
            return duplicated == 0 && missing == 0 && differing == 0 && versionErrors == 0 && deadLetters == 0
                    && stateErrors == 0 && states > 0 && predictionsRead == expectedPredictions;
        }

        @Override
        public String toString() {
            return String.format("events %d (%d labels inline, %d delayed); predictions %d of %d read: duplicated %d,"
                            + " missing %d, differing from the backtest %d, wrong version %d; dead letters %d;"
                            + " final states %d compared, %d missing or differing%s",
                    events, inlineLabels, delayedLabels, predictionsRead, expectedPredictions, duplicated, missing,
                    differing, versionErrors, deadLetters, states, stateErrors,
                    examples.isEmpty() ? "" : "; e.g. " + String.join(" | ", examples));
        }
    }

    private ExactlyOnceAudit() {
    }

    /**
     * Reads the application's outputs to the end and audits them.
     *
     * @param bootstrap     {@code bootstrap.servers}
     * @param applicationId the application's id (its changelog is {@code <id>-models-changelog})
     * @param models        the application's model SPECs, champion first; SPECs without commas
     * @param partitions    partitions of the events topic (the backtest reproduces each one's prior)
     * @param dir           an existing directory for the backtest's files
     * @param timeout       how long to wait for the last predictions
     */
    public static Result run(String bootstrap, String applicationId, ChaosWorkload workload, List<String> models,
                             int partitions, Path dir, Duration timeout) throws IOException {
        Path eventsFile = dir.resolve("events.jsonl");
        Path labelsFile = dir.resolve("labels.jsonl");
        Path predictionsFile = dir.resolve("backtest-predictions.csv");
        Path statesFile = dir.resolve("backtest-states.avro");
        workload.writeEvents(eventsFile);
        workload.writeLabels(labelsFile);
        List<String> args = new ArrayList<>(List.of("backtest", "--input", eventsFile.toString(),
                "--labels", labelsFile.toString(), "--features", String.join(",", workload.features()),
                "--partitions", Integer.toString(partitions), "--prior", "none", "--output", predictionsFile.toString(),
                "--final-states", statesFile.toString()));
        for (String m : models) {
            args.add("--model");
            args.add(m);
        }
        int exit = StreamlearnCommand.commandLine().execute(args.toArray(String[]::new));
        if (exit != 0) {
            throw new IllegalStateException("streamlearn backtest exited with " + exit);
        }
        Map<String, double[]> expected = readBacktest(predictionsFile, new HashSet<>(models));
        Map<String, Long> versions = expectedVersions(workload);

        List<String> examples = new ArrayList<>();
        long expectedCount = (long) workload.events().size() * models.size();
        Set<String> seen = new HashSet<>(2 * (int) Math.min(expectedCount, 1 << 28));
        long[] c = new long[5];   // read, duplicated, differing, versionErrors, deadLetters
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "chaos-audit-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<String> topics = new ArrayList<>(List.of("predictions", "dead-letters"));
            if (models.size() > 1) {
                topics.add("predictions-shadow");
            }
            consumer.subscribe(topics);
            long deadline = System.nanoTime() + timeout.toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals("dead-letters")) {
                        c[4]++;
                        example(examples, "dead letter " + new String(r.value(), StandardCharsets.UTF_8));
                        continue;
                    }
                    Prediction pr;
                    try {
                        pr = WireCodec.decodePrediction(r.value());
                    } catch (io.streamlearn.schemas.wire.MalformedRecordException e) {
                        c[2]++;
                        example(examples, "undecodable prediction: " + e.getMessage());
                        continue;
                    }
                    c[0]++;
                    String id = pr.getId() + '\u0000' + pr.getModel();
                    if (!seen.add(id)) {
                        c[1]++;
                        example(examples, "predicted twice: " + pr.getId() + " " + pr.getModel());
                        continue;
                    }
                    double[] want = expected.get(pr.getKey() + '\u0000' + pr.getTs() + '\u0000' + pr.getModel());
                    double stddev = pr.getStddev() == null ? Double.NaN : pr.getStddev();
                    if (want == null || Double.doubleToLongBits(want[0]) != Double.doubleToLongBits(pr.getPrediction())
                            || Double.doubleToLongBits(want[1]) != Double.doubleToLongBits(stddev)) {
                        c[2]++;
                        example(examples, "differs: " + pr.getId() + " " + pr.getModel() + " live " + pr.getPrediction()
                                + " backtest " + (want == null ? "none" : want[0]));
                    }
                    Long v = versions.get(pr.getId());
                    if (v == null || v != pr.getVersion()) {
                        c[3]++;
                        example(examples, "version of " + pr.getId() + " (key " + pr.getKey() + ", " + pr.getModel()
                                + ") is " + pr.getVersion() + ", want " + v);
                    }
                }
                if (quietUntil == Long.MAX_VALUE && seen.size() >= expectedCount) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();   // a duplicate would show now
                }
            }
        }
        long missing = expectedCount - seen.size();

        // final states: the changelog as streamlearn export reads it, against backtest --final-states
        Map<String, ByteBuffer> live = new TreeMap<>();
        for (ModelExport m : ModelTransfer.readChangelog(Map.of("bootstrap.servers", bootstrap),
                ModelTransfer.changelogTopic(applicationId, "models"), Duration.ofMinutes(2))) {
            live.put(ModelStore.storeKey(m.getKey(), m.getModel()), m.getState());
        }
        long stateErrors = 0;
        List<ModelExport> backtestStates = ModelTransfer.read(statesFile);
        for (ModelExport m : backtestStates) {
            ByteBuffer l = live.remove(ModelStore.storeKey(m.getKey(), m.getModel()));
            if (l == null || !l.equals(m.getState())) {
                stateErrors++;
                example(examples, "final state of " + m.getKey() + " " + m.getModel() + (l == null ? " missing" : " differs"));
            }
        }
        stateErrors += live.size();
        live.keySet().forEach(k -> example(examples, "live state the backtest has not: " + k.replace('\u0000', ' ')));
        return new Result(workload.events().size(), workload.inlineLabels(), workload.labels().size(), expectedCount,
                c[0], c[1], missing, c[2], c[3], c[4], backtestStates.size(), stateErrors, examples);
    }

    private static void example(List<String> examples, String s) {
        if (examples.size() < 5) {
            examples.add(s);
        }
    }

    /** key NUL ts NUL model -> {prediction, stddev (NaN when empty)}. */
    private static Map<String, double[]> readBacktest(Path csv, Set<String> models) throws IOException {
        Map<String, double[]> out = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            // key,ts,model,prediction,stddev, then lower80..upper95 when a model has calibrated intervals
            int columns = header == null ? 5 : header.split(",", -1).length;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split(",", -1);
                if (f.length != columns || !models.contains(f[2])) {
                    continue;
                }
                out.put(f[0] + '\u0000' + f[1] + '\u0000' + f[2], new double[] {
                        Double.parseDouble(f[3]), f[4].isEmpty() ? Double.NaN : Double.parseDouble(f[4])});
            }
        }
        return out;
    }

    /**
     * Event id -> the version its prediction must carry: the labels of its key learned before it, its
     * earlier inline labels and its delayed labels stamped before its time.
     */
    static Map<String, Long> expectedVersions(ChaosWorkload workload) {
        Map<String, Long> out = new HashMap<>(2 * workload.events().size());
        Map<String, long[]> updates = new HashMap<>();
        for (ChaosWorkload.Item item : workload.timeline()) {
            long[] n = updates.computeIfAbsent(item.key(), k -> new long[1]);
            Event e = item.event();
            if (e == null) {
                n[0]++;   // a delayed label, learned before the key's next event (it is stamped far from it)
                continue;
            }
            out.put(e.getId(), n[0]);
            if (e.getLabel() != null) {
                n[0]++;
            }
        }
        return out;
    }
}
