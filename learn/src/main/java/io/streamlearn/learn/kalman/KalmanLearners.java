package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;

/**
 * Factory of the {@code kalman} SPEC family.
 * <ul>
 *   <li>{@code kalman} (no {@code q}/{@code r}): the self-tuning {@link KalmanBank}; parameters
 *       {@code bank} (ratios joined by {@code /}), {@code prior}, {@code alpha}, {@code intercept},
 *       {@code v} (known noise variance), {@code qtime}, {@code scale} ({@code rms}, the default: the
 *       bank sees each feature divided by its running RMS ({@link Standardized}), so its predictions do
 *       not depend on the features' units; {@code none}: raw inputs), {@code shape} (off by default: the
 *       step of a learned drift multiplier per weight, 0.03 measured best; see {@link KalmanBank}).</li>
 *   <li>{@code kalman:q=...,r=...|auto[,p0=...]}: the single {@link KalmanLearner} with fixed settings;
 *       parameters {@code q}, {@code r}, {@code r0}, {@code p0}, {@code intercept}, {@code qtime}.</li>
 *   <li>{@code kalman:loss=logistic[,q=...,p0=...]}: {@link KalmanLogistic}, the extended-Kalman
 *       (Laplace) logistic regression for 0/1 labels.</li>
 * </ul>
 *
 * <pre>{@code
 * Learner bank = Learners.create("kalman", 8);
 * Learner single = Learners.create("kalman:q=0.0025,r=0.25,p0=1,intercept=false", 8);
 * }</pre>
 */
public final class KalmanLearners {

    /** Default bank ratios (process / observation noise variance per event). */
    public static final String DEFAULT_BANK = "0/1e-3/1e-2/1e-1";
    /**
     * Default prior variance of each weight relative to the observation variance. Chosen on the
     * shared peers files (every value in [2, 8] meets the accuracy targets there, 4 is best; on the
     * real datasets 1 to 100 differ by under 1%): see {@code bench/results/kalman-peers.md}.
     */
    public static final double DEFAULT_PRIOR = 4.0;
    /** Default forgetting factor of the bank's log-weights. */
    public static final double DEFAULT_ALPHA = 0.999;

    /** The step of the learned drift multipliers measured best on Beijing and bike ({@code shape=}). */
    public static final double SHAPE_RATE = 0.03;

    private KalmanLearners() {
    }

    /** The {@code kalman} factory registered in {@code Learners}. */
    public static Learner kalman(ModelSpec.Params params, int dimension) {
        boolean intercept = params.bool("intercept", true);
        boolean qtime = params.bool("qtime", false);
        String loss = params.choice("loss", "squared", "squared", "logistic");
        if (loss.equals("logistic")) {
            for (String k : new String[] {"r", "r0", "bank", "prior", "alpha", "v", "scale", "shape"}) {
                if (params.has(k)) {
                    throw new IllegalArgumentException("kalman: loss=logistic takes q, p0, intercept and qtime, not " + k);
                }
            }
            return new KalmanLogistic(dimension, params.nonNegative("q", 0.0), qtime, params.positive("p0", 1.0), intercept);
        }
        if (params.has("q") || params.has("r")) {
            if (params.has("bank") || params.has("prior") || params.has("alpha") || params.has("v") || params.has("scale")
                    || params.has("shape")) {
                throw new IllegalArgumentException("kalman: bank, prior, alpha, v, scale and shape belong to the bank; "
                        + "q, r, r0 and p0 to the single filter (whose q, r and p0 are in the features' units); "
                        + "do not mix them");
            }
            double q = params.nonNegative("q", 0.0);
            String r = params.string("r", "1.0");
            double p0 = params.positive("p0", 1.0);
            if (r.equalsIgnoreCase("auto")) {
                return new KalmanLearner(dimension, q, qtime, Double.NaN, params.positive("r0", 1.0), p0, intercept);
            }
            if (params.has("r0")) {
                throw new IllegalArgumentException("kalman: r0 is the prior guess of r=auto only");
            }
            return new KalmanLearner(dimension, q, qtime, params.positive("r", 1.0), 1.0, p0, intercept);
        }
        if (params.has("p0") || params.has("r0")) {
            throw new IllegalArgumentException("kalman: p0 and r0 are the single filter's (give q and r too); "
                    + "the bank's relative prior variance is prior=");
        }
        double[] ratios = ratios(params.string("bank", DEFAULT_BANK));
        double prior = params.positive("prior", DEFAULT_PRIOR);
        double alpha = params.positive("alpha", DEFAULT_ALPHA);
        if (alpha > 1) {
            throw new IllegalArgumentException("kalman: alpha must be in (0, 1], got " + alpha);
        }
        double v = params.has("v") ? params.positive("v", 1.0) : Double.NaN;
        boolean unscaled = unscaled(params);
        double shape = params.has("shape") ? params.positive("shape", SHAPE_RATE) : 0.0;
        KalmanBank bank = new KalmanBank(dimension, ratios, prior, alpha, v, intercept, qtime, unscaled, shape);
        return unscaled ? bank : new Standardized(bank);
    }

    /** Reads {@code scale=rms|none} (default rms): whether the inputs are used unscaled. */
    static boolean unscaled(ModelSpec.Params params) {
        return params.choice("scale", "rms", "rms", "none").equals("none");
    }

    static double[] ratios(String text) {
        String[] parts = text.split("/");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("kalman: bank=" + text + " must be ratios joined by '/', e.g. "
                        + DEFAULT_BANK);
            }
            if (!(out[i] >= 0 && out[i] < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("kalman: bank ratios must be finite and >= 0, got " + parts[i]);
            }
        }
        return out;
    }
}
