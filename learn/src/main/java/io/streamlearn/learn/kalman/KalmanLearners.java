package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;

import java.util.Arrays;

/**
 * Factory of the {@code kalman} SPEC family.
 * <ul>
 *   <li>{@code kalman} (no {@code q}/{@code r}): the self-tuning {@link KalmanBank}; parameters
 *       {@code bank} (ratios joined by {@code /}), {@code prior}, {@code alpha}, {@code intercept},
 *       {@code v} (known noise variance), {@code qtime}, {@code scale} ({@code rms}, the default: the
 *       bank sees each feature divided by its running RMS ({@link Standardized}), so its predictions do
 *       not depend on the features' units; {@code none}: raw inputs), {@code shape} (the step of a
 *       learned drift multiplier per weight, {@value #SHAPE_RATE} by default on standardized inputs,
 *       measured best; 0 turns it off, the default with {@code scale=none}; see {@link KalmanBank}).
 *       Defaults: {@code bank=}{@value #DEFAULT_BANK}{@code ,shape=}{@value #SHAPE_RATE} standardized,
 *       {@code bank=}{@value #ISOTROPIC_BANK} without multipliers on raw inputs and as the readout of
 *       memories ({@code lags:p=24+kalman}: with past labels among its inputs the multipliers hurt,
 *       measured in {@code bench/results/real-data.md}). A state stored by the
 *       standardized default of the earlier release (four members, no multipliers) is adopted
 *       ({@link KalmanBank#adopt}).</li>
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

    /**
     * Default bank ratios (process / observation noise variance per event) of the standardized bank,
     * the default {@code kalman}, whose drift multipliers ({@link #SHAPE_RATE}) shape each member's
     * drift per weight, so three members cover what four did without them (issue #13; measured in
     * {@code bench/results/real-data.md}).
     */
    public static final String DEFAULT_BANK = "0/1e-2/1e-1";
    /**
     * Default ratios of the bank on raw inputs ({@code scale=none}) and of a readout fed by memories
     * ({@code lags:p=24+kalman}), neither with drift multipliers by default; and of the standardized
     * default before issue #13's drift multipliers.
     */
    public static final String ISOTROPIC_BANK = "0/1e-3/1e-2/1e-1";
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
        boolean unscaled = unscaled(params);
        // the drift multipliers help a regression on the features and hurt one whose inputs include
        // past labels (bench/results/real-data.md): readouts of memories, and raw inputs, keep the
        // four isotropic members
        boolean isotropic = unscaled || params.isAfterMemories();
        double[] ratios = ratios(params.string("bank", isotropic ? ISOTROPIC_BANK : DEFAULT_BANK));
        double prior = params.positive("prior", DEFAULT_PRIOR);
        double alpha = params.positive("alpha", DEFAULT_ALPHA);
        if (alpha > 1) {
            throw new IllegalArgumentException("kalman: alpha must be in (0, 1], got " + alpha);
        }
        double v = params.has("v") ? params.positive("v", 1.0) : Double.NaN;
        double shape = params.nonNegative("shape", isotropic ? 0.0 : SHAPE_RATE);
        // the bank this SPEC built before the standardized default took drift multipliers and three
        // members (issue #13): its stored states are adopted, not dropped
        double[] formerRatios = params.has("bank") ? ratios : ratios(ISOTROPIC_BANK);
        double formerShape = params.has("shape") ? shape : 0.0;
        boolean built = !params.has("shape") || shape > 0;      // the earlier release refused shape=0
        KalmanBank former = isotropic || !built || (Arrays.equals(formerRatios, ratios) && formerShape == shape) ? null
                : new KalmanBank(dimension, formerRatios, prior, alpha, v, intercept, qtime, false, formerShape, null, false);
        KalmanBank bank = new KalmanBank(dimension, ratios, prior, alpha, v, intercept, qtime, unscaled, shape, former,
                !isotropic);
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
