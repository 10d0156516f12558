package io.streamlearn.bench.jmh;

import io.streamlearn.schemas.Event;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A companion to {@link MappingBenchmark} for a loaded machine (as {@link CpuTimeRates} is to
 * {@link LearnerBenchmark}): the same bodies in plain loops, timed by the thread's CPU time, in rounds that
 * interleave the variants (A, B, C, A, B, C, ...) so that a burst of load on the machine hits all of them.
 * Prints, per variant, the median CPU nanoseconds per record over the rounds and its ratio to the baseline
 * {@code fixedShape}. Not a JMH run: one thread, warm-up by time, results summed into a sink.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar io.streamlearn.bench.jmh.MappingCpuTime 8,32 15
 * }</pre>
 */
public final class MappingCpuTime {

    private MappingCpuTime() {
    }

    private interface Body {
        Event run() throws Exception;
    }

    /** @param args the dimensions (comma-separated) and the number of rounds (default 15) */
    public static void main(String[] args) throws Exception {
        String dims = args.length > 0 ? args[0] : "8,32";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "%-18s %4s %16s %10s%n", "variant", "d", "cpu ns/record", "vs fixed");
        for (String ds : dims.split(",")) {
            MappingBenchmark b = new MappingBenchmark();
            b.d = Integer.parseInt(ds.trim());
            b.setUp();
            List<String> names = List.of("fixedShape", "mappedFixedShape", "mappedForeign", "mappedForeignText", "mappedTree");
            List<Body> bodies = List.of(b::fixedShape, b::mappedFixedShape, b::mappedForeign, b::mappedForeignText, b::mappedTree);
            long sink = 0;
            long warmEnd = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < warmEnd) {
                for (Body body : bodies) {
                    for (int i = 0; i < 2_000; i++) {
                        sink += body.run().getFeatures().size();
                    }
                }
            }
            double[][] perRecord = new double[bodies.size()][rounds];
            int n = 20_000;
            for (int r = 0; r < rounds; r++) {
                for (int v = 0; v < bodies.size(); v++) {
                    Body body = bodies.get(v);
                    long cpu0 = threads.getCurrentThreadCpuTime();
                    for (int i = 0; i < n; i++) {
                        sink += body.run().getFeatures().size();
                    }
                    perRecord[v][r] = (threads.getCurrentThreadCpuTime() - cpu0) / (double) n;
                }
            }
            double base = median(perRecord[0]);
            List<String> lines = new ArrayList<>();
            for (int v = 0; v < bodies.size(); v++) {
                double m = median(perRecord[v]);
                lines.add(String.format(Locale.ROOT, "%-18s %4d %16.0f %9.2fx", names.get(v), b.d, m, m / base));
            }
            lines.forEach(System.out::println);
            if (sink == 42) {
                System.out.println();
            }
        }
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
