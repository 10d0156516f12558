package io.streamlearn.streams.score;

import io.streamlearn.streams.control.ModelControl;
import io.streamlearn.streams.control.ModelControlProcessor;
import io.streamlearn.learn.features.FeatureSpace;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which {@link ScoringStep} scores a key: resolved from the {@code model-control} global store (see
 * {@link ModelControl} for the scopes and their precedence), else the configured models. One step is
 * built per distinct model set and reused; the resolution table is rebuilt only when the control
 * store's change stamp ({@link ModelControlProcessor#VERSION}) moves, so the per-event cost is one
 * store read and a few map lookups. One instance per processor, task thread only.
 */
public final class ModelSets {

    private final FeatureSpace space;
    private final List<String> configured;
    private final ReadOnlyKeyValueStore<String, String> control;
    private final Map<List<String>, ScoringStep> steps = new HashMap<>();
    private final PriorSettings prior;

    private String version;
    private Map<String, List<String>> byKey = Map.of();
    private List<Map.Entry<String, List<String>>> byPrefix = List.of();
    private List<String> fallback;

    /** @param control the control store, or null to run the configured models for every key */
    public ModelSets(FeatureSpace space, List<String> configured, ReadOnlyKeyValueStore<String, String> control) {
        this(space, configured, control, PriorSettings.DEFAULT);
    }

    /** @param prior how the steps start new keys */
    public ModelSets(FeatureSpace space, List<String> configured, ReadOnlyKeyValueStore<String, String> control,
                     PriorSettings prior) {
        this.prior = prior;
        this.space = space;
        this.configured = configured;
        this.control = control;
        this.fallback = configured;
    }

    /** The model SPECs (champion first) that run for {@code key}. */
    public List<String> models(String key) {
        refresh();
        List<String> m = byKey.get(key);
        if (m != null) {
            return m;
        }
        for (Map.Entry<String, List<String>> p : byPrefix) {
            if (key.startsWith(p.getKey())) {
                return p.getValue();
            }
        }
        return fallback;
    }

    /** The step that scores {@code key}. */
    public ScoringStep step(String key) {
        return steps.computeIfAbsent(models(key), m -> new ScoringStep(space, m, prior));
    }

    private void refresh() {
        if (control == null) {
            return;
        }
        String v = control.get(ModelControlProcessor.VERSION);
        if (v == null || v.equals(version)) {
            return;
        }
        Map<String, List<String>> keys = new HashMap<>();
        List<Map.Entry<String, List<String>>> prefixes = new ArrayList<>();
        List<String> dflt = configured;
        try (KeyValueIterator<String, String> it = control.all()) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                if (kv.value == null || !ModelControl.validScope(kv.key)) {
                    continue;
                }
                List<String> specs = List.copyOf(Arrays.asList(kv.value.split("\n")));
                if (kv.key.equals(ModelControl.DEFAULT_SCOPE)) {
                    dflt = specs;
                } else if (kv.key.startsWith(ModelControl.PREFIX)) {
                    prefixes.add(Map.entry(kv.key.substring(ModelControl.PREFIX.length()), specs));
                } else {
                    keys.put(kv.key.substring(ModelControl.KEY.length()), specs);
                }
            }
        }
        prefixes.sort(Comparator.comparingInt((Map.Entry<String, List<String>> e) -> e.getKey().length()).reversed());
        this.byKey = keys;
        this.byPrefix = prefixes;
        this.fallback = dflt;
        this.version = v;
    }
}
