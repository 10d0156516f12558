package io.streamlearn.streams.backtest;

import java.util.List;
import java.util.Locale;

/**
 * The plain-text summary of a {@link BacktestResult}: counts, then one row per model. Numeric labels:
 * rows, MSE, MAE, R²; 0/1 labels: rows, log loss, accuracy, AUC and the Brier score (MSE). Both go on
 * with the skill over the {@code mean} and {@code last} baselines, {@code 1 - MSE / MSE_baseline}; numeric
 * labels end with the coverage of the central 80% and 95% intervals of the models with a stddev
 * ({@code cover80}, {@code cover95}: the share of labels within {@code mean ± 1.28} and {@code ± 1.96}
 * stddev; "-" for a model without one) and of the calibrated intervals the model published
 * ({@code aci80}, {@code aci95}: adaptive conformal inference per key; "-" for a model without them).
 */
public final class MetricsTable {
    private MetricsTable() {
    }

    /** The column names for this result, in order. */
    public static List<String> columns(BacktestResult r) {
        return r.binary()
                ? List.of("model", "rows", "logloss", "accuracy", "auc", "brier", "skill_mean", "skill_last")
                : List.of("model", "rows", "mse", "mae", "r2", "skill_mean", "skill_last", "cover80", "cover95",
                        "aci80", "aci95");
    }

    /** The cells of model {@code i}'s row, formatted, in {@link #columns} order. */
    public static List<String> row(BacktestResult r, int i) {
        ModelMetrics m = r.metrics().get(i);
        String rows = Long.toString(m.rows());
        if (r.binary()) {
            return List.of(m.model(), rows, num(m.logLoss()), num(m.accuracy()), num(r.auc(i)), num(m.mse()),
                    num(m.skillOverMean()), num(m.skillOverLast()));
        }
        return List.of(m.model(), rows, num(m.mse()), num(m.mae()), num(m.r2()), num(m.skillOverMean()),
                num(m.skillOverLast()), num(m.coverage80()), num(m.coverage95()), num(m.calibratedCoverage80()),
                num(m.calibratedCoverage95()));
    }

    /** The counts and the table, ending in a newline. */
    public static String format(BacktestResult r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "rows %d: %d scored (%d labelled, %d predict only), %d bad; %d keys, %d features%n",
                r.rows(), r.events(), r.labelled(), r.predictOnly(), r.badRows(), r.keys().size(), r.features().size()));
        if (r.labelDelayMillis() >= 0) {
            b.append(String.format(Locale.ROOT, "label delay %d ms: %d labels learned late, %d pending at the end (learned then)%n",
                    r.labelDelayMillis(), r.lateLearned(), r.flushedAtEnd()));
        } else {
            b.append("label delay: none (each label learned right after its event is scored)\n");
        }
        b.append(r.binary() ? "labels are 0/1: classification metrics\n" : "numeric labels: regression metrics\n");
        List<String> cols = columns(r);
        int n = r.metrics().size();
        String[][] cells = new String[n + 1][];
        cells[0] = cols.toArray(new String[0]);
        for (int i = 0; i < n; i++) {
            cells[i + 1] = row(r, i).toArray(new String[0]);
        }
        int[] width = new int[cols.size()];
        for (String[] row : cells) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : cells) {
            for (int c = 0; c < row.length; c++) {
                if (c > 0) {
                    b.append("  ");
                }
                String cell = row[c];
                if (c == 0) {
                    b.append(cell).append(" ".repeat(width[c] - cell.length()));
                } else {
                    b.append(" ".repeat(width[c] - cell.length())).append(cell);
                }
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Six significant digits, or "-" for NaN. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e6 || a < 1e-4) {
            return String.format(Locale.ROOT, "%.5e", v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
