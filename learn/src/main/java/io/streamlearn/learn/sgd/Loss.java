package io.streamlearn.learn.sgd;

/**
 * A loss of a linear score {@code p = w·x + b} against a label {@code y}: its value, its derivative
 * {@code dℓ/dp}, the link that turns the score into a prediction, and the closed-form
 * importance-invariant change of the score (Karampatziakis and Langford, "Online Importance Weight
 * Aware Updates", UAI 2011) used by the {@link Step#NORMALIZED normalized} step.
 *
 * <p>The loss is a small separate piece, as {@code SGDObjective} in Tribuo or {@code optim.losses} in
 * River, but a {@code final} class that dispatches on an enum: the hot path sees one monomorphic call
 * site whose switch the JIT folds for a given learner. Immutable and thread-safe.
 *
 * <table>
 *   <caption>Losses (r = p − y)</caption>
 *   <tr><th>kind</th><th>ℓ(p, y)</th><th>dℓ/dp</th><th>prediction</th></tr>
 *   <tr><td>squared</td><td>r²/2</td><td>r</td><td>p</td></tr>
 *   <tr><td>huber(δ)</td><td>r²/2 if |r| ≤ δ, else δ(|r| − δ/2)</td><td>clamp(r, −δ, δ)</td><td>p</td></tr>
 *   <tr><td>logistic</td><td>log(1 + e^p) − y p, y ∈ {0, 1}</td><td>σ(p) − y</td><td>σ(p), a probability</td></tr>
 *   <tr><td>quantile(τ)</td><td>τ(y − p) if y ≥ p, else (1 − τ)(p − y)</td><td>1 − τ if p &gt; y, −τ if p &lt; y, 0 if equal</td><td>p</td></tr>
 * </table>
 *
 * <pre>{@code
 * Loss huber = Loss.huber(1.0);
 * double g = huber.derivative(5.0, 1.0);     // 1.0: the residual 4 is clipped at delta
 * }</pre>
 */
public final class Loss {

    /** The loss families. */
    public enum Kind {
        SQUARED, HUBER, LOGISTIC, QUANTILE;

        /** The SPEC word, e.g. {@code squared}. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Kind kind;
    /** Huber's delta or the quantile's tau; unused by the others. */
    private final double parameter;

    private Loss(Kind kind, double parameter) {
        this.kind = kind;
        this.parameter = parameter;
    }

    /** Squared loss r²/2: least squares. */
    public static Loss squared() {
        return new Loss(Kind.SQUARED, 0.0);
    }

    /** Huber loss: quadratic within {@code delta} of the label, linear beyond. */
    public static Loss huber(double delta) {
        if (!(delta > 0) || !Double.isFinite(delta)) {
            throw new IllegalArgumentException("huber delta must be finite and > 0, got " + delta);
        }
        return new Loss(Kind.HUBER, delta);
    }

    /** Logistic loss for 0/1 labels; predictions are probabilities. */
    public static Loss logistic() {
        return new Loss(Kind.LOGISTIC, 0.0);
    }

    /** Pinball loss; its minimiser is the {@code tau}-quantile of the label, 0 &lt; tau &lt; 1. */
    public static Loss quantile(double tau) {
        if (!(tau > 0 && tau < 1)) {
            throw new IllegalArgumentException("quantile tau must be in (0, 1), got " + tau);
        }
        return new Loss(Kind.QUANTILE, tau);
    }

    public Kind kind() {
        return kind;
    }

    /** Huber's delta or the quantile's tau; 0 for the other losses. */
    public double parameter() {
        return parameter;
    }

    /** The loss value ℓ(p, y). */
    public double value(double score, double label) {
        double r = score - label;
        switch (kind) {
            case SQUARED:
                return 0.5 * r * r;
            case HUBER: {
                double a = Math.abs(r);
                return a <= parameter ? 0.5 * r * r : parameter * (a - 0.5 * parameter);
            }
            case LOGISTIC:
                // log(1 + e^p) - y p, computed without overflow
                return (score > 0 ? score + Math.log1p(Math.exp(-score)) : Math.log1p(Math.exp(score))) - label * score;
            case QUANTILE:
                return r < 0 ? -parameter * r : (1 - parameter) * r;
            default:
                throw new AssertionError(kind);
        }
    }

