package io.streamlearn.learn.sgd;

import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.prior.Prior;

import java.util.LinkedHashMap;
import java.util.Locale;
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
 * With {@code D = d + 1} coordinates (the d weights, then the intercept at index d), the values array
 * is, in order:
 * <pre>
 *   [0, D)        w_0 … w_{d-1}, b   (ftrl: derived from z and n, cached; normalized: ŵ_i = w_i·s_i)
 *   [D, 2D)       slot A: adagrad G · adam m · normalized Ĝ · ftrl z        (absent for constant, invscaling)
 *   [2D, 3D)      slot B: adam v · normalized 1/s_i (0 = never seen) · ftrl n (absent otherwise)
 *   next D        averaged weights and intercept, in the same units as [0, D)  (only with average=true)
 *   then scalars  invscaling: t · adam: t · normalized: T, N · average: the averaging count
 *                 · normalized with label_scale: the sum of squared labels
 * </pre>
 * Memory: {@code 8·D·(1 + slots + average)} bytes plus up to 4 scalars.
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
 * {@link #DEFAULT_STEP_WORD} for the figures behind the choice.
 *
 * <h2>Speed</h2>
 * Predict + learn at d = 32, one thread, CPU time, on the shared 2-core build VM (AMD EPYC, JDK 17,
 * load average 7 from other jobs, so figures are indicative), 2026-11-27: constant 10.4 M events/s,
 * invscaling 8.5 M, adagrad 5.0 M, adam 3.5 M, normalized (default) 2.6 M, logistic normalized 2.8 M,
 * ftrl 2.7 M; 0 bytes allocated per event in every case. The adaptive steps cost one square root and
 * one division per coordinate per event, which dominate at d = 32.
 *
 * <p>Thread-safe (immutable configuration; the adagrad and normalized steps keep a d-double scratch
 * array per thread, allocated on a thread's first event); states are not. {@code predict} and
 * {@code learn} allocate nothing after that.
 */
public final class SgdLearner implements Learner, DriftAware, PriorAware {

    /**
     * The default step, chosen by prequential evaluation (predict, then learn; one model per key;
     * {@code Prequential} in the test sources) on the shared datasets and the peers' synthetic files
     * (drift, static, ar as generated by {@code peers/README.md}), 2026-11-27. MSE (elec2: log-loss),
     * lower is better; in brackets the peers' Bayes-optimal reference or floor:
     * <pre>
     *   spec                          beijing  bike    elec2   drift (0.744) static (0.336) ar (0.997)
     *   normalized, lr=2 (default)    404      18410   —       1.229         0.559          1.526
     *   normalized, logistic lr=16    —        —       0.269   —             —              —
     *   normalized, no label_scale    3378     26213   —       1.805         0.675          1.824
     *   normalized, average=true      2367     26944   0.652   2.604         0.895          3.721
     *   adagrad lr=0.3                518      23763   0.553   1.750         0.573          1.513
     *   ftrl alpha=0.3                520      23765   0.568   1.837         0.570          1.493
     *   adam lr=0.01                  1188     22485   0.537   6.564         1.775          1.782
     *   invscaling lr=0.01 (sklearn)  3e200    19667   0.651   5.620         1.493          2.6e19
     *   constant lr=0.01              3e202    7e197   0.562   3.142         0.705          2.6e197
     *   running mean per key          6491     32904   ≈0.68*  10.64         15.84          10.65
     * </pre>
     * (* elec2: log-loss of its base rate 0.425; the logistic default reaches accuracy 0.90.) The
     * normalized step is the only one that is good everywhere without tuning: best on beijing, bike,
     * elec2, drift and static, within 2.5% of the best (ftrl) on ar, and it cannot diverge (constant and
     * invscaling reach the weight cap on beijing, bike and ar, as scikit-learn's SGD diverges on ar).
     * Against the peers' table (MSE over the reference): drift 1.65 (RLS 1.51, passive-aggressive
     * 1.56, River linear regression 2.54), static 1.66 (River 1.62), ar 1.53 (River with a scaler
     * 1.61; unscaled SGD diverges). Averaging is off by default: it lags on these drifting or short
     * per-key streams (row above).
     * Rates swept for normalized: lr 1 / 2 / 4 gives beijing 508 / 404 / 344, drift 1.42 / 1.23 /
     * 1.23, static 0.548 / 0.559 / 0.618, ar 1.58 / 1.53 / 1.60; logistic lr 8 / 16 / 32 / 64 gives
     * elec2 log-loss 0.331 / 0.269 / 0.242 / 0.235 (16 is kept as a less elec2-specific choice).
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

    private final int d;
    private final int size;
    private final Loss loss;
    private final Step step;
    private final double lr;
    private final double interceptLr;
    private final double powerT;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double ftrlBeta;
    private final double l1;
    private final double l2;
    private final double clip;
    private final boolean average;
    private final boolean fitIntercept;
    private final String spec;

    // layout offsets, -1 when absent
    private final int slotA;
    private final int slotB;
    private final int avg;
    private final int scalarT;
    private final int scalarN;
    private final int scalarAvgCount;
    private final int scalarY;
    private final boolean labelScale;
    /**
     * Per-thread scratch of the normalized and adagrad steps (d doubles, allocated once per thread):
     * keeps the learner immutable and shareable while its loops vectorize.
     */
    private final ThreadLocal<double[]> scratch;

    private SgdLearner(Builder b) {
        this.d = b.dimension;
        this.loss = b.loss;
        this.step = b.step;
        this.lr = b.lr;
        this.interceptLr = Double.isNaN(b.interceptLr) ? b.lr : b.interceptLr;
        this.powerT = b.powerT;
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
        this.ftrlBeta = b.ftrlBeta;
        this.l1 = b.l1;
        this.l2 = b.l2;
        this.clip = b.clip;
        this.average = b.average;
        this.fitIntercept = b.intercept;
        int dd = d + 1;
        int next = dd;
        int slots;
        switch (step) {
            case CONSTANT:
            case INVSCALING:
                slots = 0;
                break;
            case ADAGRAD:
                slots = 1;
                break;
            default:
                slots = 2;
        }
        slotA = slots >= 1 ? next : -1;
        next += slots >= 1 ? dd : 0;
        slotB = slots >= 2 ? next : -1;
        next += slots >= 2 ? dd : 0;
        avg = average ? next : -1;
        next += average ? dd : 0;
        scalarT = (step == Step.INVSCALING || step == Step.ADAM || step == Step.NORMALIZED) ? next++ : -1;
        scalarN = step == Step.NORMALIZED ? next++ : -1;
        scalarAvgCount = average ? next++ : -1;
        this.labelScale = step == Step.NORMALIZED && b.labelScale && loss.kind() != Loss.Kind.LOGISTIC;
        scalarY = labelScale ? next++ : -1;
        this.size = next;
        this.spec = buildSpec();
        int dimension = d;
        this.scratch = ThreadLocal.withInitial(() -> new double[dimension]);
    }

    /**
     * The default learner with step size {@code learningRate}: the same as
     * {@code Learners.create("sgd:lr=" + learningRate, dimension)}.
     */
    public SgdLearner(int dimension, double learningRate) {
        this(builder(dimension).lr(learningRate).finish());
    }

    /** A builder with the defaults of {@code Learners.create("sgd", dimension)}. */
    public static Builder builder(int dimension) {
        return new Builder(dimension);
    }

    /**
     * Factory for {@code Learners}: reads the parameters listed in the class Javadoc.
     */
    public static Learner fromSpec(ModelSpec.Params p, int dimension) {
        Builder b = builder(dimension);
        String lossWord = p.choice("loss", "squared", "squared", "huber", "logistic", "quantile");
        switch (lossWord) {
            case "huber":
                b.loss(Loss.huber(p.positive("delta", 1.0)));
                break;
            case "logistic":
                b.loss(Loss.logistic());
                break;
            case "quantile": {
                double tau = p.number("tau", 0.5);
                if (!(tau > 0 && tau < 1)) {
                    throw new IllegalArgumentException("sgd: tau must be in (0, 1), got " + tau);
                }
                b.loss(Loss.quantile(tau));
                break;
            }
            default:
                b.loss(Loss.squared());
        }
        Step step = Step.of(p.choice("step", DEFAULT_STEP_WORD,
                "constant", "invscaling", "adagrad", "adam", "normalized", "ftrl"));
        b.step(step);
        if (step == Step.FTRL) {
            boolean hasAlpha = p.has("alpha");
            boolean hasLr = p.has("lr");
            if (hasAlpha && hasLr) {
                throw new IllegalArgumentException("sgd: give ftrl's rate as alpha or lr, not both");
            }
            b.lr(p.positive(hasLr ? "lr" : "alpha", defaultRate(step, b.loss.kind())));
            b.ftrlBeta(p.positive("beta", 1.0));
        } else {
            b.lr(p.positive("lr", defaultRate(step, b.loss.kind())));
        }
        switch (step) {
            case INVSCALING:
                b.powerT(p.nonNegative("power_t", 0.25));
                break;
            case ADAGRAD:
                b.eps(p.positive("eps", 1e-8));
                break;
            case ADAM: {
                double b1 = p.number("beta1", 0.9);
                double b2 = p.number("beta2", 0.999);
                if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) {
                    throw new IllegalArgumentException("sgd: beta1 and beta2 must be in [0, 1), got " + b1 + ", " + b2);
                }
                b.beta1(b1).beta2(b2).eps(p.positive("eps", 1e-8));
                break;
            }
            case NORMALIZED:
                if (!"logistic".equals(lossWord)) {
                    b.labelScale(p.bool("label_scale", true));
                }
                break;
            default:
                break;
        }
        b.l1(p.nonNegative("l1", 0.0)).l2(p.nonNegative("l2", 0.0)).clip(p.nonNegative("clip", 0.0));
        b.average(p.bool("average", false));
        boolean intercept = p.bool("intercept", true);
        b.intercept(intercept);
        if (intercept && p.has("intercept_lr")) {
            b.interceptLr(p.nonNegative("intercept_lr", 0.0));
        }
        return b.build();
    }

    /**
     * The default rate ({@code lr}, or ftrl's alpha) of a step rule for a loss: constant and
     * invscaling 0.01 (scikit-learn's defaults, kept for comparison), adagrad 0.3, adam 0.01, ftrl
     * 0.3, normalized 2 (16 for the logistic loss). See {@link #DEFAULT_STEP_WORD} for the figures.
     */
    public static double defaultRate(Step step, Loss.Kind loss) {
        switch (step) {
            case CONSTANT:
            case INVSCALING:
            case ADAM:
                return 0.01;
            case ADAGRAD:
            case FTRL:
                return 0.3;
            case NORMALIZED:
                return loss == Loss.Kind.LOGISTIC ? 16.0 : 2.0;
            default:
                throw new AssertionError(step);
        }
    }

    private String buildSpec() {
        StringBuilder b = new StringBuilder("sgd:").append(loss.specFragment());
        b.append(",step=").append(step.word());
        if (step == Step.FTRL) {
            b.append(",alpha=").append(format(lr)).append(",beta=").append(format(ftrlBeta));
        } else {
            b.append(",lr=").append(format(lr));
        }
        switch (step) {
            case INVSCALING:
                b.append(",power_t=").append(format(powerT));
                break;
            case ADAGRAD:
                b.append(",eps=").append(format(eps));
                break;
            case NORMALIZED:
                if (loss.kind() != Loss.Kind.LOGISTIC) {
                    b.append(",label_scale=").append(labelScale);
                }
                break;
            case ADAM:
                b.append(",beta1=").append(format(beta1)).append(",beta2=").append(format(beta2))
                        .append(",eps=").append(format(eps));
                break;
            default:
                break;
        }
        b.append(",l1=").append(format(l1)).append(",l2=").append(format(l2)).append(",clip=").append(format(clip));
        b.append(",average=").append(average);
        b.append(",intercept=").append(fitIntercept);
        if (fitIntercept) {
            b.append(",intercept_lr=").append(format(interceptLr));
        }
        return b.toString();
    }

    /** Shortest text that parses back to the same double: integers without ".0". */
    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v).toLowerCase(Locale.ROOT);
    }

    @Override
    public String spec() {
        return spec;
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
        return new ModelState(size);
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        double[] s = state.values();
        int offset = average ? avg : 0;
        out.set(loss.link(step == Step.NORMALIZED ? normalizedScore(s, offset, x) : dot(s, offset, x)));
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
        double score = step == Step.NORMALIZED ? normalizedScore(s, 0, x) : dot(s, 0, x);
        double dl = loss.derivative(score, label);
        switch (step) {
            case CONSTANT:
                plainStep(s, x, dl, lr, interceptLr);
                break;
            case INVSCALING: {
                double t = s[scalarT] + 1;
                s[scalarT] = t;
                double decay = Math.pow(t, -powerT);
                plainStep(s, x, dl, lr * decay, interceptLr * decay);
                break;
            }
            case ADAGRAD:
                adagradStep(s, x, dl);
                break;
            case ADAM:
                adamStep(s, x, dl);
                break;
            case NORMALIZED:
                normalizedStep(s, x, score, label, dl);
                break;
            case FTRL:
                ftrlStep(s, x, dl);
                break;
            default:
                throw new AssertionError(step);
        }
        if (average) {
            double c = s[scalarAvgCount] + 1;
            s[scalarAvgCount] = c;
            double inv = 1.0 / c;
            for (int i = 0; i <= d; i++) {
                s[avg + i] += (s[i] - s[avg + i]) * inv;
            }
        }
        state.recordUpdate(time);
    }

    private double gradientCap() {
        return clip > 0 && clip < MAX_GRADIENT ? clip : MAX_GRADIENT;
    }

    private static double clamp(double v, double cap) {
        return v > cap ? cap : (v < -cap ? -cap : v);
    }

    /** Elastic-net proximal step of size eta, then the weight cap. */
    private double prox(double w, double eta) {
        if (l1 > 0) {
            double t = eta * l1;
            w = w > t ? w - t : (w < -t ? w + t : 0.0);
        }
        if (l2 > 0) {
            w /= 1 + eta * l2;
        }
        return clamp(w, MAX_WEIGHT);
    }

    private void plainStep(double[] s, double[] x, double dl, double eta, double etaIntercept) {
        double cap = gradientCap();
        if (l1 > 0 || l2 > 0) {
            for (int i = 0; i < d; i++) {
                double g = clamp(dl * x[i], cap);
                s[i] = prox(s[i] - eta * g, eta);
            }
        } else {
            for (int i = 0; i < d; i++) {
                double g = Math.max(-cap, Math.min(cap, dl * x[i]));
                s[i] = Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, s[i] - eta * g));
            }
        }
        if (fitIntercept) {
            s[d] = clamp(s[d] - etaIntercept * clamp(dl, cap), MAX_WEIGHT);
        }
    }

    private void adagradStep(double[] s, double[] x, double dl) {
        double cap = gradientCap();
        int a = slotA;
        if (l1 > 0 || l2 > 0) {
            for (int i = 0; i < d; i++) {
                double g = clamp(dl * x[i], cap);
                double sum = s[a + i] + g * g;
                s[a + i] = sum;
                double eta = lr / (Math.sqrt(sum) + eps);
                s[i] = prox(s[i] - eta * g, eta);
            }
        } else {
            // split so that the JIT vectorizes (see normalizedStep)
            double[] q = scratch.get();
            for (int i = 0; i < d; i++) {
                double g = Math.max(-cap, Math.min(cap, dl * x[i]));
                q[i] = s[a + i] + g * g;
            }
            System.arraycopy(q, 0, s, a, d);
            double rate = lr;
            for (int i = 0; i < d; i++) {
                double g = Math.max(-cap, Math.min(cap, dl * x[i]));
                double w = s[i] - rate * g / (Math.sqrt(q[i]) + eps);
                s[i] = Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, w));
            }
        }
        if (fitIntercept) {
            double g = clamp(dl, cap);
            double sum = s[a + d] + g * g;
            s[a + d] = sum;
            s[d] = clamp(s[d] - interceptLr * g / (Math.sqrt(sum) + eps), MAX_WEIGHT);
        }
    }

    private void adamStep(double[] s, double[] x, double dl) {
        double cap = gradientCap();
        double t = s[scalarT] + 1;
        s[scalarT] = t;
        double c1 = 1.0 / (1 - Math.pow(beta1, t));
        double c2 = 1.0 / (1 - Math.pow(beta2, t));
        int m = slotA;
        int v = slotB;
        for (int i = 0; i < d; i++) {
            double g = clamp(dl * x[i], cap);
            double mi = beta1 * s[m + i] + (1 - beta1) * g;
            double vi = beta2 * s[v + i] + (1 - beta2) * g * g;
            s[m + i] = mi;
            s[v + i] = vi;
            double eta = lr / (Math.sqrt(vi * c2) + eps);
            s[i] = prox(s[i] - eta * mi * c1, eta);
        }
        if (fitIntercept) {
            double g = clamp(dl, cap);
            double mi = beta1 * s[m + d] + (1 - beta1) * g;
            double vi = beta2 * s[v + d] + (1 - beta2) * g * g;
            s[m + d] = mi;
            s[v + d] = vi;
            s[d] = clamp(s[d] - interceptLr * mi * c1 / (Math.sqrt(vi * c2) + eps), MAX_WEIGHT);
        }
    }

    /*
     * Normalized adaptive importance-invariant step (VW's default), kept in normalized units: the
     * weight slot holds ŵ_i = w_i·s_i, slot A Ĝ_i = G_i/s_i², slot B 1/s_i. The score uses
     * x̃_i = clamp(x_i/s_i, -1, 1), so a feature beyond its largest magnitude so far counts as that
     * magnitude: exactly the score after VW's rescale w_i *= s_old/s_new, which in these units is the
     * identity. Pass 1 updates scales and sums and accumulates ppu = Σ ρ_i x̃_i²/√Ĝ_i (ρ_i = 1, or
     * intercept_lr/lr for the intercept) and Σ x̃_i²; pass 2 moves ŵ_i by c·ρ_i·x̃_i/√Ĝ_i with
     * c = Δp/ppu, so that the score moves by exactly Δp.
     */
    private double normalizedScore(double[] s, int offset, double[] x) {
        int is = slotB;
        double y0 = 0;
        double y1 = 0;
        double y2 = 0;
        double y3 = 0;
        int i = 0;
        for (; i + 3 < d; i += 4) {
            y0 += s[offset + i] * unit(x[i] * s[is + i]);
            y1 += s[offset + i + 1] * unit(x[i + 1] * s[is + i + 1]);
            y2 += s[offset + i + 2] * unit(x[i + 2] * s[is + i + 2]);
            y3 += s[offset + i + 3] * unit(x[i + 3] * s[is + i + 3]);
        }
        for (; i < d; i++) {
            y0 += s[offset + i] * unit(x[i] * s[is + i]);
        }
        return s[offset + d] + ((y0 + y1) + (y2 + y3));
    }

    /** Clamps to [-1, 1]; plain comparisons, cheaper here than Math.min/max and their NaN rules. */
    private static double unit(double v) {
        return v > 1 ? 1 : (v < -1 ? -1 : v);
    }

    /** Added under square roots so that a never-active coordinate (sum 0, x̃ 0) contributes 0, not NaN. */
    private static final double TINY = Double.MIN_NORMAL;

    private void normalizedStep(double[] s, double[] x, double score, double label, double dl) {
        double cap = gradientCap();
        double g = clamp(dl, cap);
        double gsq = g * g;
        if (gsq == 0) {
            return;
        }
        int gh = slotA;
        int is = slotB;
        // new scales (rare): in normalized units the weight needs no rescale, Ĝ_i = G_i/s_i² does
        for (int i = 0; i < d; i++) {
            double ax = Math.abs(x[i]);
            double inv = s[is + i];
            if (ax * inv > 1 || (inv == 0 && ax >= MIN_NORMALIZED_FEATURE)) {
                if (inv > 0) {
                    double rescale = 1.0 / (ax * inv);
                    s[gh + i] *= rescale * rescale;
                }
                s[is + i] = 1.0 / ax;
            }
        }
        // pass 1, branch-free; x̃ = 0 leaves a coordinate unchanged. The loops read the state and write
        // a per-thread scratch (or the reverse) so that the JIT can vectorize them: it does not vectorize
        // a loop that stores into one region of an array while loading from another of the same array.
        // q_i ends as x̃_i/√Ĝ_i, the direction of the step.
        double[] q = scratch.get();
        double norm = 0;
        for (int i = 0; i < d; i++) {
            double xt = x[i] * s[is + i];
            double xt2 = xt * xt;
            norm += xt2;
            q[i] = s[gh + i] + gsq * xt2;
        }
        System.arraycopy(q, 0, s, gh, d);
        double ppu = 0;
        for (int i = 0; i < d; i++) {
            double xt = x[i] * s[is + i];
            double qi = xt / Math.sqrt(q[i] + TINY);
            q[i] = qi;
            ppu += xt * qi;
        }
        double rho = lr > 0 ? interceptLr / lr : 0.0;
        if (fitIntercept && rho > 0) {
            s[is + d] = 1.0;
            double sum = s[gh + d] + gsq;
            s[gh + d] = sum;
            norm += 1;
            ppu += rho / Math.sqrt(sum);
        }
        if (norm == 0 || !(ppu > 0)) {
            return;
        }
        double total = s[scalarT] + 1;
        double normSum = s[scalarN] + norm;
        s[scalarT] = total;
        s[scalarN] = normSum;
        double multiplier = Math.sqrt(total / normSum);
        double a = lr * multiplier * ppu;
        if (labelScale) {
            double labelSquares = s[scalarY] + label * label;
            s[scalarY] = labelSquares;
            a *= Math.sqrt(labelSquares / total);
        }
        double change = loss.invariantScoreChange(score, label, a);
        if (clip > 0) {
            change = clamp(change, a * clip);
        }
        if (change == 0 || !Double.isFinite(change)) {
            return;
        }
        double c = change / ppu;
        if (l1 > 0 || l2 > 0) {
            normalizedPenalisedUpdate(s, x, c, lr * multiplier);
        } else {
            // pass 2: ŵ_i += c·x̃_i/√Ĝ_i
            for (int i = 0; i < d; i++) {
                s[i] = Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, s[i] + c * q[i]));
            }
        }
        if (fitIntercept && rho > 0) {
            s[d] = clamp(s[d] + c * rho / Math.sqrt(s[gh + d]), MAX_WEIGHT);
        }
    }

    /** Pass 2 with the raw-unit proximal step of size η_i = etaBase/(√Ĝ_i s_i²), written for ŵ = w·s. */
    private void normalizedPenalisedUpdate(double[] s, double[] x, double c, double etaBase) {
        int gh = slotA;
        int is = slotB;
        for (int i = 0; i < d; i++) {
            double inv = s[is + i];
            double xt = x[i] * inv;
            if (xt == 0) {
                continue;
            }
            double invRoot = 1.0 / Math.sqrt(s[gh + i] + TINY);
            double w = s[i] + c * xt * invRoot;
            double eta = etaBase * invRoot;
            if (l1 > 0) {
                double t = eta * inv * l1;
                w = w > t ? w - t : (w < -t ? w + t : 0.0);
            }
            if (l2 > 0) {
                w /= 1 + eta * inv * inv * l2;
            }
            s[i] = clamp(w, MAX_WEIGHT);
        }
    }

    private void ftrlStep(double[] s, double[] x, double dl) {
        double cap = gradientCap();
        for (int i = 0; i < d; i++) {
            double xi = x[i];
            if (xi != 0) {
                ftrlCoordinate(s, i, clamp(dl * xi, cap), lr, l1, l2);
            }
        }
        if (fitIntercept) {
            ftrlCoordinate(s, d, clamp(dl, cap), interceptLr, 0.0, 0.0);
        }
    }

    private void ftrlCoordinate(double[] s, int i, double g, double alpha, double lambda1, double lambda2) {
        if (alpha == 0) {
            return;
        }
        int zi = slotA + i;
        int ni = slotB + i;
        double n = s[ni];
        double nNew = n + g * g;
        double rootNew = Math.sqrt(nNew);
        double sigma = (rootNew - Math.sqrt(n)) / alpha;
        double z = clamp(s[zi] + g - sigma * s[i], MAX_Z);
        s[zi] = z;
        s[ni] = nNew;
        s[i] = ftrlWeight(z, rootNew, alpha, lambda1, lambda2);
    }

    private double ftrlWeight(double z, double rootN, double alpha, double lambda1, double lambda2) {
        if (Math.abs(z) <= lambda1) {
            return 0.0;
        }
        double denominator = (ftrlBeta + rootN) / alpha + lambda2;
        double w = -(z - Math.signum(z) * lambda1) / denominator;
        return clamp(w, MAX_WEIGHT);
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
                if (powerT > 0) {
                    s[scalarT] /= Math.pow(factor, 1 / powerT);
                }
                break;
            case ADAGRAD:
            case NORMALIZED:
                for (int i = 0; i <= d; i++) {
                    s[slotA + i] /= f2;
                }
                break;
            case ADAM:
                for (int i = 0; i <= d; i++) {
                    s[slotA + i] = 0;
                    s[slotB + i] = 0;
                }
                s[scalarT] = 0;
                break;
            case FTRL:
                for (int i = 0; i <= d; i++) {
                    double n = s[slotB + i] / f2;
                    s[slotB + i] = n;
                    double w = s[i];
                    if (w != 0) {
                        boolean bias = i == d;
                        double alpha = bias ? interceptLr : lr;
                        double denominator = (ftrlBeta + Math.sqrt(n)) / alpha + (bias ? 0 : l2);
                        s[slotA + i] = clamp(-w * denominator - Math.signum(w) * (bias ? 0 : l1), MAX_Z);
                    }
                }
                break;
            default:
                break;
        }
        if (average) {
            System.arraycopy(s, 0, s, avg, d + 1);
            s[scalarAvgCount] = 1;
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
            m.put("averagedWeights", rawWeights(s, avg));
            m.put("averagedIntercept", new double[] {s[avg + d]});
        }
        switch (step) {
            case INVSCALING:
                m.put("t", new double[] {s[scalarT]});
                break;
            case ADAGRAD:
                m.put("gradientSquareSums", java.util.Arrays.copyOfRange(s, slotA, slotA + d + 1));
                break;
            case ADAM:
                m.put("firstMoments", java.util.Arrays.copyOfRange(s, slotA, slotA + d + 1));
                m.put("secondMoments", java.util.Arrays.copyOfRange(s, slotB, slotB + d + 1));
                m.put("steps", new double[] {s[scalarT]});
                break;
            case NORMALIZED: {
                double[] scales = new double[d + 1];
                for (int i = 0; i <= d; i++) {
                    double inv = s[slotB + i];
                    scales[i] = inv == 0 ? 0 : 1 / inv;
                }
                m.put("featureScales", scales);
                m.put("normalizedSquareSums", java.util.Arrays.copyOfRange(s, slotA, slotA + d + 1));
                m.put("normalizer", labelScale ? new double[] {s[scalarT], s[scalarN], s[scalarY]}
                        : new double[] {s[scalarT], s[scalarN]});
                break;
            }
            case FTRL:
                m.put("ftrlZ", java.util.Arrays.copyOfRange(s, slotA, slotA + d + 1));
                m.put("ftrlN", java.util.Arrays.copyOfRange(s, slotB, slotB + d + 1));
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
                w[i] *= s[slotB + i];
            }
        }
        return w;
    }

    @Override
    public String toString() {
        return spec;
    }

    /**
     * Configuration of an {@link SgdLearner}; unset values take the SPEC defaults.
     *
     * <pre>{@code
     * SgdLearner l = SgdLearner.builder(8).step(Step.FTRL).lr(0.1).l1(1.0).build();
     * }</pre>
     */
    public static final class Builder {
        private final int dimension;
        private Loss loss = Loss.squared();
        private Step step = Step.of(DEFAULT_STEP_WORD);
        private double lr = Double.NaN;
        private double interceptLr = Double.NaN;
        private double powerT = 0.25;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double ftrlBeta = 1.0;
        private double l1;
        private double l2;
        private double clip;
        private boolean average;
        private boolean intercept = true;
        private boolean labelScale = true;

        private Builder(int dimension) {
            if (dimension < 0) {
                throw new IllegalArgumentException("dimension must be >= 0, got " + dimension);
            }
            this.dimension = dimension;
        }

        public Builder loss(Loss v) {
            this.loss = java.util.Objects.requireNonNull(v, "loss");
            return this;
        }

        public Builder step(Step v) {
            this.step = java.util.Objects.requireNonNull(v, "step");
            return this;
        }

        /** The step size (ftrl: alpha); default {@link #defaultRate(Step, Loss.Kind)}. */
        public Builder lr(double v) {
            this.lr = requirePositive("lr", v);
            return this;
        }

        /** The intercept's rate (0 freezes it); default: {@code lr}. */
        public Builder interceptLr(double v) {
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException("intercept_lr must be finite and >= 0, got " + v);
            }
            this.interceptLr = v;
            return this;
        }

        public Builder powerT(double v) {
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException("power_t must be finite and >= 0, got " + v);
            }
            this.powerT = v;
            return this;
        }

        public Builder beta1(double v) {
            this.beta1 = v;
            return this;
        }

        public Builder beta2(double v) {
            this.beta2 = v;
            return this;
        }

        public Builder eps(double v) {
            this.eps = requirePositive("eps", v);
            return this;
        }

        /** FTRL's beta (&gt; 0). */
        public Builder ftrlBeta(double v) {
            this.ftrlBeta = requirePositive("beta", v);
            return this;
        }

        public Builder l1(double v) {
            this.l1 = requireNonNegative("l1", v);
            return this;
        }

        public Builder l2(double v) {
            this.l2 = requireNonNegative("l2", v);
            return this;
        }

        /** Gradient clipping (0 = off). */
        public Builder clip(double v) {
            this.clip = requireNonNegative("clip", v);
            return this;
        }

        public Builder average(boolean v) {
            this.average = v;
            return this;
        }

        /** For step=normalized and a non-logistic loss: scale steps by the running RMS of the label. */
        public Builder labelScale(boolean v) {
            this.labelScale = v;
            return this;
        }

        public Builder intercept(boolean v) {
            this.intercept = v;
            return this;
        }

        public SgdLearner build() {
            return new SgdLearner(finish());
        }

        /** Applies the defaults that depend on other settings and checks the combination. */
        private Builder finish() {
            if (Double.isNaN(lr)) {
                lr = defaultRate(step, loss.kind());
            }
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1)");
            }
            if (!intercept) {
                interceptLr = 0.0;
            }
            return this;
        }

        private static double requirePositive(String name, double v) {
            if (!(v > 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException(name + " must be finite and > 0, got " + v);
            }
            return v;
        }

        private static double requireNonNegative(String name, double v) {
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
            }
            return v;
        }
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
        int w = average ? avg : 0;
        if (step == Step.NORMALIZED) {
            for (int i = 0; i < d; i++) {
                double inv = s[slotB + i];
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
            double w = i == d && !fitIntercept ? 0.0 : m[i];
            if (step == Step.NORMALIZED && i < d) {
                double scale = m[d + 1 + i];
                if (!(scale >= MIN_NORMALIZED_FEATURE && scale < Inputs.MAX_ABS)) {
                    continue;
                }
                s[slotB + i] = 1.0 / scale;
            } else if (step == Step.FTRL) {
                double rate = i == d ? interceptLr : lr;
                double penalty1 = i == d ? 0.0 : l1;
                double penalty2 = i == d ? 0.0 : l2;
                if (rate == 0 || w == 0) {
                    continue;
                }
                s[slotA + i] = clamp(-(w * (ftrlBeta / rate + penalty2) + Math.signum(w) * penalty1), MAX_Z);
                w = ftrlWeight(s[slotA + i], 0.0, rate, penalty1, penalty2);
            }
            s[i] = w;
            if (average) {
                s[avg + i] = w;
            }
        }
    }
}
