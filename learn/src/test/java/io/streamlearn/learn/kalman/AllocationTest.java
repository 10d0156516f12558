package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** predict and learn allocate nothing: the thread's allocation counter does not move. */
class AllocationTest {

    @ParameterizedTest
    @ValueSource(strings = {"kalman", "kalman:shape=0.03", "kalman:q=1e-3,r=auto,p0=1", "kalman:q=1e-3,qtime=true,r=1,p0=1", "kalman:loss=logistic,q=1e-4",
            "rls:lambda=0.99,p0=100"})
    void shouldNotAllocateOnTheHotPath(String spec) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
        Learner l = Learners.create(spec, 6);
        ModelState s = l.newState();
        Prediction out = new Prediction();
        SplittableRandom r = new SplittableRandom(1);
        double[][] xs = new double[64][6];
        for (double[] x : xs) {
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextGaussian();
            }
        }
        for (int t = 0; t < 50_000; t++) {          // warm up: let the JIT compile both paths
            double[] x = xs[t & 63];
            l.predict(s, x, t, out);
            l.learn(s, x, t, x[0] > 0 ? 1.0 : 0.0);
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int t = 50_000; t < 150_000; t++) {
            double[] x = xs[t & 63];
            l.predict(s, x, t, out);
            l.learn(s, x, t, x[0] > 0 ? 1.0 : 0.0);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        // 100k events: even one 16-byte object per event would show as 1.6 MB
        assertTrue(allocated < 10_000, spec + " allocated " + allocated + " bytes over 100k events");
    }
}
