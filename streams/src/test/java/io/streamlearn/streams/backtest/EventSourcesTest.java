package io.streamlearn.streams.backtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamlearn.schemas.Event;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same events as CSV, JSON lines and Avro give byte-identical backtest output. */
class EventSourcesTest {

    @TempDir
    Path dir;

    private static final String FEATURES = "PM10,SO2,NO2,CO,O3,TEMP,PRES,DEWP,RAIN,WSPM,wd_sin,wd_cos";

    @Test
    void shouldGiveTheSameOutputFromCsvJsonLinesAndAvro() throws IOException {
        Path csv = BacktestCli.dataset("beijing_air_quality.csv.gz");
        int n = 6_000;
        List<BacktestCli.InRow> rows = BacktestCli.readInput(csv, n);
        Path json = dir.resolve("events.jsonl");
        Path avro = dir.resolve("events.avro");
        ObjectMapper mapper = new ObjectMapper();
        try (BufferedWriter w = Files.newBufferedWriter(json);
             DataFileWriter<Event> a = new DataFileWriter<>(new SpecificDatumWriter<>(Event.class))) {
            a.create(Event.getClassSchema(), avro.toFile());
            int i = 0;
            for (BacktestCli.InRow r : rows) {
                long ts = Instant.parse(r.ts()).toEpochMilli();
                ObjectNode o = mapper.createObjectNode();
                o.put("id", "e" + i);
                o.put("key", r.key());
                // alternate epoch millis and ISO text for ts
                if (i % 2 == 0) {
                    o.put("ts", ts);
                } else {
                    o.put("ts", r.ts());
                }
                ObjectNode f = o.putObject("features");
                new TreeMap<>(r.features()).forEach(f::put);
                if (Double.isNaN(r.label())) {
                    o.putNull("label");
                } else {
                    o.put("label", r.label());
                }
                w.write(mapper.writeValueAsString(o));
                w.write('\n');
                a.append(Event.newBuilder().setId("e" + i).setKey(r.key()).setTs(ts).setFeatures(new java.util.HashMap<>(r.features()))
                        .setLabel(Double.isNaN(r.label()) ? null : r.label()).build());
                i++;
            }
        }
        byte[][] outs = new byte[3][];
        Path[] inputs = {csv, json, avro};
        for (int k = 0; k < 3; k++) {
            Path out = dir.resolve("out" + k + ".csv");
            BacktestCli run = BacktestCli.run("--input", inputs[k].toString(), "--model", "sgd", "--features", FEATURES,
                    "--limit", Integer.toString(n), "--output", out.toString());
            assertEquals(0, run.exitCode, run.err);
            outs[k] = Files.readAllBytes(out);
        }
        assertTrue(outs[0].length > 1000);
        assertArrayEquals(outs[0], outs[1], "JSON lines output equals CSV output");
        assertArrayEquals(outs[0], outs[2], "Avro output equals CSV output");

        // without --features, JSON and Avro use the sorted union of names
        for (Path p : new Path[] {json, avro}) {
            BacktestCli run = BacktestCli.run("--input", p.toString(), "--model", "sgd");
            assertEquals(0, run.exitCode, run.err);
            assertTrue(run.out.contains("12 keys, 12 features"), run.out);
        }
    }

    @Test
    void shouldReportBadJsonLinesByLineNumber() throws IOException {
        Path json = dir.resolve("bad.jsonl");
        Files.writeString(json, String.join("\n",
                "{\"key\":\"a\",\"ts\":1,\"features\":{\"x\":1.0},\"label\":2.0}",
                "{not json",
                "{\"key\":\"a\",\"ts\":2,\"features\":{\"x\":\"high\"},\"label\":2.0}",
                "{\"ts\":3,\"features\":{\"x\":1.0}}",
                "{\"key\":\"a\",\"ts\":4,\"features\":{\"x\":1.0}}", ""));
        BacktestCli run = BacktestCli.run("--input", json.toString(), "--model", "sgd");
        assertEquals(0, run.exitCode, run.err);
        assertTrue(run.err.contains("line 2: malformed-json"), run.err);
        assertTrue(run.err.contains("line 3: wrong-type"), run.err);
        assertTrue(run.err.contains("line 4: missing-field"), run.err);
        assertTrue(run.out.contains("rows 5: 2 scored (1 labelled, 1 predict only), 3 bad"), run.out);
    }

    @Test
    void shouldReadTextColumnsAsIndicatorFeaturesSharingTheirNames() throws Exception {
        Path csv = dir.resolve("text.csv");
        Files.writeString(csv, String.join("\n",
                "key,ts,label,amount,country,code",
                "a,1000,1,2.5,FR,7",
                "a,2000,0,,DE,x9",
                "b,3000,,1,FR,y1",
                "b,4000,1,3,\"IT, south\",8",
                ""));
        try (CsvEventSource in = CsvEventSource.open(csv, null)) {
            // country: all words; code: two words of four cells (at least half), so text; amount: numbers
            assertEquals(List.of("amount", "country=*", "code=*"), in.featureNames());
            BacktestEvent e = new BacktestEvent();
            assertTrue(in.next(e));
            assertEquals(java.util.Map.of("amount", 2.5, "country=FR", 1.0, "code=7", 1.0), e.features);
            String first = e.features.keySet().stream().filter(k -> k.startsWith("country")).findFirst().orElseThrow();
            assertTrue(in.next(e));
            assertEquals(java.util.Map.of("country=DE", 1.0, "code=x9", 1.0), e.features, "an empty cell is missing");
            assertTrue(in.next(e));
            String again = e.features.keySet().stream().filter(k -> k.startsWith("country")).findFirst().orElseThrow();
            assertEquals("country=FR", again);
            assertTrue(first == again, "the same value gives the same shared name string");
            assertTrue(in.next(e));
            assertEquals(1.0, e.features.get("country=IT, south"));
        }
        try (CsvEventSource in = CsvEventSource.open(csv, List.of("country=*", "amount"))) {
            assertEquals(List.of("country=*", "amount"), in.featureNames());
            BacktestEvent e = new BacktestEvent();
            assertTrue(in.next(e));
            assertEquals(java.util.Map.of("amount", 2.5, "country=FR", 1.0), e.features);
        }
    }
}
