package io.streamlearn.learn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed model SPEC. Grammar:
 * <pre>
 *   spec   := stage ('+' stage)*            stages before the last are memories feeding the last (the readout)
 *   stage  := name (':' param (',' param)*)?
 *   param  := key '=' value
 * </pre>
 * Examples: {@code sgd}, {@code sgd:lr=0.05,step=adam}, {@code kalman:q=1e-4,r=auto},
 * {@code lags:p=24+kalman}, {@code ema:tau=1h/1d+sgd}, {@code lags:p=24,split=dlinear+ssm:n=16+rls},
 * {@code drift:detector=adwin+kalman}. Which names may stand where (memories, the drift guard just
 * before the readout, the readout last) is decided by {@link Learners#create(ModelSpec, int)}; list
 * values inside a parameter use {@code '/'} ({@code tau=60s/1h/1d}). A {@code '+'} inside a number
 * ({@code 1e+3}) is not a stage separator.
 */
public final class ModelSpec {

    /** One stage: a name and its parameters in the order given. */
    public static final class Stage {
        private final String name;
        private final Map<String, String> params;

        Stage(String name, Map<String, String> params) {
            this.name = name;
            this.params = Collections.unmodifiableMap(params);
        }

        public String name() {
            return name;
        }

        public Map<String, String> params() {
            return params;
        }

        /** Typed access that remembers which keys were read, so unknown keys can be refused. */
        public Params reader() {
            return new Params(name, params);
        }

        @Override
        public String toString() {
            if (params.isEmpty()) {
                return name;
            }
            StringBuilder b = new StringBuilder(name).append(':');
            boolean first = true;
            for (Map.Entry<String, String> e : params.entrySet()) {
                if (!first) {
                    b.append(',');
                }
                b.append(e.getKey()).append('=').append(e.getValue());
                first = false;
            }
            return b.toString();
        }
    }

    private final List<Stage> stages;

    private ModelSpec(List<Stage> stages) {
        this.stages = Collections.unmodifiableList(stages);
    }

    public List<Stage> stages() {
        return stages;
    }

    /** The last stage: the learner that predicts. */
    public Stage readout() {
        return stages.get(stages.size() - 1);
    }

    /**
     * Parses a SPEC.
     *
     * @throws IllegalArgumentException with a message naming the offending part
     */
    public static ModelSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty model spec");
        }
        List<Stage> stages = new ArrayList<>();
        String trimmed = text.trim();
        if (trimmed.toLowerCase(java.util.Locale.ROOT).startsWith("auto:")) {
            // auto:candidates=SPEC|SPEC|...: the candidates are whole SPECs, with '+', ':' and ','
            String rest = trimmed.substring(5).trim();
            if (!rest.startsWith("candidates=") || rest.length() == "candidates=".length()) {
                throw new IllegalArgumentException("bad spec '" + text + "': auto takes one parameter, "
                        + "candidates=SPEC|SPEC|...");
            }
            Map<String, String> params = new LinkedHashMap<>();
            params.put("candidates", rest.substring("candidates=".length()).trim());
            stages.add(new Stage("auto", params));
            return new ModelSpec(stages);
        }
        for (String part : trimmed.split("\\+(?=[A-Za-z_])")) {
            String s = part.trim();
            int colon = s.indexOf(':');
            String name = (colon < 0 ? s : s.substring(0, colon)).trim().toLowerCase(java.util.Locale.ROOT);
            if (!name.matches("[a-z_][a-z0-9_-]*")) {
                throw new IllegalArgumentException("bad model name '" + name + "' in spec '" + text + "'");
            }
            Map<String, String> params = new LinkedHashMap<>();
            if (colon >= 0) {
                String rest = s.substring(colon + 1).trim();
                if (!rest.isEmpty()) {
                    for (String kv : rest.split(",")) {
                        int eq = kv.indexOf('=');
                        if (eq <= 0 || eq == kv.length() - 1) {
                            throw new IllegalArgumentException("bad parameter '" + kv + "' in spec '" + text
                                    + "': expected key=value");
                        }
                        String key = kv.substring(0, eq).trim();
                        if (params.put(key, kv.substring(eq + 1).trim()) != null) {
                            throw new IllegalArgumentException("parameter '" + key + "' given twice in '" + text + "'");
                        }
                    }
                }
            }
            stages.add(new Stage(name, params));
        }
        return new ModelSpec(stages);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Stage s : stages) {
            if (b.length() > 0) {
                b.append('+');
            }
            b.append(s);
        }
        return b.toString();
    }

    /** Typed reading of one stage's parameters. */
    public static final class Params {
        private final String stage;
        private final Map<String, String> values;
        private final Set<String> read = new java.util.HashSet<>();

        Params(String stage, Map<String, String> values) {
            this.stage = stage;
            this.values = values;
        }

        public boolean has(String key) {
            read.add(key);
            return values.containsKey(key);
        }

        public String string(String key, String dflt) {
            read.add(key);
            String v = values.get(key);
            return v == null ? dflt : v;
        }

        public String choice(String key, String dflt, String... allowed) {
            String v = string(key, dflt).toLowerCase(java.util.Locale.ROOT);
            for (String a : allowed) {
                if (a.equals(v)) {
                    return v;
                }
            }
            throw new IllegalArgumentException(stage + ": " + key + "=" + v + " is not one of " + String.join("|", allowed));
        }

        public double number(String key, double dflt) {
            String v = string(key, null);
            if (v == null) {
                return dflt;
            }
            try {
                double d = Double.parseDouble(v);
                if (!Double.isFinite(d)) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(stage + ": " + key + "=" + v + " is not a finite number");
            }
        }

        public double positive(String key, double dflt) {
            double d = number(key, dflt);
            if (!(d > 0)) {
                throw new IllegalArgumentException(stage + ": " + key + " must be > 0, got " + d);
            }
            return d;
        }

        public double nonNegative(String key, double dflt) {
            double d = number(key, dflt);
            if (!(d >= 0)) {
                throw new IllegalArgumentException(stage + ": " + key + " must be >= 0, got " + d);
            }
            return d;
        }

        public int integer(String key, int dflt, int min, int max) {
            String v = string(key, null);
            if (v == null) {
                return dflt;
            }
            try {
                int i = Integer.parseInt(v);
                if (i < min || i > max) {
                    throw new IllegalArgumentException(stage + ": " + key + " must be in [" + min + ", " + max + "], got " + i);
                }
                return i;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(stage + ": " + key + "=" + v + " is not an integer");
            }
        }

        public boolean bool(String key, boolean dflt) {
            String v = string(key, null);
            if (v == null) {
                return dflt;
            }
            if (v.equalsIgnoreCase("true")) {
                return true;
            }
            if (v.equalsIgnoreCase("false")) {
                return false;
            }
            throw new IllegalArgumentException(stage + ": " + key + "=" + v + " is not true or false");
        }

        /** Refuses any parameter that no getter asked for. Call after reading every parameter. */
        public void requireAllRead() {
            for (String k : values.keySet()) {
                if (!read.contains(k)) {
                    throw new IllegalArgumentException(stage + ": unknown parameter '" + k + "' (known: "
                            + String.join(", ", new java.util.TreeSet<>(read)) + ")");
                }
            }
        }
    }
}
