package io.streamlearn.bench.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * A companion to {@link RegistryBenchmark} for a loaded machine, as {@link CpuTimeRates} is to
 * {@link LearnerBenchmark}: the same three benchmark bodies in plain loops, timed by the thread's CPU time,
 * interleaved (baseline, event shape, foreign, baseline, ...) in rounds of one second each so that a change
 * of machine load hits all three alike, reporting the median CPU nanoseconds per record over the rounds.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar io.streamlearn.bench.jmh.RegistryCpuRates 8,32 7
 * }</pre>
 */
public final class RegistryCpuRates {

    private RegistryCpuRates() {
    }

    /**
     * @param args dimensions (comma-separated), then the number of rounds (default 7)
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        String[] names = {"baselineSingleObject", "confluentEventShape", "confluentForeign"};
        System.out.printf(Locale.ROOT, "%-22s %4s %14s %14s%n", "variant", "d", "cpu ns/record", "vs baseline");
        for (String dim : args[0].split(",")) {
            RegistryBenchmark b = new RegistryBenchmark();
            b.d = Integer.parseInt(dim.trim());
            b.setUp();
            try {
                long sink = 0;
                double[][] ns = new double[3][rounds];
                for (int r = -2; r < rounds; r++) { // two warm-up rounds
                    for (int v = 0; v < 3; v++) {
                        long ops = 0;
                        long cpu0 = threads.getCurrentThreadCpuTime();
                        long end = System.nanoTime() + 1_000_000_000L;
                        while (System.nanoTime() < end) {
                            for (int i = 0; i < 1_000; i++) {
                                sink += (v == 0 ? b.baselineSingleObject() : v == 1 ? b.confluentEventShape()
                                        : b.confluentForeign()).getFeatures().size();
                            }
                            ops += 1_000;
                        }
                        if (r >= 0) {
                            ns[v][r] = (double) (threads.getCurrentThreadCpuTime() - cpu0) / ops;
                        }
                    }
                }
                double base = median(ns[0]);
                for (int v = 0; v < 3; v++) {
                    double m = median(ns[v]);
                    System.out.printf(Locale.ROOT, "%-22s %4d %14.0f %+13.0f%%%n", names[v], b.d, m, 100 * (m / base - 1));
                }
                if (sink == 42) {
                    System.out.println();
                }
            } finally {
                b.tearDown();
            }
        }
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
