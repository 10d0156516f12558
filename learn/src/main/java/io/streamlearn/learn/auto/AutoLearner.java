package io.streamlearn.learn.auto;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.NestedState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code auto}: per-key model selection online. Runs a few candidate models on every key and predicts
 * with their exponentially weighted average (the exponentially weighted average forecaster of
 * Cesa-Bianchi and Lugosi, <i>Prediction, Learning, and Games</i>, 2006, sections 2.1 and 3.3), with
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
 * <p>SPEC: {@code auto[:candidates=SPEC|SPEC|...]}, every candidate an ordinary SPEC (memories
 * allowed) for the same features. The default candidates ({@link #DEFAULT_CANDIDATES}) cover the
 * common cases: the standardized Kalman bank, the same with the last label as a feature, with the
 * last 24 labels and the labels one day and one week before ({@code season}, whose lags the key's
 * spacing between timestamps chooses: 24 and 168 for hourly data, 1 and 7 for daily), and the last
 * label itself.
 *
 * <p>State layout: {@code [W, L_0 .. L_{K-1}, candidate 0's state, ..., candidate K-1's state]}; cost
 * per event: every candidate's predict and learn. Layout version 0.
 *
 * <pre>{@code
 * Learner auto = Learners.create("auto", 8);
 * Learner two = Learners.create("auto:candidates=kalman|lags:p=3+rls", 8);
 * }</pre>
 */
public final class AutoLearner implements Learner {

    /** The default candidates, joined by {@code |}. */
    public static final String DEFAULT_CANDIDATES = "kalman|lags:p=1+kalman|lags:p=24+season+kalman|last";
    /** Discount of the squared errors and of the count: a window of about 1,000 labelled events. */
    static final double DISCOUNT = 0.999;

    private final int d;
    private final Learner[] candidates;
    private final NestedState[] nested;
    private final int first;
    private final int size;
    private final double[] fresh;
    private final String spec;
    private final boolean observes;
    private final boolean uncertain;
    /** Per thread: each candidate's mean [0, K) and standard deviation [K, 2K); one prediction. */
    private final ThreadLocal<double[]> scratch;
    /** Per thread: the candidates' weights. */
    private final ThreadLocal<double[]> weightScratch;
    private final ThreadLocal<Prediction> prediction = ThreadLocal.withInitial(Prediction::new);

    /**
     * @param dimension  number of features
     * @param candidates the candidate learners, each for {@code dimension} features
     */
    public AutoLearner(int dimension, List<Learner> candidates) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("auto: needs at least one candidate");
        }
        this.d = dimension;
        this.candidates = candidates.toArray(new Learner[0]);
        int k = this.candidates.length;
        this.first = 1 + k;
        this.nested = new NestedState[k];
        int at = first;
        StringBuilder b = new StringBuilder("auto:candidates=");
        boolean obs = false;
        boolean unc = false;
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
        }
        this.size = at;
        this.spec = b.toString();
        this.observes = obs;
        this.uncertain = unc;
        this.fresh = new double[size];
        for (int i = 0; i < k; i++) {
            double[] v = this.candidates[i].newState().values();
            System.arraycopy(v, 0, fresh, nested[i].offset(), v.length);
        }
        this.scratch = ThreadLocal.withInitial(() -> new double[2 * k]);
        this.weightScratch = ThreadLocal.withInitial(() -> new double[k]);
    }

    /**
     * Factory for the registry: reads {@code candidates} (SPECs joined by {@code |}) and builds each with
     * {@code candidates}, the registry's own {@code create} (passed in, so that this family does not point
     * up at the registry).
     */
    public static Learner fromSpec(ModelSpec.Params params, int dimension,
                                   java.util.function.BiFunction<String, Integer, Learner> candidateFactory) {
        String text = params.string("candidates", DEFAULT_CANDIDATES);
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
        return new AutoLearner(dimension, list);
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

    /** Fills {@code out} with candidate k's mean and standard deviation for x. */
    private void candidate(int k, ModelState state, double[] x, long time, Prediction out) {
        candidates[k].predict(nested[k].load(state, state.updates()), x, time, out);
    }

    /** The candidates' normalised weights into {@code w[0..K)}, from the state's discounted errors. */
    private void weights(double[] v, double[] w) {
        int k = candidates.length;
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            best = Math.min(best, v[1 + i]);
        }
        double count = v[0];
        double eta = best > 0 && count > 0 ? count / (2 * best) : 0.0;
        double total = 0;
        for (int i = 0; i < k; i++) {
            double wi = eta > 0 && eta < Double.POSITIVE_INFINITY ? Math.exp(-eta * (v[1 + i] - best))
                    : v[1 + i] == best ? 1.0 : 0.0;
            w[i] = wi;
            total += wi;
        }
        for (int i = 0; i < k; i++) {
            w[i] /= total;
        }
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        double[] v = state.values();
        int k = candidates.length;
        double[] s = scratch.get();
        Prediction p = prediction.get();
        for (int i = 0; i < k; i++) {
            candidate(i, state, x, time, p);
            s[i] = p.mean();
            s[k + i] = p.stddev();
        }
        double[] w = weightScratch.get();
        weights(v, w);
        double mean = 0;
        for (int i = 0; i < k; i++) {
            mean += w[i] * s[i];
        }
        double var = 0;
        boolean known = v[0] > 0;
        for (int i = 0; i < k; i++) {
            double sd = s[k + i];
            double vi = Double.isFinite(sd) ? sd * sd : known ? v[1 + i] / v[0] : Double.NaN;
            double dev = s[i] - mean;
            var += w[i] * (vi + dev * dev);
        }
        out.set(mean, uncertain ? Math.sqrt(var) : Double.NaN);
    }

    @Override
    public void observe(ModelState state, double[] x, long time) {
        if (!observes) {
            return;
        }
        Inputs.check(x, d);
        for (int i = 0; i < candidates.length; i++) {
            if (candidates[i].observesEvents()) {
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
        for (int i = 0; i < candidates.length; i++) {
            ModelState inner = nested[i].load(state, state.updates());
            candidates[i].predict(inner, x, time, p);
            double e = label - p.mean();
            double e2 = e * e;
            v[1 + i] = DISCOUNT * v[1 + i] + (e2 < Double.POSITIVE_INFINITY ? e2 : Double.MAX_VALUE);
            candidates[i].learn(inner, x, time, label);
            nested[i].store(inner, state);
        }
        v[0] = DISCOUNT * v[0] + 1.0;
        state.recordUpdate(time);
    }

    /**
     * {@code auto.weights} (the candidates' current weights), {@code auto.mse} (each candidate's
     * discounted mean squared error), then each candidate's views prefixed {@code candidate<k>.}; the
     * candidates' SPECs are in {@link #spec()} in the same order.
     */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        double[] v = state.values();
        int k = candidates.length;
        double[] w = new double[k];
        weights(v, w);
        double[] mse = new double[k];
        for (int i = 0; i < k; i++) {
            mse[i] = v[0] > 0 ? v[1 + i] / v[0] : Double.NaN;
        }
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("auto.weights", w);
        m.put("auto.mse", mse);
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
