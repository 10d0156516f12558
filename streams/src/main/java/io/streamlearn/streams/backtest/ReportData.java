package io.streamlearn.streams.backtest;

import java.util.Arrays;
import java.util.List;

/**
 * What a backtest keeps for the HTML report, in compact primitive arrays: a decimated series of each
 * model's rolling MSE, and every labelled event's (key, time, label, champion prediction) for the
 * per-key charts, with the champion's calibrated 95% interval where it has one. Memory: about 44 bytes
 * per labelled event plus 8 KB per model.
 */
final class ReportData {
    static final int MAX_POINTS = 2048;

    final List<String> models;
    final List<String> keys = new java.util.ArrayList<>();

    // rolling MSE series, decimated: a point every `stride` labelled events
    long stride = 1;
    int points;
    long[] pointIndex = new long[2 * MAX_POINTS];
    long[] pointTime = new long[2 * MAX_POINTS];
    final double[][] pointValue;

    // labelled events of the champion
    int n;
    int[] keyOf = new int[1024];
    long[] time = new long[1024];
    double[] label = new double[1024];
    double[] prediction = new double[1024];
    double[] lower95 = new double[1024];
    double[] upper95 = new double[1024];
    /** Whether any champion prediction kept here has a 95% interval. */
    boolean intervals;

    ReportData(List<String> models) {
        this.models = models;
        this.pointValue = new double[models.size()][2 * MAX_POINTS];
    }

    void sample(long labelledIndex, long t, List<ModelMetrics> metrics) {
        if (labelledIndex % stride != 0) {
            return;
        }
        if (points == pointIndex.length) {
            // keep every other point, double the stride
            int k = 0;
            for (int i = 0; i < points; i += 2) {
                pointIndex[k] = pointIndex[i];
                pointTime[k] = pointTime[i];
                for (double[] v : pointValue) {
                    v[k] = v[i];
                }
                k++;
            }
            points = k;
            stride *= 2;
            if (labelledIndex % stride != 0) {
                return;
            }
        }
        pointIndex[points] = labelledIndex;
        pointTime[points] = t;
        for (int m = 0; m < metrics.size(); m++) {
            pointValue[m][points] = metrics.get(m).rolling.value();
        }
        points++;
    }

    /**
     * Keeps a labelled event of the champion: its prediction {@code p} and its calibrated bounds
     * {@code bounds[at, at + 4)} (lower80, upper80, lower95, upper95; NaN when it has none).
     */
    void champion(int key, long t, double y, double p, double[] bounds, int at) {
        if (n == time.length) {
            int m = n * 2;
            keyOf = Arrays.copyOf(keyOf, m);
            time = Arrays.copyOf(time, m);
            label = Arrays.copyOf(label, m);
            prediction = Arrays.copyOf(prediction, m);
            lower95 = Arrays.copyOf(lower95, m);
            upper95 = Arrays.copyOf(upper95, m);
        }
        keyOf[n] = key;
        time[n] = t;
        label[n] = y;
        prediction[n] = p;
        lower95[n] = bounds[at + 2];
        upper95[n] = bounds[at + 3];
        intervals |= !Double.isNaN(bounds[at + 2]);
        n++;
    }
}
