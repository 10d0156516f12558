package io.streamlearn.streams.demo;

import io.streamlearn.schemas.Event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Synthetic per-key linear events with known truth, for the demo, the integration tests and the
 * benchmarks. Each key {@code k} has fixed weights {@code w_k} and intercept {@code b_k}, drawn
 * uniformly from {@code [-1, 1]}; an event of key {@code k} has features {@code x ~ N(0, 1)} each and,
 * with probability {@code labelledFraction}, the label {@code y = w_k·x + b_k + noise·N(0, 1)}.
 * Keys are drawn uniformly. Deterministic for a seed. Not thread-safe.
 *
 * <pre>{@code
 * SyntheticEvents gen = new SyntheticEvents(42, 100, List.of("x1", "x2", "x3"), 0.1, 0.7);
 * Event e = gen.next();
 * double[] w = gen.weights(e.getKey());   // w_k then b_k
 * }</pre>
 */
public final class SyntheticEvents {

    /** Event time of the first event, epoch milliseconds; each next event is 10 ms later. */
    public static final long START_TIME = 1_700_000_000_000L;

    private final Random random;
    private final List<String> keys;
    private final List<String> features;
    private final Map<String, double[]> weights = new LinkedHashMap<>();
    private final double noise;
    private final double labelledFraction;
    private long count;

    /**
     * @param seed             random seed
     * @param keys             number of entity keys, at least 1
     * @param features         feature names
     * @param noise            standard deviation of the label noise, at least 0
     * @param labelledFraction probability that an event carries its label, in [0, 1]
     */
    public SyntheticEvents(long seed, int keys, List<String> features, double noise, double labelledFraction) {
        if (keys < 1 || features.isEmpty() || !(noise >= 0) || !(labelledFraction >= 0 && labelledFraction <= 1)) {
            throw new IllegalArgumentException("need keys >= 1, some features, noise >= 0 and labelledFraction in [0, 1]");
        }
        this.random = new Random(seed);
        this.features = List.copyOf(features);
        this.noise = noise;
        this.labelledFraction = labelledFraction;
        List<String> k = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            String key = String.format("key-%04d", i);
            k.add(key);
            double[] w = new double[features.size() + 1];
            for (int j = 0; j < w.length; j++) {
                w[j] = 2 * random.nextDouble() - 1;
            }
            weights.put(key, w);
        }
        this.keys = Collections.unmodifiableList(k);
    }

    public List<String> keys() {
        return keys;
    }

    public List<String> features() {
        return features;
    }

    /** The true weights of a key, then its intercept (a copy). */
    public double[] weights(String key) {
        double[] w = weights.get(key);
        if (w == null) {
            throw new IllegalArgumentException("unknown key " + key);
        }
        return w.clone();
    }

    /** The noise-free value {@code w_k·x + b_k} for an event's features. */
    public double truth(String key, Map<String, Double> x) {
        double[] w = weights.get(key);
        double y = w[features.size()];
        for (int j = 0; j < features.size(); j++) {
            Double v = x.get(features.get(j));
            y += w[j] * (v == null ? 0.0 : v);
        }
        return y;
    }

    /** The next event: id {@code e-N}, a random key, fresh features, the label with the configured probability. */
    public Event next() {
        String key = keys.get(random.nextInt(keys.size()));
        Map<String, Double> x = new LinkedHashMap<>();
        for (String f : features) {
            x.put(f, random.nextGaussian());
        }
        double y = truth(key, x) + noise * random.nextGaussian();
        boolean labelled = random.nextDouble() < labelledFraction;
        long n = count++;
        return Event.newBuilder()
                .setId("e-" + n)
                .setKey(key)
                .setTs(START_TIME + 10 * n)
                .setFeatures(x)
                .setLabel(labelled ? y : null)
                .build();
    }

    /** How many events {@link #next()} has returned. */
    public long count() {
        return count;
    }
}
