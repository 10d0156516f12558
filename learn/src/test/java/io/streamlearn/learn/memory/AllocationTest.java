package io.streamlearn.learn.memory;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-event path (predict, observe, learn) of memories, composites and guards allocates nothing. */
class AllocationTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "lags:p=8,split=dlinear,ma=3+ema:tau=1s/1m+ssm:n=4,init=lin,of=features+sgd",
        "delta:dk=6,dv=4,alpha=0.9+drift:detector=adwin+sgd",
        "ema:tau=1s,of=features+drift:detector=ph+delta:dk=3",
        "auto",
        "lags:p=2+season+drift:detector=ph,action=inflate+rls",
        "lags:p=2+profile+kalman"})
    void shouldNotAllocatePerEvent(String spec) {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        Learner l = Learners.create(spec, 5);
        ModelState s = l.newState();
        Prediction p = new Prediction();
        SplittableRandom r = new SplittableRandom(1);
        double[][] xs = new double[256][5];
        for (double[] x : xs) {
            for (int i = 0; i < 5; i++) {
                x[i] = r.nextGaussian();
            }
        }
        run(l, s, p, xs, 0, 20_000);                    // warm-up: thread-local scratch, class loading
        long base = bean.getThreadAllocatedBytes(thread);
        long calibration = bean.getThreadAllocatedBytes(thread) - base;
        long before = bean.getThreadAllocatedBytes(thread);
        run(l, s, p, xs, 20_000, 50_000);
        long allocated = bean.getThreadAllocatedBytes(thread) - before - calibration;
        // one allocation per event would be >= 16 bytes x 50 000
        assertTrue(allocated < 4096, spec + " allocated " + allocated + " bytes over 50 000 events");
    }

    private static void run(Learner l, ModelState s, Prediction p, double[][] xs, int from, int n) {
        for (int t = from; t < from + n; t++) {
            double[] x = xs[t & 255];
            l.predict(s, x, t, p);
            l.observe(s, x, t);
            l.learn(s, x, t, x[0] - x[1] + (t % 7));
        }
    }
}
