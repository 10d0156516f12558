package io.streamlearn.learn.sgd;

import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.Prior;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Online linear models trained by one gradient step per labelled event: the {@code sgd} family.
 * A score {@code p = w·x + b} is mapped to a prediction by the {@link Loss}'s link (identity, or the
 * logistic function for {@code loss=logistic}); each {@code learn} computes {@code ℓ'(p, y)} and takes
 * one step of the chosen {@link Step} rule. The learner is immutable configuration; every number that
 * changes lives in the key's {@link ModelState}.
 *
 * <pre>{@code
 * Learner l = Learners.create("sgd:loss=huber,delta=2,step=adagrad,lr=0.1", 3);
 * ModelState s = l.newState();
 * l.learn(s, new double[] {1, 2, 3}, 0L, 14.0);
 * Prediction out = new Prediction();
 * l.predict(s, new double[] {1, 2, 3}, 1L, out);
 * }</pre>
 *
 * <h2>SPEC</h2>
 * {@code sgd:loss=…,step=…,lr=…,…} with
 * <ul>
 *   <li>{@code loss=squared|huber|logistic|quantile}, {@code delta} (huber, default 1),
 *       {@code tau} (quantile, default 0.5); logistic labels are 0/1 and predictions probabilities;</li>
 *   <li>{@code step=constant|invscaling|adagrad|adam|normalized|ftrl} (default {@value #DEFAULT_STEP_WORD});</li>
 *   <li>{@code lr}: the step size, default {@link #defaultRate(Step, Loss.Kind)}. For ftrl the rate is
 *       {@code alpha} ({@code lr} is accepted as a synonym) with {@code beta} (default 1);</li>
 *   <li>{@code power_t} (invscaling, default 0.25), {@code beta1}, {@code beta2}, {@code eps} (adam:
 *       0.9, 0.999, 1e-8), {@code eps} (adagrad, 1e-8), {@code label_scale=true|false} (normalized,
 *       not logistic; default true);</li>
 *   <li>{@code l1}, {@code l2} (default 0): elastic-net penalty {@code l1·|w|₁ + l2/2·|w|²} on the
 *       weights, never on the intercept;</li>
 *   <li>{@code clip} (default 0 = off): caps every gradient coordinate {@code |ℓ'·x_i|}; for
 *       {@code step=normalized}, whose steps are unit-free, it caps {@code |ℓ'|} instead;</li>
 *   <li>{@code average=true|false} (default false): Polyak–Ruppert averaging, predictions use
 *       {@code w̄_t = mean(w_1..w_t)} (reset by {@link #inflate});</li>
 *   <li>{@code intercept=true|false} (default true) and {@code intercept_lr} (default: the step's
 *       rate): the intercept has its own rate and is never penalised.</li>
 * </ul>
 * {@link #spec()} spells out every parameter of the configuration, so it parses back to the same
 * learner. Parameters that the chosen loss or step does not use are refused.
 *
 * <h2>Steps</h2>
 * With {@code g_i = ℓ'(p, y)·x_i} (the intercept has {@code x = 1}), per coordinate:
 * <ul>
 *   <li>constant: {@code w_i -= lr·g_i};</li>
 *   <li>invscaling: {@code w_i -= lr/t^power_t · g_i}, t the number of updates of this key
 *       (scikit-learn's {@code SGDRegressor} default schedule);</li>
 *   <li>adagrad (Duchi, Hazan and Singer 2011): {@code G_i += g_i²; w_i -= lr·g_i/(√G_i + eps)};</li>
 *   <li>adam (Kingma and Ba 2015, algorithm 1): {@code m_i = β₁m_i + (1−β₁)g_i; v_i = β₂v_i + (1−β₂)g_i²;
 *       w_i -= lr·m̂_i/(√v̂_i + eps)} with {@code m̂ = m/(1−β₁^t)}, {@code v̂ = v/(1−β₂^t)};</li>
 *   <li>normalized: Vowpal Wabbit's default update, the normalized adaptive gradient of Ross, Mineiro
 *       and Langford ("Normalized online learning", UAI 2013, algorithm NAG) with the
 *       importance-invariant step of Karampatziakis and Langford (UAI 2011). Each feature keeps its
 *       largest magnitude so far {@code s_i} and an AdaGrad sum; with {@code x̃_i = x_i/s_i},
 *       {@code Ĝ_i += ℓ'²·x̃_i²} (VW's {@code G_i/s_i²}), {@code N += Σ x̃_i²}, {@code T += 1}, the
 *       per-coordinate rate is {@code r_i = 1/(√Ĝ_i·s_i²)} and the step moves the score by the exact
 *       gradient flow of the loss for time {@code a = lr·√(T/N)·Σ r_i x_i²}
 *       ({@link Loss#invariantScoreChange}), spread over the coordinates in proportion to
 *       {@code r_i x_i}. The step never overshoots the label, and multiplying a feature by any
 *       constant leaves every prediction unchanged. Zero (or |x| &lt; 1e-150) features are absent for
 *       the event, as in VW's sparse updates. Two changes to VW, both measured on the shared datasets:
 *       (1) weights are kept in normalized units {@code ŵ_i = w_i·s_i} and the score uses
 *       {@code clamp(x̃_i, −1, 1)}, so a feature beyond its largest magnitude so far counts as that
 *       magnitude; this is exactly the score VW gets after its rescale {@code w_i *= s_old/s_new},
 *       and it removes the cold-start blow-ups (ar file, lr 0.5: MSE 5314 → 2.94); (2) with
 *       {@code label_scale=true} (not for the logistic loss) {@code a} is multiplied by the running
 *       RMS of the key's labels, which makes the step free of the label's units too (Beijing PM2.5,
 *       lr 2: MSE 3378 → 404);</li>
 *   <li>ftrl: FTRL-Proximal (McMahan et al., "Ad click prediction: a view from the trenches", KDD
 *       2013, algorithm 1) per coordinate with {@code x_i ≠ 0}:
 *       {@code σ_i = (√(n_i + g_i²) − √n_i)/α; z_i += g_i − σ_i w_i; n_i += g_i²;
 *       w_i = 0 if |z_i| ≤ l1 else −(z_i − sgn(z_i)·l1)/((β + √n_i)/α + l2)}. L1 gives exact zeros.</li>
 * </ul>
 * For every step but ftrl, {@code l1} and {@code l2} are applied as a proximal step with the
 * coordinate's own step size η_i after the gradient step: {@code w_i = soft(w_i, η_i·l1)/(1 + η_i·l2)}
 * (on every coordinate for the dense steps, on the event's non-zero coordinates for normalized).
 *
 * <h2>State layout</h2>
 * The weights and intercept first, then the step rule's per-coordinate slots, the averaged weights and
 * a few scalars: see {@link SgdLayout}. Memory: {@code 8·(d+1)·(1 + slots + average)} bytes plus up to 4
 * scalars.
 *
 * <h2>Code</h2>
 * {@link SgdSpec} (the SPEC and the builder), {@link SgdLayout} (the state layout), one final class of
 * static methods per step rule ({@link PlainRule}, {@link AdagradRule}, {@link AdamRule},
 * {@link NormalizedRule}, {@link FtrlRule}) called from the switch in {@link #learn}, and {@link Bounds}
 * (caps and the proximal step): no virtual call and no allocation per event.
 *
 * <h2>Robustness</h2>
 * A state never becomes non-finite: every gradient coordinate is capped at {@value #MAX_GRADIENT},
 * weights at ±{@value #MAX_WEIGHT} and ftrl's z at ±{@value #MAX_Z}, which with inputs bounded by
 * {@link Inputs#MAX_ABS} keeps every product finite. Plain constant steps can still diverge on badly
 * scaled data (to the weight cap), as scikit-learn's do; the normalized step cannot overshoot.
 *
 * <h2>Drift</h2>
 * {@link #inflate(ModelState, double) inflate(state, f)} makes the next steps about f times larger
 * without changing the current predictions: AdaGrad and normalized sums {@code G /= f²}; invscaling
 * {@code t /= f^(1/power_t)}; Adam's moments and step count are reset (its step size does not
 * depend on history); ftrl {@code n /= f²} with z recomputed so that w is unchanged; a constant step
 * has nothing to reset. With {@code average=true} the average restarts from the current weights.
 *
 * <h2>Default</h2>
 * {@code sgd} = {@code sgd:loss=squared,step=normalized,lr=2,label_scale=true}; see
 * {@link #DEFAULT_STEP_WORD} for why.
 *
 * <h2>Speed</h2>
 * 0 bytes allocated per event for every step; the adaptive steps cost one square root and one division
 * per coordinate per event. Figures, with machine and date: {@code bench/results/sgd.md}.
 *
 * <p>Thread-safe (immutable configuration; the adagrad and normalized steps keep two d-double scratch
 * arrays per thread, allocated on a thread's first event); states are not. {@code predict} and
 * {@code learn} allocate nothing after that.
 */
public final class SgdLearner implements Learner, DriftAware, PriorAware {

    /**
     * The default step, chosen by prequential evaluation (predict, then learn; one model per key;
     * {@code Prequential} in the test sources) on the shared datasets and the peers' synthetic files,
     * 2026-11-27: the normalized step is the only one that is good everywhere without tuning and cannot
     * diverge. The table behind the choice, and the rates swept, are in {@code bench/results/sgd.md}.
     */
    public static final String DEFAULT_STEP_WORD = "normalized";

    /** Cap on every gradient coordinate, so that squares and sums of squares stay finite. */
    public static final double MAX_GRADIENT = 1e100;
    /** Cap on every weight: with features below {@link Inputs#MAX_ABS} a score stays finite. */
    public static final double MAX_WEIGHT = 1e100;
    /** Cap on ftrl's z. */
    public static final double MAX_Z = 1e250;
    /** Features smaller than this in magnitude are absent for the normalized step. */
    static final double MIN_NORMALIZED_FEATURE = 1e-150;

    private final SgdSpec c;
    private final SgdLayout l;
    private final int d;
    private final Loss loss;
    private final Step step;
    private final boolean average;
    /**
     * Per-thread scratch of the normalized and adagrad steps (two arrays of d doubles, allocated once
     * per thread): keeps the learner immutable and shareable while its loops vectorize.
     */
    private final ThreadLocal<Scratch> scratch;

    SgdLearner(SgdSpec spec) {
        this.c = spec;
        this.l = new SgdLayout(spec);
        this.d = spec.d;
        this.loss = spec.loss;
        this.step = spec.step;
        this.average = spec.average;
        int dimension = d;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(dimension));
    }

    /**
     * The default learner with step size {@code learningRate}: the same as
     * {@code Learners.create("sgd:lr=" + learningRate, dimension)}.
     */
    public SgdLearner(int dimension, double learningRate) {
        this(new SgdSpec(builder(dimension).lr(learningRate).finish()));
    }

    /** A builder with the defaults of {@code Learners.create("sgd", dimension)}. */
    public static SgdSpec.Builder builder(int dimension) {
        return new SgdSpec.Builder(dimension);
    }

    /**
     * Factory for {@code Learners}: reads the parameters listed in the class Javadoc.
     */
    public static Learner fromSpec(ModelSpec.Params p, int dimension) {
        return SgdSpec.fromSpec(p, dimension);
    }

    /**
     * The default rate ({@code lr}, or ftrl's alpha) of a step rule for a loss: constant and
     * invscaling 0.01 (scikit-learn's defaults, kept for comparison), adagrad 0.3, adam 0.01, ftrl
     * 0.3, normalized 2 (16 for the logistic loss).
     */
    public static double defaultRate(Step step, Loss.Kind loss) {
        return SgdSpec.defaultRate(step, loss);
    }

    /** Shortest text that parses back to the same double: integers without ".0". */
    static String format(double v) {
        return SgdSpec.format(v);
    }

    @Override
    public String spec() {
        return c.text;
    }

    @Override
    public int dimension() {
        return d;
    }

    public Loss loss() {
        return loss;
    }

    public Step step() {
        return step;
    }

    @Override
    public ModelState newState() {
        return new ModelState(l.size);
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        double[] s = state.values();
        int offset = average ? l.avg : 0;
        out.set(loss.link(step == Step.NORMALIZED ? NormalizedRule.score(s, offset, x, d, l.slotB) : dot(s, offset, x)));
    }

    /** b + w·x with four partial sums, so that the additions do not wait on each other. */
    private double dot(double[] s, int offset, double[] x) {
        double y0 = 0;
        double y1 = 0;
        double y2 = 0;
        double y3 = 0;
        int i = 0;
        for (; i + 3 < d; i += 4) {
            y0 += s[offset + i] * x[i];
            y1 += s[offset + i + 1] * x[i + 1];
            y2 += s[offset + i + 2] * x[i + 2];
            y3 += s[offset + i + 3] * x[i + 3];
        }
        for (; i < d; i++) {
            y0 += s[offset + i] * x[i];
        }
        return s[offset + d] + ((y0 + y1) + (y2 + y3));
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        if (loss.kind() == Loss.Kind.LOGISTIC && !(label == 0.0 || label == 1.0)) {
            throw new io.streamlearn.learn.InvalidInputException("bad-label",
                    "logistic loss needs a 0/1 label, got " + label);
        }
        double[] s = state.values();
        Scratch work = step == Step.NORMALIZED || step == Step.ADAGRAD ? scratch.get() : null;
        double score = step == Step.NORMALIZED ? NormalizedRule.learnScore(s, x, d, l.slotB, work) : dot(s, 0, x);
        double dl = loss.derivative(score, label);
        switch (step) {
            case CONSTANT:
                PlainRule.constant(s, x, c, dl);
                break;
            case INVSCALING:
                PlainRule.invscaling(s, x, c, l, dl);
                break;
            case ADAGRAD:
                AdagradRule.apply(s, x, c, l, dl, work);
                break;
            case ADAM:
                AdamRule.apply(s, x, c, l, dl);
                break;
            case NORMALIZED:
                NormalizedRule.apply(s, x, c, l, score, label, dl, work);
                break;
            case FTRL:
                FtrlRule.apply(s, x, c, l, dl);
                break;
            default:
                throw new AssertionError(step);
        }
        if (average) {
            int avg = l.avg;
            double count = s[l.scalarAvgCount] + 1;
            s[l.scalarAvgCount] = count;
            double inv = 1.0 / count;
            for (int i = 0; i <= d; i++) {
                s[avg + i] += (s[i] - s[avg + i]) * inv;
            }
        }
        state.recordUpdate(time);
    }

    /**
     * Makes future steps about {@code factor} times larger, keeping current predictions (see the class
     * Javadoc, "Drift"). Allocation-free.
     *
     * @param factor &gt;= 1; 1 changes nothing but the average
     */
    @Override
    public void inflate(ModelState state, double factor) {
        if (!(factor >= 1) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("inflation factor must be finite and >= 1, got " + factor);
        }
        double[] s = state.values();
        double f2 = factor * factor;
        switch (step) {
            case INVSCALING:
                if (c.powerT > 0) {
                    s[l.scalarT] /= Math.pow(factor, 1 / c.powerT);
                }
                break;
            case ADAGRAD:
            case NORMALIZED:
                for (int i = 0; i <= d; i++) {
                    s[l.slotA + i] /= f2;
                }
                break;
            case ADAM:
                for (int i = 0; i <= d; i++) {
                    s[l.slotA + i] = 0;
                    s[l.slotB + i] = 0;
                }
                s[l.scalarT] = 0;
                break;
            case FTRL:
                for (int i = 0; i <= d; i++) {
                    double n = s[l.slotB + i] / f2;
                    s[l.slotB + i] = n;
                    double w = s[i];
                    if (w != 0) {
                        boolean bias = i == d;
                        s[l.slotA + i] = FtrlRule.z(w, n, bias ? c.interceptLr : c.lr, c.ftrlBeta, bias ? 0 : c.l1,
                                bias ? 0 : c.l2);
                    }
                }
                break;
            default:
                break;
        }
        if (average) {
            System.arraycopy(s, 0, s, l.avg, d + 1);
            s[l.scalarAvgCount] = 1;
        }
    }

    /**
     * Named views: {@code weights} (in the features' units), {@code intercept}, and where present {@code averagedWeights},
     * {@code averagedIntercept}, {@code gradientSquareSums} (adagrad), {@code firstMoments},
     * {@code secondMoments}, {@code steps} (adam), {@code featureScales} (normalized s_i, 0 = unseen),
     * {@code normalizedSquareSums}, {@code normalizer} ({T, N} and, with label_scale, the sum of squared labels), {@code ftrlZ}, {@code ftrlN},
     * {@code t} (invscaling), and {@code values}, the raw state array (layout above).
     */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        double[] s = state.values();
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("weights", rawWeights(s, 0));
        m.put("intercept", new double[] {s[d]});
        if (average) {
            m.put("averagedWeights", rawWeights(s, l.avg));
            m.put("averagedIntercept", new double[] {s[l.avg + d]});
        }
        switch (step) {
            case INVSCALING:
                m.put("t", new double[] {s[l.scalarT]});
                break;
            case ADAGRAD:
                m.put("gradientSquareSums", java.util.Arrays.copyOfRange(s, l.slotA, l.slotA + d + 1));
                break;
            case ADAM:
                m.put("firstMoments", java.util.Arrays.copyOfRange(s, l.slotA, l.slotA + d + 1));
                m.put("secondMoments", java.util.Arrays.copyOfRange(s, l.slotB, l.slotB + d + 1));
                m.put("steps", new double[] {s[l.scalarT]});
                break;
            case NORMALIZED: {
                double[] scales = new double[d + 1];
                for (int i = 0; i <= d; i++) {
                    double inv = s[l.slotB + i];
                    scales[i] = inv == 0 ? 0 : 1 / inv;
                }
                m.put("featureScales", scales);
                m.put("normalizedSquareSums", java.util.Arrays.copyOfRange(s, l.slotA, l.slotA + d + 1));
                m.put("normalizer", c.labelScale ? new double[] {s[l.scalarT], s[l.scalarN], s[l.scalarY]}
                        : new double[] {s[l.scalarT], s[l.scalarN]});
                break;
            }
            case FTRL:
                m.put("ftrlZ", java.util.Arrays.copyOfRange(s, l.slotA, l.slotA + d + 1));
                m.put("ftrlN", java.util.Arrays.copyOfRange(s, l.slotB, l.slotB + d + 1));
                break;
            default:
                break;
        }
        m.put("values", s.clone());
        return m;
    }

    /** Weights in the features' own units (normalized: ŵ_i/s_i, valid for |x_i| ≤ s_i). */
    private double[] rawWeights(double[] s, int offset) {
        double[] w = java.util.Arrays.copyOfRange(s, offset, offset + d);
        if (step == Step.NORMALIZED) {
            for (int i = 0; i < d; i++) {
                w[i] *= s[l.slotB + i];
            }
        }
        return w;
    }

    @Override
    public String toString() {
        return c.text;
    }

    // ---- population prior (issue #14) ----

    /**
     * {@code d + 1} (the weights, then the intercept), and for the normalized step {@code d} more: each
     * feature's scale {@code s_i} (0 while the key has not seen the feature).
     */
    @Override
    public int contributionLength() {
        return step == Step.NORMALIZED ? 2 * d + 1 : d + 1;
    }

    /**
     * The weights that predict (the average with {@code average=true}), the intercept at index d; for
     * the normalized step the weights in its normalized units {@code ŵ_i = w_i s_i}, then the scales
     * {@code s_i} (0 for a feature not seen yet). Normalized units, because a key's weights in feature
     * units {@code ŵ_i / s_i} explode for a key whose first value of a feature was tiny, and the mean
     * over keys would follow those outliers (measured: MSE 4x worse on the peers drift file). No
     * covariance, no noise variance.
     */
    @Override
    public double contribute(ModelState state, double[] vector, double[] within) {
        double[] s = state.values();
        int w = average ? l.avg : 0;
        if (step == Step.NORMALIZED) {
            for (int i = 0; i < d; i++) {
                double inv = s[l.slotB + i];
                vector[i] = s[w + i];
                vector[d + 1 + i] = inv > 0 ? 1.0 / inv : 0.0;
            }
            vector[d] = s[w + d];
        } else {
            System.arraycopy(s, w, vector, 0, d + 1);
        }
        return Double.NaN;
    }

    /**
     * The weights and intercept start at the prior mean; for the normalized step each feature with a
     * population scale {@code s_i > 0} starts as seen at that scale with the mean normalized weight, for ftrl
     * {@code z} is set so that the weights come out as the mean. Optimizer sums, counters and the
     * average (set to the same weights) keep their meaning; nothing else changes.
     */
    @Override
    public void startFrom(ModelState state, Prior prior) {
        double[] m = prior.mean();
        if (m == null || m.length != contributionLength()) {
            return;
        }
        for (double x : m) {
            if (!(Math.abs(x) < MAX_WEIGHT)) {
                return;
            }
        }
        double[] s = state.values();
        for (int i = 0; i <= d; i++) {
            double w = i == d && !c.fitIntercept ? 0.0 : m[i];
            if (step == Step.NORMALIZED && i < d) {
                double scale = m[d + 1 + i];
                if (!(scale >= MIN_NORMALIZED_FEATURE && scale < Inputs.MAX_ABS)) {
                    continue;
                }
                s[l.slotB + i] = 1.0 / scale;
            } else if (step == Step.FTRL) {
                double rate = i == d ? c.interceptLr : c.lr;
                if (rate == 0 || w == 0) {
                    continue;
                }
                s[l.slotA + i] = FtrlRule.z(w, 0.0, rate, c.ftrlBeta, i == d ? 0.0 : c.l1, i == d ? 0.0 : c.l2);
            }
            s[i] = w;
            if (average) {
                s[l.avg + i] = w;
            }
        }
    }
}
