package io.streamlearn.learn.metrics;

/**
 * The mean of a per-event {@link Loss} over the last {@code window} events, in a fixed-size ring:
 * {@link #update} is index arithmetic and two additions, allocation-free. The running sum is
 * recomputed from the ring once per {@code window} updates, so rounding drift from adding and removing
 * cannot build up over a long stream.
 *
 * <p>Memory cost: {@code 8 * window} bytes.
 *
 * <pre>{@code
 * RollingMetric recentMse = RollingMetric.of(Loss.SQUARED, 3);
 * for (double e : new double[] {1, 2, 3, 4}) {
 *     recentMse.update(e, 0.0);
 * }
 * recentMse.value();   // (4 + 9 + 16) / 3
 * }</pre>
 */
public final class RollingMetric implements OnlineMetric {

    private final Loss loss;
    private final double[] ring;
    private int next;
    private int size;
    private double sum;
    private int sinceResum;

    public RollingMetric(Loss loss, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        this.loss = loss;
        this.ring = new double[window];
    }

    public static RollingMetric of(Loss loss, int window) {
        return new RollingMetric(loss, window);
    }

    public int window() {
        return ring.length;
    }

    @Override
    public String name() {
        return "rolling_" + loss.metricName();
    }

    @Override
    public void update(double prediction, double label) {
        double v = loss.of(prediction, label);
        if (size == ring.length) {
            sum -= ring[next];
        } else {
            size++;
        }
        ring[next] = v;
        sum += v;
        next = next + 1 == ring.length ? 0 : next + 1;
        if (++sinceResum == ring.length) {
            sinceResum = 0;
            double s = 0;
            for (int i = 0; i < size; i++) {
                s += ring[i];
            }
            sum = s;
        }
    }

    @Override
    public double value() {
        return size == 0 ? Double.NaN : sum / size;
    }

    /** Events in the window now: {@code min(seen, window)}. */
    @Override
    public long count() {
        return size;
    }

    @Override
    public void reset() {
        next = 0;
        size = 0;
        sum = 0;
        sinceResum = 0;
    }
}
