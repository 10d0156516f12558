package io.streamlearn.streams.backtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Opens the HTML report in headless Chromium, offline: the charts must be in the rendered DOM with
 * non-empty paths, and the screenshot must show the series' colours. Chromium is required: CI
 * installs the Debian package; without it this test fails rather than skips.
 */
class HtmlReportTest {

    @TempDir
    Path dir;

    private static String chromium() {
        for (String c : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
            if (new File(c).canExecute()) {
                return c;
            }
        }
        fail("headless Chromium is needed to check the HTML report and was not found at /usr/bin/chromium: "
                + "install the Debian package 'chromium' (.ci/run does)");
        return null;
    }

    private String browse(String mode, Path page) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(dir, "profile");
        List<String> cmd = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1000,2200"));
        cmd.add(mode);
        cmd.add(page.toUri().toString());
        Path stdout = dir.resolve("chromium-" + System.nanoTime() + ".out");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 120 s");
        }
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    /** A champion with calibrated intervals draws its 95% interval in the per-key charts. */
    @Test
    void shouldDrawTheChampionsCalibratedIntervalOnItsKeys() throws Exception {
        Path input = BacktestCli.dataset("beijing_air_quality.csv.gz");
        Path report = dir.resolve("report.html");
        BacktestCli run = BacktestCli.run("--input", input.toString(), "--model", "kalman", "--limit", "6000",
                "--report", report.toString());
        assertEquals(0, run.exitCode, run.err);
        String html = Files.readString(report);
        for (String chart : List.of("key-best", "key-worst")) {
            Matcher m = Pattern.compile("<svg id=\"" + chart + "\".*?</svg>", Pattern.DOTALL).matcher(html);
            assertTrue(m.find(), chart);
            List<String> series = new ArrayList<>();
            Matcher p = Pattern.compile("<path class=\"series\" data-series=\"([^\"]*)\"[^>]* d=\"(M[^\"]*)\"").matcher(m.group());
            while (p.find()) {
                assertTrue(p.group(2).split("L").length > 50, chart + " " + p.group(1) + ": a path with few points");
                series.add(p.group(1));
            }
            assertEquals(List.of("actual", "predicted", "lower 95%", "upper 95%"), series, chart);
        }
    }

    @Test
    void shouldRenderTheTableAndEveryChartInHeadlessChromium() throws Exception {
        Path input = BacktestCli.dataset("beijing_air_quality.csv.gz");
        Path report = dir.resolve("report.html");
        BacktestCli run = BacktestCli.run("--input", input.toString(), "--model", "sgd", "--limit", "40000",
                "--report", report.toString());
        assertEquals(0, run.exitCode, run.err);
        String html = Files.readString(report);
        assertFalse(html.contains("http://") && html.replace("http://www.w3.org/2000/svg", "").contains("http://"),
                "the page must not reference the network");
        assertFalse(html.contains("<script"), "no script needed");

        String dom = browse("--dump-dom", report);
        assertTrue(dom.contains("<table id=\"metrics\">"), "metrics table in the rendered DOM");
        for (String model : List.of("sgd", "mean", "last")) {
            assertTrue(dom.contains("<td>" + model + "</td>"), model + " row");
        }
        for (String chart : List.of("rolling-mse", "key-best", "key-worst", "key-histogram")) {
            Matcher m = Pattern.compile("<svg id=\"" + chart + "\".*?</svg>", Pattern.DOTALL).matcher(dom);
            assertTrue(m.find(), chart + " missing from the DOM");
            String svg = m.group();
            if (!chart.equals("key-histogram")) {
                Matcher paths = Pattern.compile("<path class=\"series\"[^>]* d=\"(M[^\"]*)\"").matcher(svg);
                int count = 0;
                while (paths.find()) {
                    assertTrue(paths.group(1).split("L").length > 50, chart + ": a series path with few points");
                    count++;
                }
                assertEquals(chart.equals("rolling-mse") ? 3 : 2, count, chart + " series");
            } else {
                Matcher bars = Pattern.compile("<rect class=\"bar\"[^>]* height=\"([0-9.]+)\"").matcher(svg);
                double tallest = 0;
                while (bars.find()) {
                    tallest = Math.max(tallest, Double.parseDouble(bars.group(1)));
                }
                assertTrue(tallest > 100, "histogram bars drawn");
            }
        }

        Path png = dir.resolve("report.png");
        browse("--screenshot=" + png, report);
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img != null && img.getWidth() >= 900, "screenshot written");
        int blue = 0;
        int red = 0;
        int nonWhite = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                if (rgb != 0xffffff) {
                    nonWhite++;
                }
                if (near(rgb, 0x1f77b4)) {
                    blue++;
                }
                if (near(rgb, 0xd62728)) {
                    red++;
                }
            }
        }
        assertTrue(nonWhite > 50_000, "the screenshot is not blank: " + nonWhite);
        assertTrue(blue > 2_000, "first-series colour drawn: " + blue);
        assertTrue(red > 1_000, "second-series colour drawn: " + red);
    }

    private static boolean near(int rgb, int target) {
        int dr = ((rgb >> 16) & 0xff) - ((target >> 16) & 0xff);
        int dg = ((rgb >> 8) & 0xff) - ((target >> 8) & 0xff);
        int db = (rgb & 0xff) - (target & 0xff);
        return dr * dr + dg * dg + db * db < 40 * 40;
    }
}
