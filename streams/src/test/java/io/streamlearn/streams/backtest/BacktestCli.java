package io.streamlearn.streams.backtest;

import io.streamlearn.streams.cli.BacktestCommand;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs {@code streamlearn backtest} in-process and reads its files back, for the tests. */
final class BacktestCli {
    final int exitCode;
    final String out;
    final String err;

    private BacktestCli(int exitCode, String out, String err) {
        this.exitCode = exitCode;
        this.out = out;
        this.err = err;
    }

    static BacktestCli run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8);
        int code = new CommandLine(new BacktestCommand(po, pe)).execute(args);
        return new BacktestCli(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** A file of the repository's {@code datasets/} folder. */
    static Path dataset(String name) {
        return io.streamlearn.streams.RepositoryFiles.dataset(name);
    }

    /** The printed table: model name -> column name -> value (NaN for "-"). */
    Map<String, Map<String, Double>> table() {
        Map<String, Map<String, Double>> t = new HashMap<>();
        String[] lines = out.split("\n");
        int header = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("model ")) {
                header = i;
            }
        }
        if (header < 0) {
            throw new AssertionError("no table in output:\n" + out + "\nstderr:\n" + err);
        }
        String[] cols = lines[header].trim().split("\\s+");
        for (int i = header + 1; i < lines.length; i++) {
            String[] cells = lines[i].trim().split("\\s+");
            Map<String, Double> row = new HashMap<>();
            for (int c = 1; c < cols.length; c++) {
                row.put(cols[c], cells[c].equals("-") ? Double.NaN : Double.parseDouble(cells[c]));
            }
            t.put(cells[0], row);
        }
        return t;
    }

    /** One row of an --output file; the interval bounds NaN when empty or absent. */
    record OutRow(String key, long ts, String model, double prediction, double stddev,
                  double lower80, double upper80, double lower95, double upper95) {
        OutRow(String key, long ts, String model, double prediction, double stddev) {
            this(key, ts, model, prediction, stddev, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
    }

    static List<OutRow> readOutput(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        boolean intervals = lines.get(0).equals("key,ts,model,prediction,stddev,lower80,upper80,lower95,upper95");
        if (!intervals && !lines.get(0).equals("key,ts,model,prediction,stddev")) {
            throw new AssertionError("bad output header " + lines.get(0));
        }
        List<OutRow> rows = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",", -1);
            if (f.length != (intervals ? 9 : 5)) {
                throw new AssertionError("bad output row " + l);
            }
            rows.add(new OutRow(f[0], Long.parseLong(f[1]), f[2], Double.parseDouble(f[3]), cell(f[4]),
                    intervals ? cell(f[5]) : Double.NaN, intervals ? cell(f[6]) : Double.NaN,
                    intervals ? cell(f[7]) : Double.NaN, intervals ? cell(f[8]) : Double.NaN));
        }
        return rows;
    }

    private static double cell(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    /** One data row of an input CSV, parsed here independently of the product's reader. */
    record InRow(String key, String ts, double label, Map<String, Double> features) {
    }

    static List<InRow> readInput(Path file, int limit) throws IOException {
        List<InRow> rows = new ArrayList<>();
        try (var r = file.toString().endsWith(".gz")
                ? new java.io.BufferedReader(new java.io.InputStreamReader(new java.util.zip.GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))
                : Files.newBufferedReader(file)) {
            String[] header = r.readLine().split(",", -1);
            String l;
            while ((l = r.readLine()) != null && rows.size() < limit) {
                String[] f = l.split(",", -1);
                Map<String, Double> x = new HashMap<>();
                for (int i = 3; i < f.length; i++) {
                    if (!f[i].isEmpty()) {
                        x.put(header[i], Double.valueOf(f[i]));
                    }
                }
                rows.add(new InRow(f[0], f[1], f[2].isEmpty() ? Double.NaN : Double.parseDouble(f[2]), x));
            }
        }
        return rows;
    }
}
