package io.streamlearn.streams.backtest;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A generated stand-in for the Elec2 benchmark, which this repository does not redistribute (it has no
 * licence; see {@code datasets/README.md}). Same shape: one key {@code NSW}, one row every 30 minutes, the
 * columns {@code key,ts,label,date,day,period,nswprice,nswdemand,vicprice,vicdemand,transfer}, features in
 * [0, 1] (day in 1..7), and a 0/1 label that says whether the NSW price is above its mean over the previous
 * 48 half-hours (24 h), as in the original.
 *
 * <p>The process: demand follows a daily and a weekly cycle plus AR(1) noise; the log price reverts to a
 * level that rises with demand, with its own AR(1) shocks and rare spikes; the Victorian series are noisy
 * copies, and the transfer follows their difference. Deterministic for a seed. Figures computed on it are
 * not comparable with published Elec2 results.
 */
public final class Elec2Like {

    private Elec2Like() {
    }

    /** Writes {@code rows} rows to {@code file}. */
    public static Path write(Path file, int rows, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        long start = Instant.parse("1996-05-06T14:00:00Z").toEpochMilli();
        double[] window = new double[48];
        double windowSum = 0;
        int filled = 0;
        double demandNoise = 0;
        double priceNoise = 0;
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("key,ts,label,date,day,period,nswprice,nswdemand,vicprice,vicdemand,transfer\n");
            for (int i = 0; i < rows; i++) {
                int period = i % 48;
                int day = 1 + (i / 48 + 2) % 7;
                double dailyCycle = Math.sin(2 * Math.PI * (period - 14) / 48.0);
                double weekend = day >= 6 ? -0.08 : 0.0;
                demandNoise = 0.95 * demandNoise + 0.02 * gaussian(rnd);
                double demand = clamp(0.45 + 0.18 * dailyCycle + weekend + demandNoise);
                priceNoise = 0.9 * priceNoise + 0.15 * gaussian(rnd);
                double spike = rnd.nextDouble() < 0.005 ? 1.5 * rnd.nextDouble() : 0.0;
                double price = clamp(0.06 * Math.exp(1.6 * (demand - 0.45) + priceNoise + spike));
                double vicPrice = clamp(price * (0.9 + 0.2 * rnd.nextDouble()));
                double vicDemand = clamp(0.4 + 0.15 * dailyCycle + 0.03 * gaussian(rnd));
                double transfer = clamp(0.45 + 0.5 * (vicDemand - demand) + 0.05 * gaussian(rnd));
                double mean = filled == 0 ? price : windowSum / filled;
                int label = price > mean ? 1 : 0;
                windowSum -= window[i % 48];
                window[i % 48] = price;
                windowSum += price;
                filled = Math.min(filled + 1, 48);
                long ts = start + 30 * 60_000L * i;
                w.write(String.format(Locale.ROOT, "NSW,%s,%d,%.6f,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f%n",
                        Instant.ofEpochMilli(ts), label, (double) i / rows, day, period / 47.0,
                        price, demand, vicPrice, vicDemand, transfer));
            }
        }
        return file;
    }

    private static double clamp(double v) {
        return Math.max(0.0, Math.min(1.0, v));
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box-Muller; one of the pair is enough here
        double u = 1.0 - rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
