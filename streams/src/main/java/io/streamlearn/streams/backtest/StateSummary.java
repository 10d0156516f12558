package io.streamlearn.streams.backtest;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.state.ModelStore;
import io.streamlearn.state.StateCodec;
import io.streamlearn.state.StateFormatException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each model keeps per key at the end of a backtest, from its final states: bytes per key as
 * stored (mean and largest over the keys), and for {@code auto} the candidates' weights and state
 * bytes, averaged over the keys (the same views as {@code GET /models/{key}}). Allocates; runs once.
 *
 * <pre>{@code
 * out.print(StateSummary.format(result));
 * }</pre>
 */
public final class StateSummary {

    private StateSummary() {
    }

    /** Lines for the end of the backtest table; empty when there are no final states. */
    public static String format(BacktestResult result) {
        if (result.finalStates().isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("state per key, bytes as stored (mean / largest over keys):\n");
        List<String> autos = new ArrayList<>();
        for (String model : result.models()) {
            long keys = 0;
            long total = 0;
            long largest = 0;
            for (Map.Entry<String, byte[]> e : result.finalStates().entrySet()) {
                if (ModelStore.modelName(e.getKey()).equals(model)) {
                    keys++;
                    total += e.getValue().length;
                    largest = Math.max(largest, e.getValue().length);
                }
            }
            if (keys > 0) {
                b.append(String.format(Locale.ROOT, "  %-40s %,10.0f / %,d%n", model, total / (double) keys, largest));
                if (model.startsWith("auto")) {
                    autos.add(model);
                }
            }
        }
        for (String model : autos) {
            b.append(auto(result, model));
        }
        return b.toString();
    }

    /** The candidates' weights and state bytes of one {@code auto} model, averaged over its keys. */
    private static String auto(BacktestResult result, String model) {
        Learner learner;
        try {
            learner = Learners.model(model, result.features().size());
        } catch (IllegalArgumentException e) {
            return "";
        }
        double[] weights = null;
        double[] bytes = null;
        double[] task = {0};
        int keys = 0;
        for (Map.Entry<String, byte[]> e : result.finalStates().entrySet()) {
            if (!ModelStore.modelName(e.getKey()).equals(model)) {
                continue;
            }
            ModelState s = learner.newState();
            try {
                StateCodec.decodeInto(learner, e.getValue(), s);
            } catch (StateFormatException ex) {
                continue;
            }
            Map<String, double[]> views = learner.inspect(s);
            double[] w = views.get("auto.weights");
            double[] sb = views.get("auto.stateBytes");
            if (w == null || sb == null) {
                return "";
            }
            if (weights == null) {
                weights = new double[w.length];
                bytes = new double[w.length];
            }
            for (int i = 0; i < w.length; i++) {
                weights[i] += w[i];
                bytes[i] += sb[i];
            }
            task[0] += views.get("auto.task")[0];
            keys++;
        }
        if (keys == 0) {
            return "";
        }
        String spec = learner.spec();
        String[] candidates = spec.substring(spec.indexOf("candidates=") + "candidates=".length()).split("\\|");
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "%s: candidates' weights and state bytes, mean over %d keys (%d mixing 0/1 labels as probabilities):%n",
                model, keys, Math.round(task[0])));
        for (int i = 0; i < weights.length; i++) {
            b.append(String.format(Locale.ROOT, "  %-40s weight %.3f  %,8.0f bytes%n",
                    i < candidates.length ? candidates[i] : "candidate " + i, weights[i] / keys, bytes[i] / keys));
        }
        return b.toString();
    }
}
