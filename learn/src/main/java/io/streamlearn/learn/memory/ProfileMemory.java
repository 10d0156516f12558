package io.streamlearn.learn.memory;

import io.streamlearn.learn.ModelSpec;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Seasonal profile memory: the key's average label at each phase of a period, kept in {@code slots}
 * bins of width {@code period / slots} by event time. The default, one week in 168 bins, is the
 * hour-of-week profile of hourly data; daily data fills 7 of the bins (its day-of-week profile),
 * half-hourly data puts two events in each. Each bin keeps one exponentially weighted average of its
 * labels per {@code rate}, with weight {@code max(rate, 1/n)} for the bin's n-th label (a plain mean of
 * its first {@code 1/rate} labels): with the default rates 0.1 and 0.4 a weekly bin remembers about
 * ten weeks and about two and a half, and a linear readout weighs the slow and the fast profile as the
 * key's data asks. It costs {@code (R + 1) slots + R + 1} doubles for R rates, where a readout over
 * the lags that span the same period pays for a covariance of {@code (p+1)^2/2} entries per member.
 *
 * <p>Features for an event at time t, for each rate r (2R in all):
 * <ol>
 *   <li>the profile at t's bin (the key's most recent label while the bin is empty, 0 before the first
 *       label);</li>
 *   <li>the last label's deviation from its bin's profile as it was before that label was learned
 *       (0 when the bin was empty): how far the key runs above or below its usual level.</li>
 * </ol>
 * A linear readout over these (and the last labels, for example with {@code lags:p=24}) forms the
 * seasonal forecast with a persistent anomaly, {@code profile(t) + a (y_last - profile(t_last))}.
 *
 * <p>SPEC: {@code profile[:period=7d,slots=168,rates=0.1/0.4]}. Label-driven: advanced in {@code learn}.
 *
 * <p>State layout: {@code [mean_{r,0} .. mean_{r,S-1} for each rate r, n_0 .. n_{S-1}, last label,
 * deviation_r for each rate r]} ({@code (R + 1) S + 1 + R} doubles; {@code n_i} counts the bin's labels
 * up to {@code 1 / min rate}).
 *
 * <pre>{@code
 * Learner l = Learners.create("lags:p=24+profile+kalman", 12);   // readout input: 12 + 24 + 4
 * }</pre>
 */
public final class ProfileMemory implements Memory {

    private final double period;
    private final int slots;
    private final double[] rates;
    private final double width;
    private final double saturation;
    /** Offsets in the slice: the counts, the last label, the deviations. */
    private final int counts;
    private final int lastLabel;
    private final int deviations;

    /**
     * @param period the period in milliseconds, &gt; 0
     * @param slots  the number of bins, &gt;= 1
     * @param rates  the weight of a new label in its bin once the bin has {@code 1/rate} labels, each in
     *               (0, 1]
     */
    public ProfileMemory(double period, int slots, double[] rates) {
        if (!(period > 0 && period < Double.POSITIVE_INFINITY) || slots < 1 || rates.length == 0) {
            throw new IllegalArgumentException("profile: needs period > 0, slots >= 1 and rates");
        }
        double min = 1;
        for (double r : rates) {
            if (!(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("profile: rates must be in (0, 1], got " + r);
            }
            min = Math.min(min, r);
        }
        this.period = period;
        this.slots = slots;
        this.rates = rates.clone();
        this.width = period / slots;
        this.saturation = Math.ceil(1.0 / min);
        this.counts = rates.length * slots;
        this.lastLabel = counts + slots;
        this.deviations = lastLabel + 1;
    }

    /** Factory: reads {@code period} (default 7d), {@code slots} (default 168) and {@code rates} (default 0.1/0.4). */
    public static ProfileMemory fromSpec(ModelSpec.Params params, int dimension) {
        double period = Durations.parse("profile", "period", params.string("period", "7d"));
        int slots = params.integer("slots", 168, 1, 100_000);
        String[] parts = params.string("rates", "0.1/0.4").split("/");
        double[] rates = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                rates[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("profile: rates must be numbers joined by '/', got '" + parts[i] + "'");
            }
        }
        return new ProfileMemory(period, slots, rates);
    }

    @Override
    public String spec() {
        StringBuilder b = new StringBuilder("profile:period=").append(Durations.format(period))
                .append(",slots=").append(slots).append(",rates=");
        for (int i = 0; i < rates.length; i++) {
            b.append(i == 0 ? "" : "/").append(rates[i]);
        }
        return b.toString();
    }

    @Override
    public int size() {
        return deviations + rates.length;
    }

    @Override
    public int outputs() {
        return 2 * rates.length;
    }

    @Override
    public boolean observesEvents() {
        return false;
    }

    /** The bin of an event time: its phase within the period (from the epoch), in bin widths. */
    private int slot(long time) {
        double phase = time % period;
        if (phase < 0) {
            phase += period;
        }
        int i = (int) (phase / width);
        return i >= slots ? slots - 1 : i;
    }

    @Override
    public void features(double[] s, int offset, double[] x, long time, boolean absorbed, double[] out, int outOffset,
                         double[] scratch) {
        int i = slot(time);
        boolean seen = s[offset + counts + i] > 0;
        for (int r = 0; r < rates.length; r++) {
            out[outOffset + 2 * r] = seen ? s[offset + r * slots + i] : s[offset + lastLabel];
            out[outOffset + 2 * r + 1] = s[offset + deviations + r];
        }
    }

    @Override
    public void learn(double[] s, int offset, double[] x, long time, double label, double[] features,
                      int featuresOffset, double[] scratch) {
        int i = slot(time);
        double n = s[offset + counts + i];
        double next = Math.min(n + 1, saturation);
        for (int r = 0; r < rates.length; r++) {
            int at = offset + r * slots + i;
            double mean = s[at];
            s[offset + deviations + r] = n > 0 ? label - mean : 0.0;
            s[at] = mean + Math.max(rates[r], 1.0 / next) * (label - mean);
        }
        s[offset + counts + i] = next;
        s[offset + lastLabel] = label;
    }

    /** {@code profile<r>} (each bin's average at rate r, the last label where empty), {@code labelsPerSlot}, {@code deviations}. */
    @Override
    public Map<String, double[]> inspect(double[] s, int offset) {
        Map<String, double[]> m = new LinkedHashMap<>();
        double[] n = Arrays.copyOfRange(s, offset + counts, offset + counts + slots);
        for (int r = 0; r < rates.length; r++) {
            double[] profile = new double[slots];
            for (int i = 0; i < slots; i++) {
                profile[i] = n[i] > 0 ? s[offset + r * slots + i] : s[offset + lastLabel];
            }
            m.put("profile" + r, profile);
        }
        m.put("labelsPerSlot", n);
        m.put("deviations", Arrays.copyOfRange(s, offset + deviations, offset + deviations + rates.length));
        return m;
    }
}
