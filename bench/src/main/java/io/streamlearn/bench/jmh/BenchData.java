package io.streamlearn.bench.jmh;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Pre-generated inputs, so that benchmarks measure the code under test and not the generator: a ring of
 * feature vectors {@code x ~ N(0, 1)} and labels {@code y = w·x + 0.1 e} for one fixed {@code w}
 * (a learnable stream, so that learners stay in their normal numeric range).
 */
final class BenchData {

    /** Ring length; a power of two so the index is a mask. */
    static final int RING = 1 << 12;

    final double[][] xs;
    final double[] ys;

    BenchData(int dimension, long seed) {
        Random random = new Random(seed);
        double[] w = new double[dimension];
        for (int i = 0; i < dimension; i++) {
            w[i] = random.nextGaussian() / Math.sqrt(Math.max(1, dimension));
        }
        xs = new double[RING][dimension];
        ys = new double[RING];
        for (int n = 0; n < RING; n++) {
            double y = 0;
            for (int i = 0; i < dimension; i++) {
                xs[n][i] = random.nextGaussian();
                y += w[i] * xs[n][i];
            }
            ys[n] = y + 0.1 * random.nextGaussian();
        }
    }

    /** Feature names {@code f0 .. f(d-1)}. */
    static List<String> names(int dimension) {
        List<String> names = new ArrayList<>(dimension);
        for (int i = 0; i < dimension; i++) {
            names.add("f" + i);
        }
        return names;
    }

    /** The ring's vectors as named-feature maps (as the wire codecs produce them). */
    List<Map<String, Double>> featureMaps() {
        List<Map<String, Double>> maps = new ArrayList<>(RING);
        for (double[] x : xs) {
            Map<String, Double> m = new HashMap<>();
            for (int i = 0; i < x.length; i++) {
                m.put("f" + i, x[i]);
            }
            maps.add(m);
        }
        return maps;
    }
}