    /** dℓ/dp at score {@code p}: the per-coordinate gradient is this times {@code x_i}. */
    public double derivative(double score, double label) {
        switch (kind) {
            case SQUARED:
                return score - label;
            case HUBER: {
                double r = score - label;
                return r > parameter ? parameter : (r < -parameter ? -parameter : r);
            }
            case LOGISTIC:
                return sigmoid(score) - label;
            case QUANTILE:
                return score > label ? 1 - parameter : (score < label ? -parameter : 0.0);
            default:
                throw new AssertionError(kind);
        }
    }

    /** The prediction reported for a score: the score itself, or σ(score) for the logistic loss. */
    public double link(double score) {
        return kind == Kind.LOGISTIC ? sigmoid(score) : score;
    }

    /**
     * The change of the score after following the gradient flow {@code dp/dh = −a·ℓ'(p, y)} for unit
     * time, where {@code a = η · (x·diag(rates)·x)} is how far the score moves per unit of
     * {@code −ℓ'}. This is the importance-invariant update of Karampatziakis and Langford (2011, table
     * 1): it never overshoots the label, however large {@code a} is.
     * <ul>
     *   <li>squared: {@code r₁ = r₀ e^{−a}};</li>
     *   <li>huber: linear pull of size {@code aδ} until |r| = δ, then the squared decay for the
     *       remaining time;</li>
     *   <li>logistic (y± = 2y − 1, margin m = y± p): {@code m₁ + e^{m₁} = m₀ + e^{m₀} + a}, solved by
     *       Newton's method (the solution is {@code W(e^C)} in Lambert-W form);</li>
     *   <li>quantile: a pull of {@code a·|ℓ'|}, stopping at the label.</li>
     * </ul>
     *
     * @param a non-negative, finite
     * @return {@code p₁ − p₀}
     */
    public double invariantScoreChange(double score, double label, double a) {
        double r = score - label;
        switch (kind) {
            case SQUARED:
                return r * Expm1.expm1(-a);
            case HUBER: {
                double abs = Math.abs(r);
                double sign = r < 0 ? -1.0 : 1.0;
                if (abs <= parameter) {
                    return r * Expm1.expm1(-a);
                }
                double linearTime = (abs - parameter) / (a * parameter);
                if (linearTime >= 1) {
                    return -sign * a * parameter;
                }
                double end = sign * parameter * Math.exp(-a * (1 - linearTime));
                return end - r;
            }
            case LOGISTIC:
                return logisticChange(score, label, a);
            case QUANTILE: {
                double pull = a * Math.abs(derivative(score, label));
                return r > 0 ? -Math.min(pull, r) : Math.min(pull, -r);
            }
            default:
                throw new AssertionError(kind);
        }
    }

    private static double logisticChange(double score, double label, double a) {
        double y = label > 0.5 ? 1.0 : -1.0;
        double m0 = y * score;
        if (a == 0) {
            return 0.0;
        }
        if (m0 > 30) {
            // sigma(-m0) < 1e-13: the flow barely moves; its first-order solution is exact to 1e-13
            return y * a / (1 + Math.exp(m0));
        }
        double e0 = Math.exp(m0);
        if (a <= 1) {
            // solve f(d) = d + e0 (e^d - 1) - a = 0 for d = m1 - m0 in [0, a]; f is convex and increasing,
            // so Newton from the first linearised step converges monotonically from above
            double d = a / (1 + e0);
            for (int k = 0; k < 50; k++) {
                double f = d + e0 * Expm1.expm1(d) - a;
                double next = d - f / (1 + e0 * Math.exp(d));
                if (!(next < d)) {
                    break;
                }
                d = next;
            }
            return y * d;
        }
        // large a: solve m + e^m = C directly, from the right of the root
        double c = a + m0 + e0;
        double m = c > 1 ? Math.log(c) : c;
        for (int k = 0; k < 200; k++) {
            double em = Math.exp(m);
            double next = m - (m + em - c) / (1 + em);
            if (!(next < m)) {
                break;
            }
            m = next;
        }
        return y * (m - m0);
    }

    /** The logistic function, 1 / (1 + e^{−s}), without overflow. */
    public static double sigmoid(double s) {
        if (s >= 0) {
            return 1.0 / (1.0 + Math.exp(-s));
        }
        double e = Math.exp(s);
        return e / (1.0 + e);
    }

    /** The SPEC fragment of this loss, e.g. {@code loss=huber,delta=1}. */
    String specFragment() {
        switch (kind) {
            case HUBER:
                return "loss=huber,delta=" + SgdLearner.format(parameter);
            case QUANTILE:
                return "loss=quantile,tau=" + SgdLearner.format(parameter);
            default:
                return "loss=" + kind.word();
        }
    }

    @Override
    public String toString() {
        return specFragment();
    }
}
