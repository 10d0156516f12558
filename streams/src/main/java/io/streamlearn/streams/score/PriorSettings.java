package io.streamlearn.streams.score;

import java.util.Locale;

/**
 * How new keys start (issue #14, cold start from the population): {@code streamlearn.prior}
 * ({@code population} or {@code none}), the minimum number of keys a task's population needs before
 * new keys start from it ({@code streamlearn.prior.min-keys}) and the contribution schedule
 * ({@code streamlearn.prior.every}: a key contributes when its update count is 1, 2, 4, ... up to
 * {@code every}, then every {@code every} updates). A model SPEC overrides the mode with the readout
 * parameter {@code coldstart=population|none}. See {@link PopulationPriors}. Only learners that implement
 * {@code PriorAware} take part ({@code sgd}, {@code kalman} and its single filter, {@code rls}); the
 * others ({@code mean}, {@code last}, {@code delta}, {@code kalman:loss=logistic}) start every key as
 * before. With memories or a drift guard in front, the readout takes part and the memories start empty.
 *
 * @param population whether models start new keys from their task's population (unless their SPEC says otherwise)
 * @param minKeys    keys that must have contributed before the population is used, &gt;= 1
 * @param every      contribution period in updates, &gt;= 1
 */
public record PriorSettings(boolean population, int minKeys, int every) {

    /**
     * Default minimum number of contributing keys. 100 rather than fewer: on the peers' drift and static
     * files, whose keys' weights come from exactly the learner's default prior, a population estimated
     * from the first 20 (immature) keys costs +0.19% and +0.15% long-run MSE, from 100 keys +0.014% and
     * +0.002%; on short-lived keys from a population with a non-zero mean, 100 keys still give a first-5
     * MSE within 12% of the oracle (20 keys: 3%). See {@code bench/results/cold-start.md}.
     */
    public static final int DEFAULT_MIN_KEYS = 100;
    /** Default contribution period (updates). */
    public static final int DEFAULT_EVERY = 64;
    /** The default mode of {@code streamlearn.prior}. */
    public static final String DEFAULT_MODE = "population";

    /** The settings when nothing is configured. */
    public static final PriorSettings DEFAULT = new PriorSettings(DEFAULT_MODE.equals("population"), DEFAULT_MIN_KEYS, DEFAULT_EVERY);
    /** Every key starts from the learner's default state, as before issue #14. */
    public static final PriorSettings NONE = new PriorSettings(false, DEFAULT_MIN_KEYS, DEFAULT_EVERY);

    public PriorSettings {
        if (minKeys < 1 || every < 1) {
            throw new IllegalArgumentException("prior: min-keys and every must be >= 1, got " + minKeys + ", " + every);
        }
    }

    /**
     * Parses a mode word.
     *
     * @throws IllegalArgumentException unless it is {@code population} or {@code none}
     */
    public static boolean parseMode(String mode) {
        String m = mode.trim().toLowerCase(Locale.ROOT);
        if (m.equals("population")) {
            return true;
        }
        if (m.equals("none")) {
            return false;
        }
        throw new IllegalArgumentException("prior must be population or none, got '" + mode + "'");
    }

    /**
     * The partition Kafka's default producer partitioner gives a record with String key {@code key}
     * (murmur2 of its UTF-8 bytes, positive, mod {@code partitions}): the task whose population the key
     * joins. The backtest uses it to reproduce the live tasks.
     */
    public static int partition(String key, int partitions) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
    }

    /** Whether a key contributes after reaching {@code updates} updates. */
    public boolean contributesAt(long updates) {
        if (updates < 1) {
            return false;
        }
        return updates <= every ? (updates & (updates - 1)) == 0 || updates == every : updates % every == 0;
    }
}
