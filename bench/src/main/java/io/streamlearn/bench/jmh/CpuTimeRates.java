package io.streamlearn.bench.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A companion to {@link LearnerBenchmark} for a loaded machine: runs the same benchmark body in a plain
 * loop and divides the events by the thread's CPU time as well as by wall time. On a machine shared with
 * other busy processes, wall-clock throughput mostly measures the scheduler; CPU-time throughput is what
 * the code would do on a core of its own (minus cache interference). Not a JMH run: no forks, one thread,
 * warm-up by time, and no protection against dead-code elimination beyond summing the predictions.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar io.streamlearn.bench.jmh.CpuTimeRates 8,32,128 sgd "kalman:q=1e-4,r=1,p0=1"
 * }</pre>
 */
public final class CpuTimeRates {

    private CpuTimeRates() {
    }

    /**
     * @param args the dimensions (comma-separated), then one or more SPECs
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: CpuTimeRates <d,d,...> <spec> [<spec>...]");
            System.exit(2);
        }
        List<Integer> dims = new ArrayList<>();
        for (String d : args[0].split(",")) {
            dims.add(Integer.parseInt(d.trim()));
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "%-28s %5s %16s %16s%n", "spec", "d", "events/s (wall)", "events/s (cpu)");
        for (int s = 1; s < args.length; s++) {
            for (int d : dims) {
                LearnerBenchmark b = new LearnerBenchmark();
                b.spec = args[s];  // commas or semicolons, as LearnerBenchmark
                b.d = d;
                try {
                    b.setUp();
                } catch (IllegalArgumentException e) {
                    System.out.printf(Locale.ROOT, "%-28s %5d %s%n", args[s], d, "unavailable: " + e.getMessage());
                    continue;
                }
                double sink = 0;
                long warmEnd = System.nanoTime() + 3_000_000_000L;
                while (System.nanoTime() < warmEnd) {
                    for (int i = 0; i < 10_000; i++) {
                        sink += b.predictAndLearn();
                    }
                }
                long events = 0;
                long cpu0 = threads.getCurrentThreadCpuTime();
                long wall0 = System.nanoTime();
                long wallEnd = wall0 + 3_000_000_000L;
                while (System.nanoTime() < wallEnd) {
                    for (int i = 0; i < 10_000; i++) {
                        sink += b.predictAndLearn();
                    }
                    events += 10_000;
                }
                double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
                double wall = (System.nanoTime() - wall0) / 1e9;
                System.out.printf(Locale.ROOT, "%-28s %5d %16.0f %16.0f%s%n", args[s], d, events / wall, events / cpu,
                        Double.isFinite(sink) ? "" : "  (non-finite predictions)");
            }
        }
    }
}
