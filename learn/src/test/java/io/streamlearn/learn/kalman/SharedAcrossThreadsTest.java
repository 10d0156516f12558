package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One learner instance serves every key on every stream thread: the per-thread scratch vector (no
 * longer in the state since issue #4) must never be shared. Four threads learn four keys at once with
 * the same learner, including drift reactions; each key ends bit-identical to learning it alone.
 */
class SharedAcrossThreadsTest {

    private static ModelState run(Learner l, int seed, int events, CountDownLatch start) throws InterruptedException {
        start.await();
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(seed);
        for (int t = 0; t < events; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            double y = x[0] - x[2] + 0.3 * r.nextGaussian();
            l.learn(s, x, 1_000L * t, l.spec().contains("logistic") ? (y > 0 ? 1 : 0) : y);
            if (t % 97 == 96) {
                ((io.streamlearn.learn.DriftAware) l).inflate(s, 3.0);
            }
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"kalman", "kalman:q=1e-3,r=auto,qtime=true", "kalman:loss=logistic,q=1e-3", "rls:lambda=0.98"})
    void shouldGiveEachKeyTheSameStateAsLearningItAlone(String spec) throws Exception {
        Learner l = Learners.create(spec, 4);
        int threads = 4;
        int events = 3_000;
        List<ModelState> alone = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            alone.add(run(l, k, events, new CountDownLatch(0)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<ModelState>> together = new ArrayList<>();
            for (int k = 0; k < threads; k++) {
                int seed = k;
                together.add(pool.submit(() -> run(l, seed, events, start)));
            }
            start.countDown();
            for (int k = 0; k < threads; k++) {
                assertEquals(alone.get(k), together.get(k).get(60, TimeUnit.SECONDS), spec + ": key " + k);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
