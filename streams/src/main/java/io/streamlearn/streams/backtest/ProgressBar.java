package io.streamlearn.streams.backtest;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar redrawn in place on a terminal, at most ten times a second. */
public final class ProgressBar implements Backtest.Progress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    private final String unit;

    public ProgressBar(PrintStream out) {
        this(out, "rows");
    }

    /** @param unit what is counted, e.g. "records" */
    public ProgressBar(PrintStream out, String unit) {
        this.out = out;
        this.unit = unit;
    }

    private long rows;
    private long position;
    private long size;

    @Override
    public void update(long rows, long position, long size) {
        this.rows = rows;
        this.position = position;
        this.size = size;
        long now = System.nanoTime();
        if (drawn && now - lastDraw < 100_000_000L) {
            return;
        }
        draw(now);
    }

    private void draw(long now) {
        lastDraw = now;
        drawn = true;
        double fraction = size > 0 ? Math.min(1.0, (double) position / size) : 0;
        int full = (int) Math.round(fraction * WIDTH);
        double seconds = (now - start) / 1e9;
        out.print(String.format(Locale.ROOT, "\r[%s%s] %3.0f%%  %,d %s  %,.0f %s/s ", "#".repeat(full),
                " ".repeat(WIDTH - full), fraction * 100, rows, unit, seconds > 0 ? rows / seconds : 0.0, unit));
        out.flush();
    }

    /** Draws the final state and ends the line. */
    public void finish() {
        if (drawn) {
            draw(System.nanoTime());
            out.println();
        }
    }
}
