package io.streamlearn.streams.backtest;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a backtest's HTML report: one self-contained page (inline CSS and SVG drawn here, no script,
 * no network) with the metrics table, each model's rolling MSE over the stream, predicted against
 * actual for the champion's best and worst keys, and a histogram of the champion's per-key RMSE.
 * Deterministic: the same result gives the same bytes.
 *
 * <pre>{@code
 * Backtest.Config config = new Backtest.Config(List.of("sgd")).collectReport(true);
 * BacktestResult result = new Backtest(config).run(source);
 * HtmlReport.write(result, "events.csv", Path.of("report.html"));
 * }</pre>
 */
public final class HtmlReport {

    static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    static final int W = 900;
    static final int H = 300;
    static final int LEFT = 70;
    static final int RIGHT = 20;
    static final int TOP = 20;
    static final int BOTTOM = 40;
    /** Labelled events of a key shown in its predicted-against-actual chart (the latest ones). */
    static final int KEY_POINTS = 1500;

    private HtmlReport() {
    }

    /**
     * Writes the report of {@code result}, which must have been run with
     * {@link Backtest.Config#collectReport(boolean)}.
     *
     * @param input the input's name, shown in the title
     */
    public static void write(BacktestResult result, String input, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(render(result, input));
        }
    }

    /** The page as a string. */
    public static String render(BacktestResult r, String input) {
        ReportData d = r.report;
        if (d == null) {
            throw new IllegalStateException("the backtest did not collect report data (Config.collectReport)");
        }
        StringBuilder b = new StringBuilder(1 << 16);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Backtest: ")
                .append(esc(input)).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:960px}")
                .append("table{border-collapse:collapse;margin:8px 0}td,th{padding:4px 10px;border-bottom:1px solid #ddd}")
                .append("td.n{text-align:right;font-variant-numeric:tabular-nums}th{text-align:right}th:first-child{text-align:left}")
                .append("svg{background:#fff;border:1px solid #ddd;margin:6px 0}.note{color:#666;font-size:90%}")
                .append("svg text{font-family:sans-serif;font-size:11px;fill:#333;paint-order:stroke;stroke:#fff;stroke-width:3px}")
                .append("\n</style></head><body>\n");
        b.append("<h1>Backtest: ").append(esc(input)).append("</h1>\n<p class=\"note\">")
                .append(MetricsTable.format(r).lines().limit(3).map(HtmlReport::esc).collect(java.util.stream.Collectors.joining("<br>")))
                .append("</p>\n");
        // metrics table
        b.append("<h2>Metrics</h2>\n<table id=\"metrics\"><tr>");
        for (String c : MetricsTable.columns(r)) {
            b.append("<th>").append(esc(c)).append("</th>");
        }
        b.append("</tr>\n");
        for (int i = 0; i < r.metrics().size(); i++) {
            b.append("<tr>");
            List<String> row = MetricsTable.row(r, i);
            for (int c = 0; c < row.size(); c++) {
                b.append(c == 0 ? "<td>" : "<td class=\"n\">").append(esc(row.get(c))).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n<p class=\"note\">Prequential: each event is scored before its label is learned. "
                + "skill = 1 - MSE / MSE of the baseline (mean: the key's running mean label; last: its last label).</p>\n");
        String states = StateSummary.format(r);
        if (!states.isEmpty()) {
            b.append("<h2>State per key</h2>\n<pre>").append(esc(states)).append("</pre>\n");
        }

        // rolling error
        b.append("<h2>Error over the stream</h2>\n<p class=\"note\">MSE over the last ")
                .append(r.metrics().get(0).rolling.window()).append(" labelled events, by labelled-event index")
                .append(d.stride > 1 ? " (one point every " + d.stride + " events)" : "").append(".</p>\n");
        double[] xs = new double[d.points];
        for (int i = 0; i < d.points; i++) {
            xs[i] = d.pointIndex[i];
        }
        List<double[]> ys = new ArrayList<>();
        for (int m = 0; m < d.models.size(); m++) {
            ys.add(java.util.Arrays.copyOf(d.pointValue[m], d.points));
        }
        lineChart(b, "rolling-mse", xs, ys, d.models, v -> String.format(Locale.ROOT, "%,.0f", v), "rolling MSE", true);

        // best and worst keys
        double[] mse = r.championMsePerKey();
        int best = -1;
        int worst = -1;
        for (int i = 0; i < mse.length; i++) {
            if (Double.isNaN(mse[i])) {
                continue;
            }
            if (best < 0 || mse[i] < mse[best]) {
                best = i;
            }
            if (worst < 0 || mse[i] > mse[worst]) {
                worst = i;
            }
        }
        String champion = d.models.get(0);
        b.append("<h2>Predicted against actual</h2>\n<p class=\"note\">Champion <b>").append(esc(champion))
                .append("</b> on its best and worst keys by MSE; the latest ").append(KEY_POINTS)
                .append(" labelled events of each key, by event time")
                .append(d.intervals ? ", with the champion's calibrated 95% interval (lower 95%, upper 95%)" : "")
                .append(".</p>\n");
        if (best >= 0) {
            keyChart(b, r, d, best, "best key", mse[best], "key-best");
            if (worst != best) {
                keyChart(b, r, d, worst, "worst key", mse[worst], "key-worst");
            } else {
                b.append("<p class=\"note\">Only one key has labels: it is both the best and the worst.</p>\n");
            }
        } else {
            b.append("<p>No labelled events.</p>\n");
        }

        // histogram of per-key RMSE
        b.append("<h2>Per-key error</h2>\n<p class=\"note\">Distribution of the champion's RMSE over the ")
                .append(r.keys().size()).append(" keys.</p>\n");
        histogram(b, mse);
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void keyChart(StringBuilder b, BacktestResult r, ReportData d, int key, String what, double mse, String id) {
        int count = 0;
        for (int i = 0; i < d.n; i++) {
            if (d.keyOf[i] == key) {
                count++;
            }
        }
        int skip = Math.max(0, count - KEY_POINTS);
        int m = count - skip;
        double[] t = new double[m];
        double[] actual = new double[m];
        double[] predicted = new double[m];
        double[] lower = new double[m];
        double[] upper = new double[m];
        int seen = 0;
        int j = 0;
        for (int i = 0; i < d.n; i++) {
            if (d.keyOf[i] != key) {
                continue;
            }
            if (seen++ < skip) {
                continue;
            }
            t[j] = d.time[i];
            actual[j] = d.label[i];
            predicted[j] = d.prediction[i];
            lower[j] = d.lower95[i];
            upper[j] = d.upper95[i];
            j++;
        }
        b.append("<h3>").append(esc(what)).append(": ").append(esc(r.keys().get(key))).append(" (MSE ")
                .append(MetricsTable.num(mse)).append(", ").append(count).append(" labelled events)</h3>\n");
        List<double[]> series = d.intervals ? List.of(actual, predicted, lower, upper) : List.of(actual, predicted);
        List<String> names = d.intervals ? List.of("actual", "predicted", "lower 95%", "upper 95%") : List.of("actual", "predicted");
        lineChart(b, id, t, series, names,
                v -> Instant.ofEpochMilli((long) v).toString().replace("T", " ").replaceAll(":00Z$|Z$", ""), "label", false);
    }

    interface Ticks {
        String label(double x);
    }

    /**
     * A line chart in SVG: one path per series, NaN points break the line. With {@code logY} and values
     * spanning more than two decades, the y axis is logarithmic (non-positive values are not drawn).
     */
    static void lineChart(StringBuilder b, String id, double[] xs, List<double[]> series, List<String> names,
                          Ticks xTick, String yName, boolean logY) {
        if (logY) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (double[] s : series) {
                for (double v : s) {
                    if (v > 0 && Double.isFinite(v)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
            logY = hi > 100 * lo;
            if (logY) {
                List<double[]> logs = new ArrayList<>();
                for (double[] s : series) {
                    double[] l = new double[s.length];
                    for (int i = 0; i < s.length; i++) {
                        l[i] = s[i] > 0 ? Math.log10(s[i]) : Double.NaN;
                    }
                    logs.add(l);
                }
                series = logs;
                yName = yName + " (log scale)";
            }
        }
        int n = xs.length;
        double xmin = n == 0 ? 0 : xs[0];
        double xmax = n == 0 ? 1 : xs[n - 1];
        if (xmax <= xmin) {
            xmax = xmin + 1;
        }
        double ymin = Double.POSITIVE_INFINITY;
        double ymax = Double.NEGATIVE_INFINITY;
        for (double[] s : series) {
            for (double v : s) {
                if (Double.isFinite(v)) {
                    ymin = Math.min(ymin, v);
                    ymax = Math.max(ymax, v);
                }
            }
        }
        if (!(ymin <= ymax)) {
            ymin = 0;
            ymax = 1;
        }
        if (!logY && ymin > 0 && ymin < 0.5 * ymax) {
            ymin = 0;
        }
        if (ymax == ymin) {
            ymax = ymin + 1;
        }
        double[] yt = logY ? decades(ymin, ymax) : niceTicks(ymin, ymax);
        ymin = Math.min(ymin, yt[0]);
        ymax = Math.max(ymax, yt[yt.length - 1]);
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        b.append("<svg id=\"").append(id).append("\" data-chart=\"line\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(W).append("\" height=\"").append(H).append("\" viewBox=\"0 0 ").append(W).append(' ').append(H)
                .append("\">\n");
        // axes and grid
        for (double v : yt) {
            double y = TOP + ph - (v - ymin) / (ymax - ymin) * ph;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    LEFT, W - RIGHT, y, y, LEFT - 6, y + 4, esc(MetricsTable.num(logY ? Math.pow(10, v) : v))));
        }
        for (int i = 0; i <= 4; i++) {
            double x = LEFT + pw * i / 4.0;
            double v = xmin + (xmax - xmin) * i / 4.0;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n", x, H - BOTTOM + 16,
                    i == 0 ? "start" : i == 4 ? "end" : "middle", esc(xTick.label(v))));
        }
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
                LEFT, TOP, pw, ph));
        b.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>\n",
                TOP + ph / 2, TOP + ph / 2, esc(yName)));
        for (int s = 0; s < series.size(); s++) {
            double[] v = series.get(s);
            StringBuilder p = new StringBuilder();
            boolean pen = false;
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(v[i])) {
                    pen = false;
                    continue;
                }
                double x = LEFT + (xs[i] - xmin) / (xmax - xmin) * pw;
                double y = TOP + ph - (v[i] - ymin) / (ymax - ymin) * ph;
                p.append(pen ? 'L' : 'M').append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
                pen = true;
            }
            String color = COLORS[s % COLORS.length];
            b.append("<path class=\"series\" data-series=\"").append(esc(names.get(s))).append("\" fill=\"none\" stroke=\"")
                    .append(color).append("\" stroke-width=\"1.2\" d=\"").append(p).append("\"/>\n");
            // legend
            int lx = LEFT + 10 + 150 * (s % 5);
            int ly = TOP + 14 + 14 * (s / 5);
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>\n", lx, ly - 4, color, lx + 16, ly, esc(names.get(s))));
        }
        b.append("</svg>\n");
    }

    /** A histogram of the finite values' square roots (MSE to RMSE). */
    static void histogram(StringBuilder b, double[] mse) {
        List<Double> v = new ArrayList<>();
        for (double m : mse) {
            if (Double.isFinite(m)) {
                v.add(Math.sqrt(m));
            }
        }
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        b.append("<svg id=\"key-histogram\" data-chart=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(W).append("\" height=\"").append(H).append("\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\">\n");
        if (v.isEmpty()) {
            b.append("<text x=\"20\" y=\"40\">no labelled keys</text></svg>\n");
            return;
        }
        double lo = v.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double hi = v.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        int bins = Math.max(1, Math.min(30, (int) Math.ceil(Math.sqrt(v.size()))));
        if (hi <= lo) {
            hi = lo + 1;
            bins = 1;
        }
        int[] counts = new int[bins];
        for (double x : v) {
            int i = (int) ((x - lo) / (hi - lo) * bins);
            counts[Math.min(bins - 1, Math.max(0, i))]++;
        }
        int maxCount = 1;
        for (int c : counts) {
            maxCount = Math.max(maxCount, c);
        }
        double bw = (double) pw / bins;
        for (int i = 0; i < bins; i++) {
            double h = (double) counts[i] / maxCount * ph;
            b.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                            + "<title>%d keys</title></rect>\n",
                    LEFT + i * bw + 1, TOP + ph - h, Math.max(1, bw - 2), h, COLORS[0], counts[i]));
            if (counts[i] > 0) {
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>\n",
                        LEFT + (i + 0.5) * bw, TOP + ph - h - 3, counts[i]));
            }
        }
        for (int i = 0; i <= 4; i++) {
            double x = LEFT + pw * i / 4.0;
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n", x, H - BOTTOM + 16,
                    i == 0 ? "start" : i == 4 ? "end" : "middle", esc(MetricsTable.num(lo + (hi - lo) * i / 4.0))));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                        + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">RMSE per key</text>\n",
                LEFT, W - RIGHT, TOP + ph, TOP + ph, LEFT + pw / 2, H - 6));
        b.append("</svg>\n");
    }

    /** Whole decades (log10 values) covering [lo, hi]. */
    static double[] decades(double lo, double hi) {
        int first = (int) Math.floor(lo);
        int last = (int) Math.ceil(hi);
        if (last == first) {
            last++;
        }
        double[] t = new double[last - first + 1];
        for (int i = 0; i < t.length; i++) {
            t[i] = first + i;
        }
        return t;
    }

    /** About five round tick values covering [lo, hi]. */
    static double[] niceTicks(double lo, double hi) {
        double span = hi - lo;
        double step = Math.pow(10, Math.floor(Math.log10(span / 5)));
        double[] mult = {1, 2, 5, 10};
        for (double m : mult) {
            if (span / (step * m) <= 6) {
                step *= m;
                break;
            }
        }
        double first = Math.floor(lo / step) * step;
        double last = Math.ceil(hi / step) * step;
        int count = (int) Math.round((last - first) / step) + 1;
        double[] t = new double[Math.max(2, count)];
        for (int i = 0; i < t.length; i++) {
            t[i] = first + i * step;
        }
        return t;
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
