package io.streamlearn.learn.metrics;

import java.util.Arrays;

/**
 * Exact area under the ROC curve for 0/1 labels, computed in {@link #value()} from every
 * (score, label) pair collected: the Mann–Whitney U statistic {@code (R_pos - n_pos(n_pos+1)/2) /
 * (n_pos n_neg)} with mid-ranks for tied scores (Hanley and McNeil, 1982), so a tie counts one half.
 *
 * <p>Unlike the other metrics, {@link #update} stores its pair: 16 bytes per event, in arrays that
 * grow by doubling (amortised, but it allocates). {@link #value()} sorts a copy: O(n log n).
 * A label is positive when it is &gt;= 0.5.
 *
 * <pre>{@code
 * Auc auc = new Auc();
 * auc.update(0.9, 1); auc.update(0.2, 0); auc.update(0.6, 0); auc.update(0.7, 1);
 * auc.value();   // 1.0: every positive outscored every negative
 * }</pre>
 */
public final class Auc implements OnlineMetric {
    private double[] scores = new double[1024];
    private boolean[] positive = new boolean[1024];
    private int n;

    @Override
    public String name() {
        return "auc";
    }

    @Override
    public void update(double prediction, double label) {
        if (n == scores.length) {
            int m = Math.max(16, n + (n >> 1) + 1);
            scores = Arrays.copyOf(scores, m);
            positive = Arrays.copyOf(positive, m);
        }
        scores[n] = prediction + 0.0;   // -0.0 becomes 0.0, so the two tie
        positive[n] = label >= 0.5;
        n++;
    }

    /** The AUC, or NaN when there are no positives or no negatives (or a NaN score). */
    @Override
    public double value() {
        long nPos = 0;
        for (int i = 0; i < n; i++) {
            if (positive[i]) {
                nPos++;
            }
        }
        long nNeg = n - nPos;
        if (nPos == 0 || nNeg == 0) {
            return Double.NaN;
        }
        double[] sorted = Arrays.copyOf(scores, n);
        for (double v : sorted) {
            if (Double.isNaN(v)) {
                return Double.NaN;
            }
        }
        Arrays.sort(sorted);
        // The tie group of a value v spans sorted[lo..hi] (0-based); its 1-based mid-rank is
        // (lo + hi) / 2 + 1. The U statistic is the positives' rank sum minus its minimum.
        double rankSumPos = 0;
        for (int i = 0; i < n; i++) {
            if (positive[i]) {
                double v = scores[i];
                int lo = firstIndexOf(sorted, v);
                int hi = firstIndexAbove(sorted, v) - 1;
                rankSumPos += (lo + hi) / 2.0 + 1.0;
            }
        }
        double u = rankSumPos - nPos * (nPos + 1) / 2.0;
        return u / ((double) nPos * nNeg);
    }

    /** The first index whose value is >= v (values sorted ascending). */
    private static int firstIndexOf(double[] sorted, double v) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Double.compare(sorted[mid], v) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The first index whose value is > v. */
    private static int firstIndexAbove(double[] sorted, double v) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Double.compare(sorted[mid], v) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    public long count() {
        return n;
    }

    @Override
    public void reset() {
        n = 0;
    }
}
