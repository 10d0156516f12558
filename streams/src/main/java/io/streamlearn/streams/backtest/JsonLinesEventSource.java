package io.streamlearn.streams.backtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * Reads JSON lines, one {@code Event} per line, as the {@code events} topic carries them in JSON:
 * <pre>{@code {"id":"e1","key":"dev-1","ts":1700000000000,"features":{"temp":21.5},"label":3.0}}</pre>
 * {@code ts} may also be an ISO-8601 string; {@code label} may be absent, null, a number, or Avro's
 * JSON union form {@code {"double":3.0}}; a feature whose value is null is missing. Without an explicit
 * feature list the features are the sorted union of every name in the file (one extra pass).
 * {@code .gz} accepted. Parsed with Jackson here; the project's wire codec may take this over.
 */
public final class JsonLinesEventSource implements EventSource {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final BufferedReader reader;
    private final CountingInputStream counting;
    private final long size;
    private final List<String> featureNames;
    private final java.util.Set<String> selected;
    private long line;

    private JsonLinesEventSource(Path file, List<String> features) throws IOException {
        InputStream raw = Files.newInputStream(file);
        this.counting = new CountingInputStream(raw);
        InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(counting, 1 << 16) : counting;
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        this.size = Files.size(file);
        this.featureNames = List.copyOf(features);
        this.selected = new java.util.HashSet<>(features);
    }

    /**
     * @param features the features to use, in order; null for the sorted union of all names in the file
     */
    public static JsonLinesEventSource open(Path file, List<String> features) throws IOException {
        return new JsonLinesEventSource(file, features != null ? features : unionOfNames(file));
    }

    private static List<String> unionOfNames(Path file) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (JsonLinesEventSource pass = new JsonLinesEventSource(file, List.of())) {
            String text;
            while ((text = pass.reader.readLine()) != null) {
                if (text.isBlank()) {
                    continue;
                }
                try {
                    JsonNode f = MAPPER.readTree(text).get("features");
                    if (f != null && f.isObject()) {
                        f.fieldNames().forEachRemaining(names::add);
                    }
                } catch (JsonProcessingException e) {
                    // reported as a bad row by the real pass
                }
            }
        }
        return List.copyOf(names);
    }

    @Override
    public List<String> featureNames() {
        return featureNames;
    }

    @Override
    public boolean next(BacktestEvent into) throws IOException, BadRowException {
        String text;
        do {
            text = reader.readLine();
            line++;
            if (text == null) {
                return false;
            }
        } while (text.isBlank());
        JsonNode n;
        try {
            n = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadRowException(line, "not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new BadRowException(line, "not a JSON object");
        }
        JsonNode key = n.get("key");
        if (key == null || !key.isTextual() || key.asText().isEmpty()) {
            throw new BadRowException(line, "missing or empty key");
        }
        JsonNode ts = n.get("ts");
        long time;
        if (ts != null && ts.isIntegralNumber() && ts.canConvertToLong()) {
            time = ts.longValue();
        } else if (ts != null && ts.isTextual()) {
            try {
                time = Timestamps.parse(ts.asText());
            } catch (IllegalArgumentException e) {
                throw new BadRowException(line, e.getMessage());
            }
        } else {
            throw new BadRowException(line, "missing or bad ts");
        }
        JsonNode l = n.get("label");
        if (l != null && l.isObject() && l.has("double")) {
            l = l.get("double");
        }
        double label;
        if (l == null || l.isNull()) {
            label = Double.NaN;
        } else if (l.isNumber()) {
            label = finite(l.doubleValue(), "label");
        } else {
            throw new BadRowException(line, "label is not a number: " + l);
        }
        into.features.clear();
        JsonNode f = n.get("features");
        if (f != null && !f.isNull()) {
            if (!f.isObject()) {
                throw new BadRowException(line, "features is not an object");
            }
            Iterator<Map.Entry<String, JsonNode>> it = f.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.isNull()) {
                    continue;
                }
                if (!v.isNumber()) {
                    throw new BadRowException(line, "unparseable number " + v + " for " + e.getKey());
                }
                if (selected.contains(e.getKey())) {
                    into.features.put(e.getKey(), finite(v.doubleValue(), e.getKey()));
                }
            }
        }
        into.key = key.asText();
        into.time = time;
        into.label = label;
        into.line = line;
        return true;
    }

    private double finite(double v, String what) throws BadRowException {
        if (!Double.isFinite(v)) {
            throw new BadRowException(line, "non-finite " + what);
        }
        return v;
    }

    @Override
    public long position() {
        return counting.count();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
