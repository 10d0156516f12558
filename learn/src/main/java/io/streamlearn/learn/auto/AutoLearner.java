package io.streamlearn.learn.auto;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.NestedState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.Storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code auto}: per-key model selection online. Runs a few candidate models on every key and predicts
 * with their online mixture, in one of two ways that the key's labels choose.
 *
 * <p><b>Numeric labels: the label space.</b> The exponentially weighted average forecaster
 * (Cesa-Bianchi and Lugosi, <i>Prediction, Learning, and Games</i>, 2006, sections 2.1 and 3.3), with
 * weights that follow each candidate's recent squared error:
 * <pre>
 *   L_k = a L_k + (y - f_k)^2,   W = a W + 1          (discounted squared error and count, a = {@value #DISCOUNT})
 *   eta = W / (2 min_k L_k)                           (1 / 2 sigma^2, sigma^2 the best candidate's recent MSE)
 *   w_k = exp(-eta (L_k - min_k L_k)) / sum_j ...     f = sum_k w_k f_k
 * </pre>
 * The weights depend on the squared errors only, never on the candidates' stated uncertainty, so a
 * candidate cannot win weight by predicting wide intervals; they are free of the label's units (eta
 * scales with the inverse squared label). With the learning rate fixed at eta, squared loss is
 * eta-exp-concave for labels within {@code 1/sqrt(8 eta)} of the predictions and the average's total
 * loss is within {@code ln(K) / eta} of the best candidate's (Cesa-Bianchi and Lugosi, theorem 3.2):
 * here eta is tuned to the scale of the errors and the discount makes the comparison one with the
 * best candidate over about the last 1/(1-a) events, so the weights move to another candidate when
 * the key's behaviour changes. The predictive standard deviation is the mixture's (law of total
 * variance), each candidate contributing its own variance, or its recent MSE when it has none.
 *
 * <p><b>0/1 labels: the probability space.</b> While every label the key has learned is exactly 0 or 1,
 * each candidate's mean, clipped to {@code [}{@value #EPS}{@code , 1 - }{@value #EPS}{@code ]}, is its
 * probability {@code p_k} of label 1, and the prediction is the Bayesian mixture (the exponentially
 * weighted average with eta = 1 under log loss; Cesa-Bianchi and Lugosi, sections 3.3 and 9):
 * <pre>
 *   G_k = b G_k - ln p_k(y)                           (discounted log loss, b = {@value #LOG_DISCOUNT})
 *   w_k = exp(-(G_k - min_k G_k)) / sum_j ...         p = sum_k w_k p_k,   stddev = sqrt(p (1 - p))
 * </pre>
 * Log loss is 1-exp-concave, so without the discount ({@code b = 1}) the mixture's total log loss is
 * at most the best candidate's plus {@code ln K}, for every sequence of labels (the mixture is then the
 * Bayesian posterior predictive with a uniform prior on the candidates, and the sum of its log losses
 * telescopes to {@code -ln (1/K) sum_k exp(-L_k)});
 * the discount lets the weights follow a change of the best candidate, as in the label space. A key
 * leaves this mode for good at its first label that is not 0 or 1 (the label-space tallies are kept
 * all along, so nothing is lost); before its first label a key mixes in the label space. The task is
 * found per key, online, from its labels rather than from the SPEC: a learner is built knowing only
 * the number of features, one SPEC serves every key of a topic, and the backtest recognises
 * classification by the same rule (every label 0 or 1).
 *
 * <p>Candidates whose readout has {@code loss=logistic} ({@code sgd}, {@code kalman}) model the
 * probability of label 1 and are defined for labels in [0, 1] only: they take part only while the
 * key's labels are all 0/1, and are neither run nor learned once it has left that mode (unless every
 * candidate is one).
 *
 * <p>SPEC: {@code auto[:candidates=SPEC|SPEC|...]}, every candidate an ordinary SPEC (memories
 * allowed) for the same features. The default candidates ({@link #DEFAULT_CANDIDATES}) cover the
 * common cases: the standardized Kalman bank; the same with the last label as a feature; with the
 * last 24 labels and the key's average label at each hour of the week ({@code profile}: 168 bins by
 * event time, so hourly data gets its hour-of-week profile and daily data its day-of-week one); the
 * last label itself; and, for 0/1 labels, logistic regression with the last label.
 *
 * <p>State layout 1: {@code [W, L_0 .. L_{K-1}, G_0 .. G_{K-1}, binary, candidate 0's state, ...,
 * candidate K-1's state]} ({@code binary} is 1 while every label is 0/1). Layout 0 (before the
 * probability space) had no {@code G} and no flag; its keys are read with {@code binary = 0} and keep
 * mixing in the label space. Each candidate's slice is stored as the candidate stores it (compact
 * floats for the Kalman family). Cost per event: every active candidate's predict and learn.
 *
 * <pre>{@code
 * Learner auto = Learners.create("auto", 8);
 * Learner two = Learners.create("auto:candidates=kalman|lags:p=3+rls", 8);
 * }</pre>
 */
public final class AutoLearner implements Learner {

    /** The default candidates, joined by {@code |}. */
    public static final String DEFAULT_CANDIDATES =
            "kalman:bank=0/1e-2/1e-1,shape=0.03|lags:p=1+kalman|lags:p=24+profile+kalman|last|lags:p=1+sgd:loss=logistic";
    /**
     * The default candidates of the earlier release, whose stored states {@code auto} adopts
     * ({@link #predecessor()}): the first candidate was the isotropic {@code kalman}, now the bank with
     * a learned drift per weight (issue #13; bench/results/real-data.md).
     */
    static final String EARLIER_DEFAULT_CANDIDATES =
            "kalman|lags:p=1+kalman|lags:p=24+profile+kalman|last|lags:p=1+sgd:loss=logistic";
    /** Discount of the squared errors and of the count: a window of about 1,000 labelled events. */
    static final double DISCOUNT = 0.999;
    /** Discount of the log losses (0/1 labels). */
    static final double LOG_DISCOUNT = 0.999;
    /** A candidate's probability of label 1 is its mean clipped to [EPS, 1 - EPS]: at most 6.9 log loss per event. */
    static final double EPS = 1e-3;
    /** The state layout: 1 added the log losses and the 0/1 flag. */
    static final int LAYOUT = 1;

    private final int d;
    private final Learner[] candidates;
    /** Whether candidate k models a probability ({@code loss=logistic}): run only for 0/1 labels. */
    private final boolean[] classifier;
    /** Whether some candidate is not a classifier: then classifiers sit out numeric keys. */
    private final boolean mixed;
    private final double discount;
    private final double logDiscount;
    private final NestedState[] nested;
    private final int first;
    private final int size;
    private final double[] fresh;
    private final String spec;
    private final boolean observes;
    private final boolean uncertain;
    private final Storage storage;
    /** Per thread: each candidate's mean [0, K) and standard deviation [K, 2K); one prediction. */
    private final ThreadLocal<double[]> scratch;
    /** Per thread: the candidates' weights. */
    private final ThreadLocal<double[]> weightScratch;
    private final ThreadLocal<Prediction> prediction = ThreadLocal.withInitial(Prediction::new);
    /** The mixture of the candidates' predecessors, or null when no candidate has one. */
    private final AutoLearner former;

    /**
     * @param dimension  number of features
     * @param candidates the candidate learners, each for {@code dimension} features
     */
    public AutoLearner(int dimension, List<Learner> candidates) {
        this(dimension, candidates, DISCOUNT, LOG_DISCOUNT);
    }

    /**
     * With other discounts (tests: {@code logDiscount = 1} is the plain Bayesian mixture).
     *
     * @param discount    discount of the squared errors, in (0, 1]
     * @param logDiscount discount of the log losses, in (0, 1]
     */
    AutoLearner(int dimension, List<Learner> candidates, double discount, double logDiscount) {
        this(dimension, candidates, discount, logDiscount, null);
    }

    /** @param earlier the mixture this one succeeds ({@link #predecessor()}), or null for the candidates' own */
    private AutoLearner(int dimension, List<Learner> candidates, double discount, double logDiscount, AutoLearner earlier) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("auto: needs at least one candidate");
        }
        if (!(discount > 0 && discount <= 1 && logDiscount > 0 && logDiscount <= 1)) {
            throw new IllegalArgumentException("auto: discounts must be in (0, 1]");
        }
        this.d = dimension;
        this.discount = discount;
        this.logDiscount = logDiscount;
        this.candidates = candidates.toArray(new Learner[0]);
        int k = this.candidates.length;
        this.first = 2 + 2 * k;
        this.nested = new NestedState[k];
        this.classifier = new boolean[k];
        int at = first;
        StringBuilder b = new StringBuilder("auto:candidates=");
        boolean obs = false;
        boolean unc = false;
        boolean numeric = false;
        for (int i = 0; i < k; i++) {
            Learner c = this.candidates[i];
            if (c.dimension() != dimension) {
                throw new IllegalArgumentException("auto: candidate '" + c.spec() + "' has another dimension");
            }
            nested[i] = new NestedState(c, at);
            at += nested[i].size();
            b.append(i == 0 ? "" : "|").append(c.spec());
            obs |= c.observesEvents();
            unc |= c.hasUncertainty();
            classifier[i] = "logistic".equals(ModelSpec.parse(c.spec()).readout().params().get("loss"));
            numeric |= !classifier[i];
        }
        this.mixed = numeric;
        this.size = at;
        this.spec = b.toString();
        this.observes = obs;
        this.uncertain = unc;
        this.fresh = new double[size];
        fresh[1 + 2 * k] = 1.0;     // every label so far is 0/1 (there is none yet)
        for (int i = 0; i < k; i++) {
            double[] v = this.candidates[i].newState().values();
            System.arraycopy(v, 0, fresh, nested[i].offset(), v.length);
        }
        Storage.Builder st = Storage.builder().doubles(first);
        boolean described = true;
        for (Learner c : this.candidates) {
            Storage cs = c.storage();
            described &= cs != null;
            if (cs != null) {
                st.then(cs);
            }
        }
        this.storage = described ? st.build() : Storage.doubles(size);
        this.scratch = ThreadLocal.withInitial(() -> new double[2 * k]);
        this.weightScratch = ThreadLocal.withInitial(() -> new double[k]);
        if (earlier != null) {
            this.former = earlier.spec.equals(spec) ? null : earlier;
        } else {
            List<Learner> before = new ArrayList<>();
            boolean changed = false;
            for (Learner c : this.candidates) {
                changed |= c.predecessor() != null;
                before.add(c.predecessor() != null ? c.predecessor() : c);
            }
            this.former = changed ? new AutoLearner(dimension, before, discount, logDiscount, null) : null;
        }
    }

    /**
     * The mixture this one succeeds: for the default candidates, those of the earlier release
     * ({@link #EARLIER_DEFAULT_CANDIDATES}); otherwise the mixture of the candidates'
     * {@link Learner#predecessor() predecessors} when some candidate has one; else null.
     */
    @Override
    public Learner predecessor() {
        return former;
    }

    /**
     * A state of a mixture of as many candidates: the header (losses, count, flag) carries over; a
     * candidate with the same SPEC keeps its slice as it was, another adopts the earlier candidate's
     * slice ({@code kalman} → {@code kalman:bank=0/1e-2/1e-1,shape=0.03}: each member its weights,
     * covariance and noise level).
     */
    @Override
    public boolean adopt(Learner earlier, double[] old, int from, double[] into, int at) {
        if (!(earlier instanceof AutoLearner a) || a.candidates.length != candidates.length || a.d != d) {
            return false;
        }
        System.arraycopy(old, from, into, at, first);
        for (int i = 0; i < candidates.length; i++) {
            int was = from + a.nested[i].offset();
            int now = at + nested[i].offset();
            if (a.candidates[i].spec().equals(candidates[i].spec())) {
                System.arraycopy(old, was, into, now, nested[i].size());
            } else if (!candidates[i].adopt(a.candidates[i], old, was, into, now)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Factory for the registry: reads {@code candidates} (SPECs joined by {@code |}) and builds each with
     * {@code candidates}, the registry's own {@code create} (passed in, so that this family does not point
     * up at the registry).
     */
    public static Learner fromSpec(ModelSpec.Params params, int dimension,
                                   java.util.function.BiFunction<String, Integer, Learner> candidateFactory) {
        boolean defaults = !params.has("candidates");
        String text = params.string("candidates", DEFAULT_CANDIDATES);
        List<Learner> list = candidates(text, dimension, candidateFactory);
        AutoLearner earlier = defaults
                ? new AutoLearner(dimension, candidates(EARLIER_DEFAULT_CANDIDATES, dimension, candidateFactory), DISCOUNT,
                        LOG_DISCOUNT, null)
                : null;
        return new AutoLearner(dimension, list, DISCOUNT, LOG_DISCOUNT, earlier);
    }

    private static List<Learner> candidates(String text, int dimension,
                                            java.util.function.BiFunction<String, Integer, Learner> candidateFactory) {
        List<Learner> list = new ArrayList<>();
        for (String s : text.split("\\|")) {
            if (s.isBlank()) {
                throw new IllegalArgumentException("auto: empty candidate in '" + text + "'");
            }
            if (s.trim().startsWith("auto")) {
                throw new IllegalArgumentException("auto: a candidate cannot itself be auto");
            }
            list.add(candidateFactory.apply(s.trim(), dimension));
        }
        return list;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public int dimension() {
        return d;
    }

    @Override
    public boolean hasUncertainty() {
        return uncertain;
    }

    @Override
    public boolean observesEvents() {
        return observes;
    }

    @Override
    public ModelState newState() {
        ModelState s = new ModelState(size);
        System.arraycopy(fresh, 0, s.values(), 0, size);
        return s;
    }

    @Override
    public int layout() {
        return LAYOUT;
    }

    /** The number of values of layout 0: the header had no log losses and no flag. */
    private int sizeOfLayout0() {
        return size - 1 - candidates.length;
    }

    @Override
    public int unversionedLayout(int length) {
        return length == sizeOfLayout0() ? 0 : length == size ? LAYOUT : -1;
    }

    /**
     * Layout 0 ({@code [W, L_0 .. L_{K-1}, candidates' states]}): the candidates' states and the squared
     * errors as they were, no log losses, and the key mixing in the label space ({@code binary = 0}), as
     * it did.
     */
    @Override
    public boolean migrate(int layout, double[] stored, int from, int length, double[] into, int at) {
        int k = candidates.length;
        if (layout != 0 || length != sizeOfLayout0()) {
            return false;
        }
        System.arraycopy(stored, from, into, at, 1 + k);
        Arrays.fill(into, at + 1 + k, at + first, 0.0);
        System.arraycopy(stored, from + 1 + k, into, at + first, size - first);
        return true;
    }

    /** The header in doubles, then each candidate's slice as that candidate stores it. */
    @Override
    public Storage storage(int layout) {
        return layout == LAYOUT ? storage : layout == 0 ? Storage.doubles(sizeOfLayout0()) : null;
    }

    /** Whether the key is mixed in probability space: it has labels, all of them 0 or 1. */
    private boolean classifying(double[] v) {
        return v[0] > 0 && v[1 + 2 * candidates.length] == 1.0;
    }

    /** Whether candidate i takes part for a key in the label space. */
    private boolean numeric(int i) {
        return !classifier[i] || !mixed;
    }

    /**
     * The candidates' normalised weights into {@code w[0..K)}, from the state's discounted squared
     * errors (label space; classifiers get 0 when other candidates exist).
     */
    private void weights(double[] v, double[] w) {
        int k = candidates.length;
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            if (numeric(i)) {
                best = Math.min(best, v[1 + i]);
            }
        }
        double count = v[0];
        double eta = best > 0 && count > 0 ? count / (2 * best) : 0.0;
        double total = 0;
        for (int i = 0; i < k; i++) {
            double wi = !numeric(i) ? 0.0
                    : eta > 0 && eta < Double.POSITIVE_INFINITY ? Math.exp(-eta * (v[1 + i] - best))
                    : v[1 + i] == best ? 1.0 : 0.0;
            w[i] = wi;
            total += wi;
        }
        for (int i = 0; i < k; i++) {
            w[i] /= total;
        }
    }

    /** The candidates' normalised weights from their discounted log losses (0/1 labels). */
    private void logWeights(double[] v, double[] w) {
        int k = candidates.length;
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            best = Math.min(best, v[1 + k + i]);
        }
        double total = 0;
        for (int i = 0; i < k; i++) {
            w[i] = Math.exp(best - v[1 + k + i]);
            total += w[i];
        }
        for (int i = 0; i < k; i++) {
            w[i] /= total;
        }
    }

    /** A candidate's mean as its probability of label 1: clipped to [EPS, 1 - EPS]; NaN gives 1/2. */
    static double probability(double mean) {
        return mean >= EPS ? Math.min(mean, 1 - EPS) : mean < EPS ? EPS : 0.5;
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        double[] v = state.values();
        int k = candidates.length;
        boolean classifying = classifying(v);
        double[] s = scratch.get();
        Prediction p = prediction.get();
        for (int i = 0; i < k; i++) {
            if (classifying || numeric(i)) {
                candidate(i, state, x, time, p);
                s[i] = p.mean();
                s[k + i] = p.stddev();
            }
        }
        double[] w = weightScratch.get();
        if (classifying) {
            logWeights(v, w);
            double pr = 0;
            for (int i = 0; i < k; i++) {
                pr += w[i] * probability(s[i]);
            }
            out.set(pr, uncertain ? Math.sqrt(pr * (1 - pr)) : Double.NaN);
            return;
        }
        weights(v, w);
        double mean = 0;
        for (int i = 0; i < k; i++) {
            if (w[i] > 0) {
                mean += w[i] * s[i];
            }
        }
        double var = 0;
        boolean known = v[0] > 0;
        for (int i = 0; i < k; i++) {
            if (w[i] > 0) {
                double sd = s[k + i];
                double vi = Double.isFinite(sd) ? sd * sd : known ? v[1 + i] / v[0] : Double.NaN;
                double dev = s[i] - mean;
                var += w[i] * (vi + dev * dev);
            }
        }
        out.set(mean, uncertain ? Math.sqrt(var) : Double.NaN);
    }

    /** Fills {@code out} with candidate k's mean and standard deviation for x. */
    private void candidate(int k, ModelState state, double[] x, long time, Prediction out) {
        candidates[k].predict(nested[k].load(state, state.updates()), x, time, out);
    }

    @Override
    public void observe(ModelState state, double[] x, long time) {
        if (!observes) {
            return;
        }
        Inputs.check(x, d);
        boolean binary = state.values()[1 + 2 * candidates.length] == 1.0;
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i].observesEvents() && (binary || numeric(i))) {
                ModelState inner = nested[i].load(state, state.updates());
                candidates[i].observe(inner, x, time);
                nested[i].store(inner, state);
            }
        }
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        double[] v = state.values();
        Prediction p = prediction.get();
        int k = candidates.length;
        boolean binary = v[1 + 2 * k] == 1.0 && (label == 0.0 || label == 1.0);
        v[1 + 2 * k] = binary ? 1.0 : 0.0;
        for (int i = 0; i < k; i++) {
            if (!binary && !numeric(i)) {
                continue;
            }
            ModelState inner = nested[i].load(state, state.updates());
            candidates[i].predict(inner, x, time, p);
            double e = label - p.mean();
            double sum = discount * v[1 + i] + e * e;
            v[1 + i] = sum < Double.MAX_VALUE ? sum : Double.MAX_VALUE;     // an overflow or NaN counts as the largest
            if (binary) {
                double pr = probability(p.mean());
                v[1 + k + i] = logDiscount * v[1 + k + i] - Math.log(label == 1.0 ? pr : 1 - pr);
            }
            candidates[i].learn(inner, x, time, label);
            nested[i].store(inner, state);
        }
        v[0] = discount * v[0] + 1.0;
        state.recordUpdate(time);
    }

    /**
     * {@code auto.weights} (the candidates' current weights), {@code auto.task} (1 while the key's labels
     * are all 0/1 and it mixes probabilities, else 0), {@code auto.mse} (each candidate's discounted mean
     * squared error), {@code auto.logLoss} (each candidate's discounted mean log loss, NaN once the key
     * has left the 0/1 mode), {@code auto.stateBytes} (each candidate's share of the key's state, in
     * bytes as stored: 8 per double, 4 per float, a count as 8 at most), then each candidate's views
     * prefixed {@code candidate<k>.}; the candidates' SPECs are in {@link #spec()} in the same order.
     */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        double[] v = state.values();
        int k = candidates.length;
        boolean classifying = classifying(v);
        double[] w = new double[k];
        if (classifying) {
            logWeights(v, w);
        } else {
            weights(v, w);
        }
        double[] mse = new double[k];
        double[] logLoss = new double[k];
        double[] bytes = new double[k];
        boolean binary = v[1 + 2 * k] == 1.0;
        long n = state.updates();
        double logCount = logDiscount == 1.0 ? n : (1 - Math.pow(logDiscount, n)) / (1 - logDiscount);
        for (int i = 0; i < k; i++) {
            mse[i] = v[0] > 0 ? v[1 + i] / v[0] : Double.NaN;
            logLoss[i] = v[0] > 0 && binary ? v[1 + k + i] / logCount : Double.NaN;
            Storage st = candidates[i].storage();
            double b = 0;
            for (int j = 0; j < nested[i].size(); j++) {
                b += st == null || st.kind(j) == Storage.DOUBLE || st.kind(j) == Storage.COUNT ? 8 : 4;
            }
            bytes[i] = b;
        }
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("auto.weights", w);
        m.put("auto.task", new double[] {classifying ? 1.0 : 0.0});
        m.put("auto.mse", mse);
        m.put("auto.logLoss", logLoss);
        m.put("auto.stateBytes", bytes);
        for (int i = 0; i < k; i++) {
            ModelState inner = nested[i].load(state, state.updates()).copy();
            for (Map.Entry<String, double[]> e : candidates[i].inspect(inner).entrySet()) {
                m.put("candidate" + i + "." + e.getKey(), e.getValue());
            }
        }
        return m;
    }

    /** The candidates, in SPEC order. */
    public List<Learner> candidates() {
        return Arrays.asList(candidates.clone());
    }
}
