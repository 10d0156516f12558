package io.streamlearn.state;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Population;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.Prior;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.conformal.Conformal;
import io.streamlearn.learn.registry.Learners;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The invariant a backtest's resident states rely on ({@link ResidentModelStore}): after every change a
 * learner makes (a new state, observe, learn, a calibrated learn, a rolled-back update, a start from
 * the population prior), the state in memory is bit for bit what its bytes decode to. Over every
 * registered readout, the memories, the drift guard, and each of those calibrated ({@link Conformal}).
 */
class ResidentStateInvariantTest {

    private static final int D = 4;
    private static final int EVENTS = 300;

    static Stream<String> specs() {
        List<String> specs = new ArrayList<>(Learners.names());
        specs.add("sgd:loss=squared,step=normalized,lr=2");
        specs.add("lags:p=3+kalman");
        specs.add("lags:p=2+rls");
        specs.add("ema:tau=1h/1d+sgd");
        specs.add("ssm:n=4+rls");
        specs.add("delta:dk=4,dv=4+sgd");
        specs.add("drift:detector=adwin,action=inflate+kalman");
        specs.add("lags:p=2+drift:detector=ph+sgd");
        return specs.stream();
    }

    @ParameterizedTest
    @MethodSource("specs")
    void shouldKeepEveryStateEqualToItsDecodedBytes(String spec) {
        for (Learner l : List.of(Learners.create(spec, D), Learners.model(spec, D))) {
            run(spec, l);
        }
    }

    private static void run(String spec, Learner l) {
        SplittableRandom r = new SplittableRandom(spec.hashCode());
        Prediction p = new Prediction();
        List<ModelState> states = new ArrayList<>();
        int checks = 0;
        for (int key = 0; key < 3; key++) {
            ModelState s = l.newState();
            checks += check(spec + " new", l, s);
            double[] x = new double[D];
            for (int t = 0; t < EVENTS; t++) {
                long time = 1_700_000_000_000L + 3_600_000L * t + 1000L * key;
                for (int j = 0; j < D; j++) {
                    x[j] = (j == 1 ? 300 : 0) + (j + 1) * r.nextGaussian() * (1 + key);
                }
                double y = 3 * x[0] - 0.01 * x[1] + x[3] + (t > EVENTS / 2 ? 5 : 0) + r.nextGaussian()
                        + (t % 97 == 0 ? 1e4 : 0);
                l.predict(s, x, time, p);
                l.observe(s, x, time);
                checks += check(spec + " observe " + t, l, s);
                if (t % 5 == 4) {
                    s.recordTime(time);   // an unlabelled event
                    continue;
                }
                if (l instanceof Conformal c) {
                    c.learn(s, x, time, y, p);
                } else {
                    l.learn(s, x, time, y);
                }
                checks += check(spec + " learn " + t, l, s);
            }
            states.add(s);
        }
        if (l instanceof PriorAware pa && pa.contributionLength() > 0) {
            Population pop = Population.of(pa);
            for (ModelState s : states) {
                double[] w = new double[pa.contributionLength()];
                double[] within = pa.contributesCovariance() ? new double[Population.packedSize(w.length)] : null;
                double noise = pa.contribute(s, w, within);
                pop.add(w, within, noise);
            }
            Prior prior = pop.prior();
            ModelState started = l.newState();
            pa.startFrom(started, prior);
            checks += check(spec + " startFrom", l, started);
            ModelState early = l.newState();
            pa.startEarly(early, prior);
            checks += check(spec + " startEarly", l, early);
        }
        assertTrue(checks > EVENTS, spec + ": " + checks + " checks");
    }

    /** Encodes and decodes {@code s}; asserts every value's bits and the counters came back. */
    private static int check(String what, Learner l, ModelState s) {
        byte[] bytes = StateCodec.encode(l, s);
        ModelState back = l.newState();
        StateCodec.decodeInto(l, bytes, back);
        assertEquals(s.updates(), back.updates(), what);
        assertEquals(s.lastEventTime(), back.lastEventTime(), what);
        double[] a = s.values();
        double[] b = back.values();
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) {
            if (Double.doubleToRawLongBits(a[i]) != Double.doubleToRawLongBits(b[i])) {
                throw new AssertionError(what + ": value " + i + " is " + a[i] + " in memory, " + b[i] + " decoded");
            }
        }
        return 1;
    }
}
