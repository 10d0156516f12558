package io.streamlearn.learn.sgd;

import io.streamlearn.learn.ModelSpec;

import java.util.Locale;

/**
 * The configuration of an {@link SgdLearner}: loss, step rule and their hyperparameters, read from a
 * SPEC ({@link #fromSpec}) or set with a {@link Builder}, and spelled back out by {@link #text()} so that
 * it parses to the same learner. Immutable; the per-key numbers live in the state (see {@link SgdLayout}).
 * The SPEC's parameters and defaults are listed in the {@link SgdLearner} class Javadoc.
 */
public final class SgdSpec {

    final int d;
    final Loss loss;
    final Step step;
    final double lr;
    final double interceptLr;
    final double powerT;
    final double beta1;
    final double beta2;
    final double eps;
    final double ftrlBeta;
    final double l1;
    final double l2;
    final double clip;
    final boolean average;
    final boolean fitIntercept;
    /** For step=normalized and a non-logistic loss: steps scaled by the running RMS of the label. */
    final boolean labelScale;
    final String text;

    SgdSpec(Builder b) {
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
        this.labelScale = step == Step.NORMALIZED && b.labelScale && loss.kind() != Loss.Kind.LOGISTIC;
        this.text = text();
    }

    /** The cap of a gradient coordinate: {@code clip} when set, else {@link SgdLearner#MAX_GRADIENT}. */
    double gradientCap() {
        return clip > 0 && clip < SgdLearner.MAX_GRADIENT ? clip : SgdLearner.MAX_GRADIENT;
    }

    /**
     * Factory for {@code Learners}: reads the parameters listed in the class Javadoc.
     */
    static SgdLearner fromSpec(ModelSpec.Params p, int dimension) {
        Builder b = new Builder(dimension);
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
        Step step = Step.of(p.choice("step", SgdLearner.DEFAULT_STEP_WORD,
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
     * 0.3, normalized 2 (16 for the logistic loss). See {@link SgdLearner#DEFAULT_STEP_WORD} for the figures.
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

    private String text() {
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
        private Step step = Step.of(SgdLearner.DEFAULT_STEP_WORD);
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

        Builder(int dimension) {
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

        /** The step size (ftrl: alpha); default {@link SgdSpec#defaultRate(Step, Loss.Kind)}. */
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
            return new SgdLearner(new SgdSpec(finish()));
        }

        /** Applies the defaults that depend on other settings and checks the combination. */
        Builder finish() {
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
}
