package io.streamlearn.streams.app;

import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.topology.TopologySettings;
import org.apache.kafka.streams.state.Stores;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.registry.RegistryConfig;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.score.PriorSettings;
import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The settings of one Streamlearn application, read from a properties file and command-line
 * overrides. Two kinds of keys:
 * <ul>
 *   <li>{@code streamlearn.*}: ours (models, features, output format, topic names), listed as the
 *       {@code *_KEY} constants below and explained in {@code deploy/streamlearn.properties};</li>
 *   <li>everything else is a Kafka Streams (or client) setting under its own name and is handed to
 *       Kafka Streams as is: {@code bootstrap.servers}, {@code application.id}, {@code state.dir},
 *       {@code processing.guarantee}, {@code num.stream.threads}, {@code commit.interval.ms}, ...</li>
 * </ul>
 * Immutable; {@link #with} returns a copy. Values are checked when the config is built, so a bad
 * model SPEC or topic name fails at start-up with a message naming the key.
 *
 * <pre>{@code
 * AppConfig config = AppConfig.load(Path.of("deploy/streamlearn.properties"))
 *         .with(AppConfig.MODELS_KEY, "sgd:lr=0.05")
 *         .with(AppConfig.FEATURES_KEY, "temp,load")
 *         .with(AppConfig.BOOTSTRAP_SERVERS_KEY, "localhost:9092");
 * Topology topology = StreamlearnTopology.build(config);
 * }</pre>
 */
public final class AppConfig {

    /**
     * The model every command runs when none is given: the self-tuning Kalman filter bank (a second-order
     * learner with a predictive standard deviation). One place to change it.
     */
    public static final String DEFAULT_MODEL = "kalman";
    /**
     * Bits of the hashed feature space when no feature list is given: 32 inputs, so that a
     * second-order model's state (quadratic in the inputs) stays small.
     */
    public static final int DEFAULT_HASH_BITS = 5;

    public static final String BOOTSTRAP_SERVERS_KEY = StreamsConfig.BOOTSTRAP_SERVERS_CONFIG;
    public static final String APPLICATION_ID_KEY = StreamsConfig.APPLICATION_ID_CONFIG;
    public static final String STATE_DIR_KEY = StreamsConfig.STATE_DIR_CONFIG;
    public static final String PROCESSING_GUARANTEE_KEY = StreamsConfig.PROCESSING_GUARANTEE_CONFIG;

    /** Model SPECs separated by {@code ;} (a SPEC may contain commas); the first is the champion. */
    public static final String MODELS_KEY = "streamlearn.models";
    /** Comma-separated ordered feature names; empty means hashed features. */
    public static final String FEATURES_KEY = "streamlearn.features";
    /** Bits of the hashed feature space used when {@link #FEATURES_KEY} is empty. */
    public static final String HASH_BITS_KEY = "streamlearn.features.hash-bits";
    /**
     * Columns of each text feature ({@code name=*} in {@link #FEATURES_KEY}) in an ordered feature space:
     * the feature's values {@code name=value} hash into that many buckets. Default
     * {@value FeatureSpace#DEFAULT_TEXT_BUCKETS}.
     */
    public static final String TEXT_BUCKETS_KEY = "streamlearn.features.text-buckets";
    /**
     * Prefix of the field mapping of the events topic ({@code streamlearn.input.key}, {@code .timestamp},
     * {@code .label}, {@code .label.positive}, {@code .id}, {@code .features}); see {@link FieldMapping}.
     */
    public static final String INPUT_PREFIX = FieldMapping.INPUT_PREFIX;
    /** Prefix of the field mapping of the labels topic ({@code streamlearn.labels.key}, ...). */
    public static final String LABELS_PREFIX = FieldMapping.LABELS_PREFIX;
    /**
     * {@code avro}, {@code json} or {@code confluent-avro}: how predictions and dead letters are written. The
     * last is Avro in the Confluent wire format, its schemas registered under each topic's value subject at
     * {@value #SCHEMA_REGISTRY_URL_KEY}, which it needs.
     */
    public static final String OUTPUT_FORMAT_KEY = "streamlearn.output.format";
    /** The {@link #OUTPUT_FORMAT_KEY} value for Avro in the Confluent wire format. */
    public static final String CONFLUENT_AVRO = "confluent-avro";
    /**
     * The Schema Registry's URL (or several, comma-separated), under the name Confluent's clients use; with
     * {@code basic.auth.credentials.source}, {@code basic.auth.user.info} and {@code streamlearn.registry.*}
     * (see {@code RegistryConfig}). When set, Confluent-framed input records are read; unset, they are
     * {@code unknown-format} dead letters.
     */
    public static final String SCHEMA_REGISTRY_URL_KEY = RegistryConfig.URL_KEY;
    public static final String EVENTS_TOPIC_KEY = "streamlearn.topic.events";
    public static final String LABELS_TOPIC_KEY = "streamlearn.topic.labels";
    public static final String PREDICTIONS_TOPIC_KEY = "streamlearn.topic.predictions";
    public static final String SHADOW_PREDICTIONS_TOPIC_KEY = "streamlearn.topic.predictions-shadow";
    public static final String DEAD_LETTERS_TOPIC_KEY = "streamlearn.topic.dead-letters";
    /**
     * The compacted control topic, read by every instance as a global store: which models run for the
     * default, a key prefix or one key, and which is the champion (see {@code ModelControl}); changes
     * apply live. Default {@code model-control}; empty disables it (the configured models run for every key).
     */
    public static final String CONTROL_TOPIC_KEY = "streamlearn.topic.model-control";
    /** Partitions of the topics Streamlearn creates itself (only with the embedded broker). */
    public static final String TOPIC_PARTITIONS_KEY = "streamlearn.topic.partitions";
    /** Name of the RocksDB store that holds model states (and of its changelog). */
    public static final String STORE_NAME_KEY = "streamlearn.store.name";
    /**
     * How long an unlabelled event waits for its label on {@link #LABELS_TOPIC_KEY}, in event time:
     * a duration such as {@code 7d}, {@code 12h}, {@code 30m}, {@code 45s}, {@code 500ms} or ISO-8601
     * {@code PT2H}. Default {@code 7d}. A label whose event is older than this (against the task's
     * event-time clock: the largest event or label {@code ts} it has processed) is dead-lettered as
     * {@code expired}; a second label is {@code duplicate-label}; see {@code LabelJoin}.
     */
    public static final String LABEL_HORIZON_KEY = "streamlearn.label.horizon";
    /**
     * How often (wall-clock) each task sweeps its pending-label store for events past the horizon.
     * A duration, default {@code 1m}. Affects only when storage is freed, never which labels are
     * accepted (that is decided per label by event time).
     */
    public static final String LABEL_SWEEP_INTERVAL_KEY = "streamlearn.label.sweep-interval";
    /** Name of the store of unlabelled events awaiting their label (and of its changelog). */
    public static final String PENDING_STORE_NAME_KEY = "streamlearn.store.pending-name";
    /**
     * Time-to-live of an idle key, in event time: a key with no event for this long (against the task's
     * event-time clock, the one the pending-label sweep uses) has its model states deleted (tombstones in
     * the changelog). A duration like {@code 30d}; {@code 0} (the default) keeps keys forever.
     */
    public static final String KEY_TTL_KEY = "streamlearn.key.ttl";
    /**
     * How far ahead of the instance's wall clock an event or label time may be. A record further ahead
     * is dead-lettered with reason {@code future-timestamp} instead of being processed: one such record
     * would move its task's event-time clock (the largest time processed, which never goes back) into
     * the future, so every pending event would pass the label horizon and, with a key TTL, every key
     * would look idle. A duration, default {@code 1h} (as Kafka 4's broker default
     * {@code log.message.timestamp.after.max.ms}); {@code 0} accepts any time.
     */
    public static final String MAX_FUTURE_KEY = "streamlearn.max-future";
    /**
     * Per task: when the approximate number of entries of the models store (one per key and model)
     * reaches this (counting, with the population prior on, a key's state and its contribution to the
     * prior as one), events of keys without a model are dead-lettered with reason {@code max-keys};
     * existing keys keep working. {@code 0} (the default) means no limit.
     */
    public static final String MAX_KEYS_KEY = "streamlearn.max-keys";
    /** Where a {@code forget:<key>} control record is acknowledged: JSON {@code {key, time, removed}}. */
    public static final String FORGET_ACKS_TOPIC_KEY = "streamlearn.topic.forget-acks";
    /**
     * {@code true} (the default): the instance joins its consumer group as a static member
     * ({@code group.instance.id}, unless set explicitly: {@code <application.id>-<host>-<state dir hash>}),
     * so that closing it removes it from the group at once and a restart on the same host and state
     * directory takes its place without waiting for the session timeout. {@code false}: dynamic
     * membership, Kafka Streams' default (a closed instance stays in the group until its session
     * times out, 45 s by default).
     */
    public static final String STATIC_MEMBERSHIP_KEY = "streamlearn.static-membership";

    /**
     * How new keys start: {@code population} (the default) starts each new key of a model from the
     * population its task has learned (the mean weights and, for the Kalman family, the between-key
     * spread; see {@code PopulationPriors}), {@code none} from the learner's default. A model SPEC
     * overrides it with {@code coldstart=population|none}.
     */
    public static final String PRIOR_KEY = "streamlearn.prior";
    /** Keys of a task that must contribute before its population is used (default 100). */
    public static final String PRIOR_MIN_KEYS_KEY = "streamlearn.prior.min-keys";
    /** A key contributes at update 1, 2, 4, ... up to this, then every this many updates (default 64). */
    public static final String PRIOR_EVERY_KEY = "streamlearn.prior.every";

    private static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new TreeMap<>();
        d.put(APPLICATION_ID_KEY, "streamlearn");
        d.put(PROCESSING_GUARANTEE_KEY, StreamsConfig.EXACTLY_ONCE_V2);
        d.put(MODELS_KEY, DEFAULT_MODEL);
        d.put(FEATURES_KEY, "");
        d.put(HASH_BITS_KEY, Integer.toString(DEFAULT_HASH_BITS));
        d.put(TEXT_BUCKETS_KEY, Integer.toString(FeatureSpace.DEFAULT_TEXT_BUCKETS));
        d.put(OUTPUT_FORMAT_KEY, "avro");
        d.put(EVENTS_TOPIC_KEY, "events");
        d.put(LABELS_TOPIC_KEY, "labels");
        d.put(PREDICTIONS_TOPIC_KEY, "predictions");
        d.put(SHADOW_PREDICTIONS_TOPIC_KEY, "predictions-shadow");
        d.put(DEAD_LETTERS_TOPIC_KEY, "dead-letters");
        d.put(CONTROL_TOPIC_KEY, "model-control");
        d.put(TOPIC_PARTITIONS_KEY, "1");
        d.put(STORE_NAME_KEY, "models");
        d.put(LABEL_HORIZON_KEY, "7d");
        d.put(LABEL_SWEEP_INTERVAL_KEY, "1m");
        d.put(PENDING_STORE_NAME_KEY, "pending-labels");
        d.put(KEY_TTL_KEY, "0");
        d.put(MAX_FUTURE_KEY, "1h");
        d.put(MAX_KEYS_KEY, "0");
        d.put(FORGET_ACKS_TOPIC_KEY, "forget-acks");
        d.put(STATIC_MEMBERSHIP_KEY, "true");
        d.put(PRIOR_KEY, PriorSettings.DEFAULT_MODE);
        d.put(PRIOR_MIN_KEYS_KEY, Integer.toString(PriorSettings.DEFAULT_MIN_KEYS));
        d.put(PRIOR_EVERY_KEY, Integer.toString(PriorSettings.DEFAULT_EVERY));
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final Map<String, String> values;
    private final List<String> models;
    private final FeatureSpace featureSpace;
    private final WireFormat outputFormat;
    private final boolean confluentOutput;
    private final RegistryConfig registry;
    private final Duration labelHorizon;
    private final Duration labelSweepInterval;
    private final Duration keyTtl;
    private final Duration maxFuture;
    private final long maxKeys;
    private final PriorSettings prior;
    private final FieldMapping eventMapping;
    private final FieldMapping labelMapping;
    private final int textBuckets;

    private AppConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
        this.models = parseModels(values.get(MODELS_KEY));
        this.textBuckets = parseTextBuckets(values.get(TEXT_BUCKETS_KEY));
        this.featureSpace = parseFeatures(values.get(FEATURES_KEY), values.get(HASH_BITS_KEY), textBuckets);
        this.eventMapping = FieldMapping.of(values, INPUT_PREFIX);
        this.labelMapping = FieldMapping.of(values, LABELS_PREFIX);
        String format = values.get(OUTPUT_FORMAT_KEY);
        this.confluentOutput = format != null && format.trim().equalsIgnoreCase(CONFLUENT_AVRO);
        // confluent-avro: the processors write single-object Avro and the sinks reframe it (ConfluentOutputSerializer).
        this.outputFormat = confluentOutput ? WireFormat.AVRO : parseFormat(format);
        this.registry = RegistryConfig.from(values);
        if (confluentOutput && registry == null) {
            throw new IllegalArgumentException(OUTPUT_FORMAT_KEY + "=" + CONFLUENT_AVRO + " needs " + SCHEMA_REGISTRY_URL_KEY);
        }
        this.labelHorizon = parseDuration(LABEL_HORIZON_KEY, values.get(LABEL_HORIZON_KEY));
        this.labelSweepInterval = parseDuration(LABEL_SWEEP_INTERVAL_KEY, values.get(LABEL_SWEEP_INTERVAL_KEY));
        String ttl = values.get(KEY_TTL_KEY);
        this.keyTtl = ttl == null || ttl.isBlank() || ttl.trim().equals("0") ? Duration.ZERO : parseDuration(KEY_TTL_KEY, ttl);
        String ahead = values.get(MAX_FUTURE_KEY);
        this.maxFuture = ahead == null || ahead.isBlank() || ahead.trim().equals("0") ? Duration.ZERO
                : parseDuration(MAX_FUTURE_KEY, ahead);
        try {
            String mk = values.get(MAX_KEYS_KEY);
            this.maxKeys = mk == null || mk.isBlank() ? 0 : Long.parseLong(mk.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MAX_KEYS_KEY + " must be an integer, got '" + values.get(MAX_KEYS_KEY) + "'");
        }
        if (maxKeys < 0) {
            throw new IllegalArgumentException(MAX_KEYS_KEY + " must be >= 0 (0: no limit), got " + maxKeys);
        }
        this.prior = parsePrior(values);
        String guarantee = values.get(PROCESSING_GUARANTEE_KEY);
        if (!guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) && !guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
            throw new IllegalArgumentException(PROCESSING_GUARANTEE_KEY + " must be exactly_once_v2 or at_least_once, got '"
                    + guarantee + "'");
        }
        for (String k : List.of(APPLICATION_ID_KEY, EVENTS_TOPIC_KEY, LABELS_TOPIC_KEY, PREDICTIONS_TOPIC_KEY,
                SHADOW_PREDICTIONS_TOPIC_KEY, DEAD_LETTERS_TOPIC_KEY, STORE_NAME_KEY, PENDING_STORE_NAME_KEY,
                FORGET_ACKS_TOPIC_KEY)) {
            String v = values.get(k);
            if (v == null || !v.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException(k + " must be a non-empty name of letters, digits, '.', '_' or '-', got '" + v + "'");
            }
        }
        String control = values.get(CONTROL_TOPIC_KEY);
        if (control != null && !control.isEmpty() && !control.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(CONTROL_TOPIC_KEY + " must be empty or a name of letters, digits, '.', '_' or '-', got '"
                    + control + "'");
        }
        if (values.get(STORE_NAME_KEY).equals(values.get(PENDING_STORE_NAME_KEY))) {
            throw new IllegalArgumentException(PENDING_STORE_NAME_KEY + " must differ from " + STORE_NAME_KEY);
        }
        int partitions = topicPartitions();
        if (partitions < 1) {
            throw new IllegalArgumentException(TOPIC_PARTITIONS_KEY + " must be >= 1, got " + partitions);
        }
        for (String model : models) {
            Learners.create(model, featureSpace.dimension()); // fails early with the SPEC error
        }
    }

    /** The defaults: model {@value #DEFAULT_MODEL}, hashed features, Avro output, exactly-once. */
    public static AppConfig defaults() {
        return new AppConfig(new TreeMap<>(DEFAULTS));
    }

    /** Defaults overridden by the given settings. */
    public static AppConfig of(Map<String, String> settings) {
        Map<String, String> m = new TreeMap<>(DEFAULTS);
        for (Map.Entry<String, String> e : settings.entrySet()) {
            m.put(e.getKey().trim(), e.getValue() == null ? "" : e.getValue().trim());
        }
        return new AppConfig(m);
    }

    /**
     * Defaults overridden by a properties file.
     *
     * @throws IOException if the file cannot be read
     */
    public static AppConfig load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> m = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
            m.put(name, p.getProperty(name));
        }
        return of(m);
    }

    /** A copy with one setting replaced; a null value removes it (back to the default, if any). */
    public AppConfig with(String key, String value) {
        Map<String, String> m = new TreeMap<>(values);
        if (value == null) {
            m.remove(key);
            if (DEFAULTS.containsKey(key)) {
                m.put(key, DEFAULTS.get(key));
            }
        } else {
            m.put(key, value.trim());
        }
        return new AppConfig(m);
    }

    /** A copy with several settings replaced; a null value restores the default, as in {@link #with(String, String)}. */
    public AppConfig with(Map<String, String> overrides) {
        Map<String, String> m = new TreeMap<>(values);
        overrides.forEach((k, v) -> {
            if (v != null) {
                m.put(k, v.trim());
            } else if (DEFAULTS.containsKey(k)) {
                m.put(k, DEFAULTS.get(k));
            } else {
                m.remove(k);
            }
        });
        return new AppConfig(m);
    }

    /** Every setting, ours and Kafka's, sorted by key. */
    public Map<String, String> values() {
        return values;
    }

    /** A setting, or null. */
    public String get(String key) {
        return values.get(key);
    }

    /** {@code bootstrap.servers}, or null when none is set (the CLI then starts an embedded broker). */
    public String bootstrapServers() {
        String b = values.get(BOOTSTRAP_SERVERS_KEY);
        return b == null || b.isEmpty() ? null : b;
    }

    public String applicationId() {
        return values.get(APPLICATION_ID_KEY);
    }

    /** {@code exactly_once_v2} (default) or {@code at_least_once}. */
    public String processingGuarantee() {
        return values.get(PROCESSING_GUARANTEE_KEY);
    }

    /** Model SPECs, champion first; never empty. */
    public List<String> models() {
        return models;
    }

    public FeatureSpace featureSpace() {
        return featureSpace;
    }

    /** Inputs per text feature ({@code NAME=*}) of an ordered feature space ({@value #TEXT_BUCKETS_KEY}). */
    public int textBuckets() {
        return textBuckets;
    }

    /** How records of the events topic map to events ({@code streamlearn.input.*}); default: today's shape. */
    public FieldMapping eventMapping() {
        return eventMapping;
    }

    /** How records of the labels topic map to labels ({@code streamlearn.labels.*}); default: today's shape. */
    public FieldMapping labelMapping() {
        return labelMapping;
    }

    /**
     * @return how the processors encode outputs: {@code AVRO} also for {@code confluent-avro}, whose sinks
     *         reframe the single-object bytes (see {@link #confluentOutput()})
     */
    public WireFormat outputFormat() {
        return outputFormat;
    }

    /** @return true for {@code streamlearn.output.format=confluent-avro} */
    public boolean confluentOutput() {
        return confluentOutput;
    }

    /** @return the Schema Registry settings, or null when {@value #SCHEMA_REGISTRY_URL_KEY} is not set */
    public RegistryConfig registry() {
        return registry;
    }

    public String eventsTopic() {
        return values.get(EVENTS_TOPIC_KEY);
    }

    public String labelsTopic() {
        return values.get(LABELS_TOPIC_KEY);
    }

    public String predictionsTopic() {
        return values.get(PREDICTIONS_TOPIC_KEY);
    }

    /** Where challengers' predictions go (used only when more than one model runs). */
    public String shadowPredictionsTopic() {
        return values.get(SHADOW_PREDICTIONS_TOPIC_KEY);
    }

    public String deadLettersTopic() {
        return values.get(DEAD_LETTERS_TOPIC_KEY);
    }

    public String storeName() {
        return values.get(STORE_NAME_KEY);
    }

    /** The control topic, or null when live model control is disabled. */
    public String controlTopic() {
        String c = values.get(CONTROL_TOPIC_KEY);
        return c == null || c.isEmpty() ? null : c;
    }

    /** Whether challengers may run: more than one model configured, or live control enabled. */
    public boolean shadowEnabled() {
        return models.size() > 1 || controlTopic() != null;
    }

    /** Name of the store of events awaiting their label. */
    public String pendingStoreName() {
        return values.get(PENDING_STORE_NAME_KEY);
    }

    /** How long an unlabelled event waits for its label, in event time; positive. */
    public Duration labelHorizon() {
        return labelHorizon;
    }

    /** How often (wall-clock) the pending-label store is swept; positive. */
    public Duration labelSweepInterval() {
        return labelSweepInterval;
    }

    /**
     * How far ahead of the wall clock an event or label time may be ({@link #MAX_FUTURE_KEY});
     * {@link Duration#ZERO} when any time is accepted.
     */
    public Duration maxFuture() {
        return maxFuture;
    }

    /** Time-to-live of idle keys in event time; {@link Duration#ZERO} when keys are kept forever. */
    public Duration keyTtl() {
        return keyTtl;
    }

    /** The per-task limit of model-store entries beyond which new keys get no model; 0 = none. */
    /** How new keys start ({@link #PRIOR_KEY} and its two settings). */
    public PriorSettings prior() {
        return prior;
    }

    private static PriorSettings parsePrior(Map<String, String> values) {
        boolean population = PriorSettings.parseMode(values.getOrDefault(PRIOR_KEY, PriorSettings.DEFAULT_MODE));
        int[] n = new int[2];
        String[] keys = {PRIOR_MIN_KEYS_KEY, PRIOR_EVERY_KEY};
        int[] dflt = {PriorSettings.DEFAULT_MIN_KEYS, PriorSettings.DEFAULT_EVERY};
        for (int i = 0; i < 2; i++) {
            String v = values.get(keys[i]);
            try {
                n[i] = v == null || v.isBlank() ? dflt[i] : Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(keys[i] + " must be an integer >= 1, got '" + v + "'");
            }
            if (n[i] < 1) {
                throw new IllegalArgumentException(keys[i] + " must be an integer >= 1, got " + n[i]);
            }
        }
        return new PriorSettings(population, n[0], n[1]);
    }

    public long maxKeys() {
        return maxKeys;
    }

    /** Where forget requests are acknowledged (used only with a control topic). */
    public String forgetAcksTopic() {
        return values.get(FORGET_ACKS_TOPIC_KEY);
    }

    /**
     * The topology's settings from this config: persistent RocksDB stores, a private skipped-records
     * counter, {@code streamlearn.topic.partitions} as the events topic's partition count and no meters
     * (change them with the settings' {@code with...} methods).
     */
    public TopologySettings topologySettings() {
        return new TopologySettings(eventsTopic(), labelsTopic(), controlTopic(), predictionsTopic(),
                shadowPredictionsTopic(), deadLettersTopic(), forgetAcksTopic(), storeName(), pendingStoreName(),
                featureSpace, models, outputFormat, shadowEnabled(), labelHorizon, labelSweepInterval, keyTtl, maxKeys,
                Stores.persistentKeyValueStore(storeName()), Stores.persistentKeyValueStore(pendingStoreName()),
                new SkippedRecords(), this::topicPartitions, StreamlearnMeters.noop(), eventMapping, labelMapping,
                registry, confluentOutput, prior, maxFuture);
    }

    public int topicPartitions() {
        try {
            return Integer.parseInt(values.get(TOPIC_PARTITIONS_KEY));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(TOPIC_PARTITIONS_KEY + " must be an integer, got '" + values.get(TOPIC_PARTITIONS_KEY) + "'");
        }
    }

    /**
     * The topics the application reads or writes, for creating them on a fresh broker. The labels topic
     * must have as many partitions as the events topic ({@code StreamlearnApp.start} checks, and refuses to start otherwise); the control topic should be compacted.
     */
    public List<String> topics() {
        List<String> t = new ArrayList<>(List.of(eventsTopic(), labelsTopic(), predictionsTopic(), deadLettersTopic()));
        if (shadowEnabled()) {
            t.add(shadowPredictionsTopic());
        }
        if (controlTopic() != null) {
            t.add(controlTopic());
            t.add(forgetAcksTopic());
        }
        return t;
    }

    /** The settings that are not ours: what Kafka Streams receives (before Streamlearn's own defaults). */
    public Map<String, String> kafkaSettings() {
        Map<String, String> m = new TreeMap<>();
        values.forEach((k, v) -> {
            if (!k.startsWith("streamlearn.") && !v.isEmpty()) {
                m.put(k, v);
            }
        });
        return m;
    }

    /**
     * The settings every Kafka client needs to reach the cluster: {@code bootstrap.servers},
     * {@code security.protocol}, {@code sasl.*}, {@code ssl.*} and {@code client.dns.lookup}. The commands
     * give them to each admin client, consumer and producer they create.
     */
    public Map<String, String> connectionSettings() {
        Map<String, String> m = new TreeMap<>();
        values.forEach((k, v) -> {
            if (!v.isEmpty() && (k.startsWith("bootstrap.") || k.startsWith("security.") || k.startsWith("sasl.")
                    || k.startsWith("ssl.") || k.equals("client.dns.lookup"))) {
                m.put(k, v);
            }
        });
        return m;
    }

    static List<String> parseModels(String text) {
        List<String> out = new ArrayList<>();
        if (text != null) {
            for (String s : text.split(";")) {
                if (!s.isBlank()) {
                    String spec = s.trim();
                    if (out.contains(spec)) {
                        throw new IllegalArgumentException(MODELS_KEY + ": model '" + spec + "' listed twice");
                    }
                    out.add(spec);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(MODELS_KEY + " must name at least one model, e.g. " + DEFAULT_MODEL);
        }
        return Collections.unmodifiableList(out);
    }

    static FeatureSpace parseFeatures(String names, String hashBits) {
        return parseFeatures(names, hashBits, FeatureSpace.DEFAULT_TEXT_BUCKETS);
    }

    static int parseTextBuckets(String text) {
        int buckets;
        try {
            buckets = text == null || text.isBlank() ? FeatureSpace.DEFAULT_TEXT_BUCKETS : Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(TEXT_BUCKETS_KEY + " must be an integer, got '" + text + "'");
        }
        if (buckets < 1 || buckets > 1 << 16) {
            throw new IllegalArgumentException(TEXT_BUCKETS_KEY + " must be in [1, 65536], got " + buckets);
        }
        return buckets;
    }

    static FeatureSpace parseFeatures(String names, String hashBits, int textBuckets) {
        if (names != null && !names.isBlank()) {
            List<String> list = new ArrayList<>();
            for (String n : names.split(",")) {
                if (!n.isBlank()) {
                    list.add(n.trim());
                }
            }
            return FeatureSpace.ordered(list, textBuckets);
        }
        try {
            return FeatureSpace.hashed(Integer.parseInt(hashBits.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(HASH_BITS_KEY + " must be an integer, got '" + hashBits + "'");
        }
    }

    /** A positive duration in the syntax of {@link Durations}. */
    static Duration parseDuration(String key, String text) {
        return Durations.parsePositive(key, text);
    }

    static WireFormat parseFormat(String text) {
        try {
            return WireFormat.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(OUTPUT_FORMAT_KEY + ": " + e.getMessage().replace("expected avro or json",
                    "expected avro, json or " + CONFLUENT_AVRO));
        }
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
