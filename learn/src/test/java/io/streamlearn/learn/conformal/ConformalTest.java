package io.streamlearn.learn.conformal;

import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.registry.Learners;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConformalTest {

    /** A model that always states N(0, 1): miscalibrated whenever the labels are not standard normal. */
    static final class FixedNormal implements Learner {
        @Override
        public String spec() {
            return "fixed";
        }

        @Override
        public int dimension() {
            return 1;
        }

        @Override
        public ModelState newState() {
            return new ModelState(1);
        }

        @Override
        public void predict(ModelState state, double[] x, long time, Prediction out) {
            out.set(0.0, 1.0);
        }

        @Override
        public void learn(ModelState state, double[] x, long time, double label) {
            io.streamlearn.learn.Inputs.check(x, 1, label);
            state.values()[0] += 1;
            state.recordUpdate(time);
        }

        @Override
        public boolean hasUncertainty() {
            return true;
        }
    }

    /** Upper tail of the standard normal, ∫_z^{z+12} φ, by Simpson's rule on the density: an independent reference. */
    static double tail(double z) {
        int n = 1000;
        double h = 12.0 / n;
        double sum = 0;
        for (int i = 0; i <= n; i++) {
            double t = z + i * h;
            double f = Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
            sum += (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2) * f;
        }
        return sum * h / 3;
    }

    /** The z with upper tail {@code q} (0 &lt; q &lt;= 0.5), by bisection on {@link #tail}. */
    static double upper(double q) {
        double lo = 0;
        double hi = 10;
        for (int i = 0; i < 48; i++) {
            double mid = (lo + hi) / 2;
            if (tail(mid) > q) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** Φ⁻¹(p) from {@link #upper}. */
    static double quantile(double p) {
        return p >= 0.5 ? upper(1 - p) : -upper(p);
    }

    @Test
    void shouldComputeNormalQuantilesAsTabulatedAndAsBisection() {
        assertEquals(1.2815515655446004, NormalQuantile.of(0.9), 1e-8);
        assertEquals(1.959963984540054, NormalQuantile.of(0.975), 1e-8);
        assertEquals(2.5758293035489004, NormalQuantile.of(0.995), 1e-8);
        assertEquals(0.0, NormalQuantile.of(0.5), 1e-12);
        for (double p : new double[] {1e-9, 1e-4, 0.01, 0.02425, 0.1, 0.3, 0.7, 0.95, 0.99, 0.999}) {
            assertEquals(quantile(p), NormalQuantile.of(p), 1e-6 * Math.max(1, Math.abs(quantile(p))), "p=" + p);
        }
        assertEquals(Double.POSITIVE_INFINITY, NormalQuantile.of(1.0));
        assertTrue(Double.isNaN(NormalQuantile.of(1.5)));
    }

    @Test
    void shouldFollowTheAdaptiveConformalUpdateOfADirectSimulation() {
        Learner model = Conformal.wrap(new FixedNormal());
        ModelState state = model.newState();
        Prediction p = new Prediction();
        double[] x = {0.0};
        Random rnd = new Random(7);
        double gamma = 0.005;
        double[] alpha = {0.20, 0.05};
        double[] level = {(float) 0.20, (float) 0.05};   // the levels are kept float32 (compact state, issue #17)
        double lowest = 1;
        int widest = 0;
        for (int t = 0; t < 2000; t++) {
            double y = 2.0 * rnd.nextGaussian() + (t > 1000 ? 1.0 : 0.0);
            lowest = Math.min(lowest, level[1]);
            model.predict(state, x, t, p);
            if (t % 50 == 0 || level[1] <= 0 && widest++ < 5) {   // the interval: the model's stddev is 1, widest at level 2e-12
                for (int j = 0; j < 2; j++) {
                    double half = level[j] >= 1 ? 0 : upper(Math.max(level[j], 2e-12) / 2);
                    assertEquals(-half, j == 0 ? p.lower80() : p.lower95(), 1e-6, "t=" + t);
                    assertEquals(half, j == 0 ? p.upper80() : p.upper95(), 1e-6, "t=" + t);
                }
            }
            model.learn(state, x, t, y);
            // y is outside the interval at level a exactly when its two-sided p-value 2 Q(|y|) is below a
            double pValue = 2 * tail(Math.abs(y));
            for (int j = 0; j < 2; j++) {
                int err = pValue < Math.max(level[j], 2e-12) ? 1 : 0;
                level[j] = (float) (level[j] + gamma * (alpha[j] - err));
            }
            assertArrayEquals(level, model.inspect(state).get("conformal.level"), 1e-9, "t=" + t);
        }
        assertEquals(2000, state.updates());
        assertEquals(2000.0, state.values()[0]);
        assertTrue(lowest < 0 && widest >= 5, "the 95% level went below 0, so the widest interval was drawn: " + lowest);
    }

    /** Coverage over a stream of {@code n} labels y = scale * noise, with the N(0, 1) model. */
    private static double[] coverage(double scale, boolean heavy, int n, long seed) {
        Learner model = Conformal.wrap(new FixedNormal());
        ModelState state = model.newState();
        Prediction p = new Prediction();
        double[] x = {0.0};
        Random rnd = new Random(seed);
        int own80 = 0;
        int in80 = 0;
        int in95 = 0;
        for (int t = 0; t < n; t++) {
            double e = rnd.nextGaussian();
            if (heavy) {   // Student t with 3 degrees of freedom
                double c = 0;
                for (int k = 0; k < 3; k++) {
                    double g = rnd.nextGaussian();
                    c += g * g;
                }
                e = e / Math.sqrt(c / 3);
            }
            double y = scale * e;
            model.predict(state, x, t, p);
            own80 += Math.abs(y) <= 1.2815515655446004 ? 1 : 0;
            in80 += y >= p.lower80() && y <= p.upper80() ? 1 : 0;
            in95 += y >= p.lower95() && y <= p.upper95() ? 1 : 0;
            ((Conformal) model).learn(state, x, t, y, p);
        }
        return new double[] {own80 / (double) n, in80 / (double) n, in95 / (double) n};
    }

    @Test
    void shouldBringCoverageToNominalForAModelTooNarrowTooWideOrWithHeavyTails() {
        int n = 20_000;
        // bound of Gibbs and Candès: (max(α, 1-α) + γ) / (γ T) = 1.005 / 100 ≈ 0.01
        double[] narrow = coverage(3.0, false, n, 1);
        assertEquals(0.33, narrow[0], 0.02, "the model's own 80% interval covers about a third");
        assertEquals(0.80, narrow[1], 0.0101);
        assertEquals(0.95, narrow[2], 0.0101);
        double[] wide = coverage(0.4, false, n, 2);
        assertTrue(wide[0] > 0.99, "the model's own 80% interval covers nearly all: " + wide[0]);
        assertEquals(0.80, wide[1], 0.0101);
        assertEquals(0.95, wide[2], 0.0101);
        double[] heavy = coverage(1.0, true, n, 3);
        assertEquals(0.80, heavy[1], 0.0101);
        assertEquals(0.95, heavy[2], 0.0101);
    }

    @Test
    void shouldCalibrateARealModelOnAHeteroscedasticStream() {
        Learner model = Learners.model("kalman", 2);
        assertTrue(model instanceof Conformal);
        ModelState state = model.newState();
        Prediction p = new Prediction();
        Random rnd = new Random(11);
        double[] x = new double[2];
        int n = 20_000;
        int own = 0;
        int in80 = 0;
        int in95 = 0;
        for (int t = 0; t < n; t++) {
            x[0] = rnd.nextGaussian();
            x[1] = rnd.nextDouble();
            double y = 2 * x[0] - x[1] + (0.1 + 3 * x[1] * x[1]) * rnd.nextGaussian();
            model.predict(state, x, t * 1000L, p);
            if (t >= n / 2) {
                own += Math.abs(y - p.mean()) <= 1.2815515655446004 * p.stddev() ? 1 : 0;
                in80 += y >= p.lower80() && y <= p.upper80() ? 1 : 0;
                in95 += y >= p.lower95() && y <= p.upper95() ? 1 : 0;
            }
            ((Conformal) model).learn(state, x, t * 1000L, y, p);
        }
        assertEquals(0.80, in80 / (n / 2.0), 0.02, "own coverage " + own / (n / 2.0));
        assertEquals(0.95, in95 / (n / 2.0), 0.02);
    }

    @Test
    void shouldLearnAsWithThePublishedPredictionWhenScoringAgain() {
        Learner model = Learners.model("lags:p=2+kalman", 1);
        ModelState a = model.newState();
        ModelState b = model.newState();
        Prediction p = new Prediction();
        Random rnd = new Random(3);
        double[] x = new double[1];
        for (int t = 0; t < 500; t++) {
            x[0] = rnd.nextGaussian();
            double y = x[0] + rnd.nextGaussian();
            model.predict(a, x, t, p);
            ((Conformal) model).learn(a, x, t, y, p);
            model.learn(b, x, t, y);
            assertEquals(a, b, "t=" + t);
        }
    }

    @Test
    void shouldLeaveModelsWithoutAStddevAloneAndKeepSpecAndFingerprint() {
        Learner sgd = Learners.create("sgd", 3);
        assertSame(sgd, Conformal.wrap(sgd));
        assertSame(sgd.getClass(), Learners.model("sgd", 3).getClass());
        Learner kalman = Learners.create("kalman", 3);
        Learner model = Conformal.wrap(kalman);
        assertSame(model, Conformal.wrap(model));
        assertEquals(kalman.spec(), model.spec());
        assertEquals(kalman.fingerprint(), model.fingerprint());
        assertEquals(Conformal.FLAG + kalman.layout(), model.layout());
        assertEquals(kalman.newState().values().length + 2, model.newState().values().length);
    }

    @Test
    void shouldReadAStateOfTheModelAloneWithNominalLevelsAndItsOwnStateBack() {
        Learner kalman = Learners.create("kalman", 2);
        Learner model = Conformal.wrap(kalman);
        ModelState bare = kalman.newState();
        ModelState wrapped = model.newState();
        Prediction p = new Prediction();
        Random rnd = new Random(5);
        double[] x = new double[2];
        for (int t = 0; t < 200; t++) {
            x[0] = rnd.nextGaussian();
            x[1] = rnd.nextGaussian();
            double y = x[0] + 0.3 * rnd.nextGaussian();
            kalman.learn(bare, x, t, y);
            model.predict(wrapped, x, t, p);
            ((Conformal) model).learn(wrapped, x, t, y, p);
        }
        double[] into = model.newState().values();
        double[] stored = bare.values();
        assertTrue(model.migrate(kalman.layout(), stored, 0, stored.length, into, 0));
        double[] expected = java.util.Arrays.copyOf(stored, stored.length + 2);
        expected[stored.length] = (float) 0.20;
        expected[stored.length + 1] = (float) 0.05;
        assertArrayEquals(expected, into);
        double[] inner = java.util.Arrays.copyOf(wrapped.values(), stored.length);
        assertArrayEquals(stored, inner, "the wrapped model learns exactly as the model alone");
        assertFalse(model.migrate(kalman.layout(), stored, 0, stored.length - 1, into, 0));
        double[] calibrated = wrapped.values();
        double[] again = model.newState().values();
        assertTrue(model.migrate(model.layout(), calibrated, 0, calibrated.length, again, 0));
        assertArrayEquals(calibrated, again);
    }

    @Test
    void shouldLeaveTheStateUnchangedOnBadInputAndStayFinite() {
        Learner model = Learners.model("kalman", 2);
        ModelState s = model.newState();
        Prediction p = new Prediction();
        double[] x = {1.0, 2.0};
        model.predict(s, x, 0, p);
        ((Conformal) model).learn(s, x, 0, 1.0, p);
        ModelState before = s.copy();
        assertThrows(InvalidInputException.class, () -> model.learn(s, x, 1, Double.NaN));
        assertThrows(InvalidInputException.class, () -> model.learn(s, new double[] {Double.NaN, 0}, 1, 1.0));
        assertEquals(before, s);
        for (int t = 0; t < 2000; t++) {   // labels far outside every interval: levels bounded
            model.predict(s, x, t, p);
            ((Conformal) model).learn(s, x, t, t % 2 == 0 ? 1e6 : -1e6, p);
        }
        assertTrue(s.isFinite());
        double[] level = model.inspect(s).get("conformal.level");
        assertTrue(level[0] >= -1 && level[1] >= -1, java.util.Arrays.toString(level));
    }

    @Test
    void shouldStartTheModelsSliceFromAPopulationPriorEarlyOrInFull() {
        Learner bare = Learners.create("kalman", 3);
        Learner model = Conformal.wrap(bare);
        double[] mean = {7.0, 7.0, 7.0, 7.0, 4.0, 1e4, 1e-6};
        io.streamlearn.learn.Prior prior = new io.streamlearn.learn.Prior(1, mean, null, Double.NaN);
        ModelState b = bare.newState();
        ModelState m = model.newState();
        ((io.streamlearn.learn.PriorAware) bare).startEarly(b, prior);
        ((io.streamlearn.learn.PriorAware) model).startEarly(m, prior);
        assertTrue(!java.util.Arrays.equals(b.values(), bare.newState().values()), "the early start changes the model");
        assertArrayEquals(b.values(), java.util.Arrays.copyOf(m.values(), b.values().length));
        assertEquals((float) 0.20, m.values()[b.values().length]);
    }
}
