package io.streamlearn.learn.auto;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutoLearnerTest {

    @Nested
    class DefaultCandidates extends LearnerContractTest {
        @Override
        protected String spec() {
            return "auto";
        }

        @Override
        protected int stressUpdates() {
            return 20_000;
        }
    }

    @Nested
    class GivenCandidates extends LearnerContractTest {
        @Override
        protected String spec() {
            return "auto:candidates=sgd|lags:p=2+rls|mean";
        }
    }

    /** Squared-error totals of a prequential run: [auto, candidate 0, candidate 1, ...]. */
    private static double[] run(String spec, int events, java.util.function.BiFunction<Integer, double[], Double> label) {
        AutoLearner auto = (AutoLearner) Learners.create(spec, 2);
        Learner[] alone = auto.candidates().stream().map(c -> Learners.create(c.spec(), 2)).toArray(Learner[]::new);
        ModelState s = auto.newState();
        ModelState[] states = new ModelState[alone.length];
        for (int k = 0; k < alone.length; k++) {
            states[k] = alone[k].newState();
        }
        double[] sse = new double[1 + alone.length];
        SplittableRandom r = new SplittableRandom(3);
        Prediction p = new Prediction();
        for (int t = 0; t < events; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            double y = label.apply(t, x) + 0.5 * r.nextGaussian();
            auto.predict(s, x, t, p);
            sse[0] += (y - p.mean()) * (y - p.mean());
            auto.learn(s, x, t, y);
            for (int k = 0; k < alone.length; k++) {
                alone[k].predict(states[k], x, t, p);
                sse[1 + k] += (y - p.mean()) * (y - p.mean());
                alone[k].learn(states[k], x, t, y);
            }
        }
        return sse;
    }

    @Test
    void shouldPredictLikeItsBestCandidateWhicheverThatIs() {
        // features matter: the regression wins; a random walk level: last wins
        double[] linear = run("auto:candidates=kalman|last|mean", 3000, (t, x) -> 3 * x[0] - x[1]);
        double[] level = run("auto:candidates=kalman|last|mean", 3000, (t, x) -> 50 * Math.sin(t / 200.0) + 0.1 * x[0]);
        for (double[] sse : new double[][] {linear, level}) {
            double best = Math.min(sse[1], Math.min(sse[2], sse[3]));
            assertTrue(sse[0] <= 1.05 * best, "auto " + sse[0] + " vs best candidate " + best);
        }
        assertTrue(linear[1] < linear[2] && level[2] < level[1], "the best candidate differs between the two streams");
    }

    @Test
    void shouldShowTheCandidatesWeightsAndErrors() {
        Learner auto = Learners.create("auto:candidates=kalman|mean", 2);
        ModelState s = auto.newState();
        SplittableRandom r = new SplittableRandom(4);
        for (int t = 0; t < 500; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            auto.learn(s, x, t, 2 * x[0] + 0.1 * r.nextGaussian());
        }
        double[] w = auto.inspect(s).get("auto.weights");
        assertEquals(2, w.length);
        assertEquals(1.0, w[0] + w[1], 1e-12);
        assertTrue(w[0] > 0.99, "the regression has all the weight: " + w[0]);
        double[] mse = auto.inspect(s).get("auto.mse");
        assertTrue(mse[0] < 0.1 && mse[1] > 1, mse[0] + " " + mse[1]);
        assertTrue(auto.inspect(s).containsKey("candidate0.weights"));
    }

    @Test
    void shouldParseCandidatesWithMemoriesAndRefuseBadOnes() {
        Learner auto = Learners.create("auto:candidates=lags:p=2+kalman:bank=0/0.01|last", 3);
        assertEquals(auto.spec(), Learners.create(auto.spec(), 3).spec(), "the canonical spec parses back");
        assertThrows(IllegalArgumentException.class, () -> Learners.create("auto:candidates=", 3));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("auto:candidates=kalman||last", 3));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("auto:candidates=auto", 3));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("auto:other=1", 3));
    }

    /** A stream of events: features, time, label; the label may depend on the mixture's last prediction. */
    private interface Stream {
        double label(int t, double[] x, double lastPrediction, SplittableRandom r);
    }

    /**
     * Runs {@code auto} (built with the given discounts) and each of its candidates alone on the same
     * stream; returns per event: [auto's prediction, each candidate's prediction, label].
     */
    private static double[][] trace(String candidates, double discount, double logDiscount, int events, Stream stream) {
        List<Learner> list = Arrays.stream(candidates.split("\\|")).map(c -> Learners.create(c, 2)).toList();
        AutoLearner auto = new AutoLearner(2, list, discount, logDiscount);
        Learner[] alone = list.stream().map(c -> Learners.create(c.spec(), 2)).toArray(Learner[]::new);
        ModelState s = auto.newState();
        ModelState[] states = Arrays.stream(alone).map(Learner::newState).toArray(ModelState[]::new);
        SplittableRandom r = new SplittableRandom(11);
        Prediction p = new Prediction();
        double[][] out = new double[events][];
        double last = 0.5;
        for (int t = 0; t < events; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            double[] row = new double[alone.length + 2];
            auto.predict(s, x, t * 1000L, p);
            row[0] = p.mean();
            for (int k = 0; k < alone.length; k++) {
                alone[k].predict(states[k], x, t * 1000L, p);
                row[1 + k] = p.mean();
            }
            double y = stream.label(t, x, row[0], r);
            row[alone.length + 1] = y;
            auto.learn(s, x, t * 1000L, y);
            for (int k = 0; k < alone.length; k++) {
                if (y == 0.0 || y == 1.0 || !alone[k].spec().contains("loss=logistic")) {
                    alone[k].learn(states[k], x, t * 1000L, y);
                }
            }
            out[t] = row;
            last = row[0];
        }
        return out;
    }

    private static double clip(double m) {
        double eps = AutoLearner.EPS;
        return Double.isNaN(m) ? 0.5 : Math.max(eps, Math.min(1 - eps, m));
    }

    private static double logLoss(double p, double y) {
        return -Math.log(y == 1.0 ? p : 1 - p);
    }

    /**
     * The reference for 0/1 labels, written from the definition rather than the recursion: the weight of
     * candidate k before event t is proportional to {@code exp(-sum_{s<t} b^(t-1-s) loss_k(s))}, and the
     * prediction is the weighted average of the candidates' clipped probabilities.
     */
    private static double[] bayesReference(double[][] rows, double b) {
        int k = rows[0].length - 2;
        double[] p = new double[rows.length];
        for (int t = 0; t < rows.length; t++) {
            if (t == 0) {
                p[t] = Double.NaN;                   // no label yet: the label space (another test)
                continue;
            }
            double[] g = new double[k];
            for (int j = 0; j < k; j++) {
                for (int u = 0; u < t; u++) {
                    g[j] += Math.pow(b, t - 1 - u) * logLoss(clip(rows[u][1 + j]), rows[u][k + 1]);
                }
            }
            double min = Arrays.stream(g).min().orElseThrow();
            double num = 0;
            double den = 0;
            for (int j = 0; j < k; j++) {
                double w = Math.exp(min - g[j]);
                num += w * clip(rows[t][1 + j]);
                den += w;
            }
            p[t] = num / den;
        }
        return p;
    }

    private static final Stream LOGISTIC = (t, x, last, r) -> r.nextDouble() < 1 / (1 + Math.exp(-(2 * x[0] - x[1]))) ? 1.0 : 0.0;
    /** The first half follows x0, the second half the opposite of x1: the best candidate changes. */
    private static final Stream SWITCHING = (t, x, last, r) -> (t < 1000 ? x[0] > 0 : x[1] < 0) == (r.nextDouble() < 0.9) ? 1.0 : 0.0;
    /** An adaptive adversary: the label the mixture found less likely, always. */
    private static final Stream ADVERSARY = (t, x, last, r) -> last < 0.5 ? 1.0 : 0.0;

    @Test
    void shouldMixProbabilitiesAsTheBayesianMixtureWithRegretAtMostLnK() {
        String candidates = "lags:p=1+sgd:loss=logistic|kalman|last|mean";
        for (Stream stream : new Stream[] {LOGISTIC, SWITCHING, ADVERSARY}) {
            double[][] rows = trace(candidates, AutoLearner.DISCOUNT, 1.0, 1500, stream);
            double[] reference = bayesReference(rows, 1.0);
            int k = rows[0].length - 2;
            double mixture = 0;
            double[] alone = new double[k];
            for (int t = 0; t < rows.length; t++) {
                double y = rows[t][k + 1];
                if (t > 0) {
                    assertEquals(reference[t], rows[t][0], 1e-9, "event " + t);
                    mixture += logLoss(rows[t][0], y);
                }
                for (int j = 0; j < k; j++) {
                    alone[j] += logLoss(clip(rows[t][1 + j]), y);
                }
            }
            // from event 1 on (event 0 is predicted before any label, in the label space) the mixture's
            // loss is -ln sum_k exp(-L_k(0..T)) + ln sum_k exp(-loss_k(0)) <= min_k L_k(0..T) + ln K
            double best = Arrays.stream(alone).min().orElseThrow();
            assertTrue(mixture <= best + Math.log(k) + 1e-9,
                    "log loss " + mixture + " vs best candidate " + best + " + ln K " + Math.log(k));
        }
    }

    @Test
    void shouldFollowTheDiscountedReferenceAndTheBestCandidateAfterAChange() {
        double[][] rows = trace("lags:p=1+sgd:loss=logistic|kalman|last|mean", AutoLearner.DISCOUNT, AutoLearner.LOG_DISCOUNT,
                2000, SWITCHING);
        double[] reference = bayesReference(rows, AutoLearner.LOG_DISCOUNT);
        for (int t = 1; t < rows.length; t++) {
            assertEquals(reference[t], rows[t][0], 1e-9, "event " + t);
        }
        // in each half, within ln K of the best candidate's loss over that half (plus the change's cost)
        int k = rows[0].length - 2;
        double mixture = 0;
        double[] alone = new double[k];
        for (int t = 1000; t < 2000; t++) {
            mixture += logLoss(rows[t][0], rows[t][k + 1]);
            for (int j = 0; j < k; j++) {
                alone[j] += logLoss(clip(rows[t][1 + j]), rows[t][k + 1]);
            }
        }
        double best = Arrays.stream(alone).min().orElseThrow();
        assertTrue(mixture <= best + 20, "second half: " + mixture + " vs best candidate " + best);
    }

    /** The label-space reference from the definition: discounted sums written out, eta = W / (2 min L). */
    private static double[] squaredReference(double[][] rows, double a) {
        int k = rows[0].length - 2;
        double[] f = new double[rows.length];
        for (int t = 0; t < rows.length; t++) {
            double[] l = new double[k];
            double w = 0;
            for (int u = 0; u < t; u++) {
                double d = Math.pow(a, t - 1 - u);
                w += d;
                for (int j = 0; j < k; j++) {
                    double e = rows[u][k + 1] - rows[u][1 + j];
                    l[j] += d * e * e;
                }
            }
            double min = Arrays.stream(l).min().orElseThrow();
            double eta = t == 0 ? 0 : w / (2 * min);
            double num = 0;
            double den = 0;
            for (int j = 0; j < k; j++) {
                double weight = t == 0 ? 1 : Math.exp(-eta * (l[j] - min));
                num += weight * rows[t][1 + j];
                den += weight;
            }
            f[t] = num / den;
        }
        return f;
    }

    @Test
    void shouldMixNumericLabelsAsTheExponentiallyWeightedAverageWithoutClassifiers() {
        Stream level = (t, x, last, r) -> 20 * Math.sin(t / 150.0) + (t > 600 ? 3 * x[0] : 0) + 0.5 * r.nextGaussian();
        double[][] rows = trace("kalman|last|mean", AutoLearner.DISCOUNT, AutoLearner.LOG_DISCOUNT, 1200, level);
        double[] reference = squaredReference(rows, AutoLearner.DISCOUNT);
        for (int t = 0; t < rows.length; t++) {
            assertEquals(reference[t], rows[t][0], 1e-9 * (1 + Math.abs(reference[t])), "event " + t);
        }
        // a classifier among the candidates sits out a numeric key: the same predictions
        double[][] with = trace("kalman|last|mean|sgd:loss=logistic", AutoLearner.DISCOUNT, AutoLearner.LOG_DISCOUNT, 1200, level);
        for (int t = 1; t < rows.length; t++) {
            assertEquals(rows[t][0], with[t][0], 0.0, "event " + t);
        }
    }

    /** The weights are free of the label's units; the candidates (the standardized kalman) to about 1e-6. */
    @Test
    void shouldGiveTheSamePredictionsInOtherUnitsOfTheLabel() {
        Learner auto = Learners.create("auto:candidates=kalman|lags:p=2+rls|last|mean", 2);
        for (double c : new double[] {1e-3, 1e3, -7.3}) {
            ModelState a = auto.newState();
            ModelState b = auto.newState();
            SplittableRandom r = new SplittableRandom(8);
            Prediction pa = new Prediction();
            Prediction pb = new Prediction();
            for (int t = 0; t < 800; t++) {
                double[] x = {r.nextGaussian(), r.nextGaussian()};
                double y = 5 + 2 * x[0] + 10 * Math.sin(t / 40.0) + r.nextGaussian();
                auto.predict(a, x, t * 1000L, pa);
                auto.predict(b, x, t * 1000L, pb);
                assertEquals(c * pa.mean(), pb.mean(), 1e-5 * (1 + Math.abs(c * pa.mean())), "mean, labels times " + c + ", event " + t);
                if (t > 0) {                          // before the first label: no stddev (NaN)
                    assertEquals(Math.abs(c) * pa.stddev(), pb.stddev(), 1e-5 * (1 + Math.abs(c * pa.stddev())), "stddev, event " + t);
                }
                auto.learn(a, x, t * 1000L, y);
                auto.learn(b, x, t * 1000L, c * y);
            }
        }
    }

    @Test
    void shouldLeaveTheProbabilitySpaceForGoodAtTheFirstLabelThatIsNot0Or1() {
        AutoLearner auto = (AutoLearner) Learners.create("auto", 2);
        ModelState s = auto.newState();
        SplittableRandom r = new SplittableRandom(9);
        Prediction p = new Prediction();
        for (int t = 0; t < 300; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            auto.predict(s, x, t * 3_600_000L, p);
            if (t > 0) {
                assertTrue(p.mean() >= AutoLearner.EPS - 1e-12 && p.mean() <= 1 - AutoLearner.EPS + 1e-12, "a probability: " + p.mean());
                assertEquals(Math.sqrt(p.mean() * (1 - p.mean())), p.stddev(), 1e-12);
            }
            auto.learn(s, x, t * 3_600_000L, x[0] > 0 ? 1.0 : 0.0);
        }
        assertEquals(1.0, auto.inspect(s).get("auto.task")[0]);
        assertTrue(auto.inspect(s).get("auto.weights")[4] > 0.5, "the logistic candidate leads: "
                + Arrays.toString(auto.inspect(s).get("auto.weights")));
        int logistic = auto.candidates().size() - 1;
        double[] before = auto.inspect(s).get("candidate" + logistic + ".readout.weights");
        auto.learn(s, new double[] {1, 1}, 300 * 3_600_000L, 2.5);
        for (int t = 301; t < 400; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            auto.learn(s, x, t * 3_600_000L, x[0] > 0 ? 1.0 : 0.0);
        }
        assertEquals(0.0, auto.inspect(s).get("auto.task")[0], "numeric for good");
        assertEquals(0.0, auto.inspect(s).get("auto.weights")[logistic], 0.0, "the classifier sits out");
        assertArrayEquals(before, auto.inspect(s).get("candidate" + logistic + ".readout.weights"), "and is not learned");
        assertTrue(Double.isNaN(auto.inspect(s).get("auto.logLoss")[0]));
    }

    @Test
    void shouldStayFiniteOnHostileLabels() {
        Learner auto = Learners.create("auto", 3);
        double[][] streams = {
            {0, 1, 0, 1, 1e150, -1e150, 1e150, 0, 1},
            {5, 5, 5, 5, 5, 5, 5, 5, 5},               // no error at all: every weight from a zero loss
            {1e-300, -1e-300, 0, 1e-300, 3e-301, 0, 0, 1, 0},
            {1, 1, 1, 1, 1, 1, 0, 0, 0},               // 0/1, each candidate certain and wrong in turn
            {1e12, -1e12, 1e12, -1e12, 1, 0, 1e140, -1e140, 7},
        };
        for (double[] labels : streams) {
            ModelState s = auto.newState();
            Prediction p = new Prediction();
            for (int rep = 0; rep < 60; rep++) {
                for (int i = 0; i < labels.length; i++) {
                    long t = (rep * labels.length + i) * 3_600_000L;
                    double[] x = {i, rep % 2 == 0 ? 1e6 : -1e6, 1e-9 * i};
                    auto.predict(s, x, t, p);
                    assertFalse(Double.isNaN(p.mean()) || Double.isInfinite(p.mean()), "mean " + p.mean() + " on " + Arrays.toString(labels));
                    assertFalse(t > 0 && Double.isNaN(p.stddev()), "stddev at " + t + " on " + Arrays.toString(labels));
                    auto.learn(s, x, t, labels[i]);
                    for (double v : s.values()) {
                        assertTrue(Double.isFinite(v), "state on " + Arrays.toString(labels));
                    }
                }
            }
            double[] w = auto.inspect(s).get("auto.weights");
            assertEquals(1.0, Arrays.stream(w).sum(), 1e-9, Arrays.toString(labels));
        }
    }

    @Test
    void shouldReadLayout0StatesAsKeysMixingInTheLabelSpace() {
        AutoLearner auto = (AutoLearner) Learners.create("auto:candidates=kalman|last|mean", 2);
        ModelState s = auto.newState();
        SplittableRandom r = new SplittableRandom(10);
        for (int t = 0; t < 200; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            auto.learn(s, x, t * 1000L, 3 * x[0] + r.nextGaussian());
        }
        // layout 0: [W, L_0 .. L_2, candidates' states], no log losses and no flag
        double[] v = s.values();
        double[] old = new double[v.length - 4];
        System.arraycopy(v, 0, old, 0, 4);
        System.arraycopy(v, 8, old, 4, v.length - 8);
        assertEquals(0, auto.unversionedLayout(old.length));
        assertEquals(1, auto.layout());
        assertEquals(-1, auto.unversionedLayout(old.length + 1));
        double[] into = auto.newState().values();
        assertTrue(auto.migrate(0, old, 0, old.length, into, 0));
        assertArrayEquals(v, into, "a numeric key: the same state (no log losses, flag 0)");
        assertFalse(auto.migrate(0, old, 0, old.length - 1, into, 0));
        assertEquals(old.length, auto.storage(0).length());
        assertEquals(v.length, auto.storage().length());
        assertTrue(auto.storage().compact(), "the Kalman candidate's floats stay floats");
    }
}
