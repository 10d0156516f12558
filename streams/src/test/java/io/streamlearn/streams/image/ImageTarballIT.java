package io.streamlearn.streams.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image tarball Jib writes with {@code -Pimage} ({@code streams/target/streamlearn-image.tar}, Docker
 * format): its entry point runs the streamlearn command with the heap sized from the container's memory,
 * as a numeric non-root user, and the application's jars, the other modules and its own classes are in
 * layers of their own, above the base image's.
 */
class ImageTarballIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode config;
    /** Layer files, bottom (base image) first: path in the image -> content for small text files, else "". */
    private static final List<Map<String, String>> layers = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        Path tar = Path.of(System.getProperty("image.tarball", "target/streamlearn-image.tar"));
        assertTrue(Files.isRegularFile(tar), tar + " does not exist: build it with -Pimage (jib:buildTar in the package phase)");
        Map<String, byte[]> entries = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.isFile()) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        }
        JsonNode manifest = JSON.readTree(entries.get("manifest.json")).get(0);
        assertNotNull(manifest, "a Docker-format tarball with manifest.json");
        config = JSON.readTree(entries.get(manifest.path("Config").asText()));
        for (JsonNode layer : manifest.path("Layers")) {
            byte[] blob = entries.get(layer.asText());
            assertNotNull(blob, "layer " + layer + " is in the tarball");
            Map<String, String> files = new LinkedHashMap<>();
            try (TarArchiveInputStream l = new TarArchiveInputStream(gunzipIfNeeded(blob))) {
                TarArchiveEntry e;
                while ((e = l.getNextEntry()) != null) {
                    String name = "/" + e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
                    boolean small = e.isFile() && e.getSize() < 64 * 1024 && name.startsWith("/app/jib-");
                    files.put(name, small ? new String(l.readAllBytes(), StandardCharsets.UTF_8) : "");
                }
            }
            layers.add(files);
        }
    }

    private static InputStream gunzipIfNeeded(byte[] blob) throws IOException {
        boolean gzip = blob.length > 2 && (blob[0] & 0xff) == 0x1f && (blob[1] & 0xff) == 0x8b;
        return gzip ? new GZIPInputStream(new ByteArrayInputStream(blob)) : new ByteArrayInputStream(blob);
    }

    private static int layerOf(String path) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).containsKey(path)) {
                return i;
            }
        }
        throw new AssertionError(path + " is in no layer");
    }

    @Test
    void shouldRunTheCommandAsANonRootUserWithTheHeapSizedFromTheContainer() {
        JsonNode c = config.path("config");
        List<String> entrypoint = new ArrayList<>();
        c.path("Entrypoint").forEach(x -> entrypoint.add(x.asText()));
        assertEquals("java", entrypoint.get(0), entrypoint.toString());
        assertTrue(entrypoint.contains("-XX:+ExitOnOutOfMemoryError"), entrypoint.toString());
        assertEquals("io.streamlearn.streams.cli.StreamlearnCommand", entrypoint.get(entrypoint.size() - 1));
        int cp = entrypoint.indexOf("-cp");
        assertTrue(cp > 0, "a class path: " + entrypoint);
        assertEquals(List.of("--help"), List.of(c.path("Cmd").get(0).asText()), "without arguments: the help");

        String user = c.path("User").asText();
        assertTrue(user.matches("\\d+:\\d+"), "a numeric user, which runAsNonRoot can verify: " + user);
        assertFalse(user.startsWith("0:"), "not root");

        String javaOptions = null;
        for (JsonNode e : c.path("Env")) {
            if (e.asText().startsWith("JDK_JAVA_OPTIONS=")) {
                javaOptions = e.asText();
            }
        }
        assertNotNull(javaOptions, "JDK_JAVA_OPTIONS in the image's environment");
        assertTrue(javaOptions.matches("JDK_JAVA_OPTIONS=.*-XX:MaxRAMPercentage=[0-9.]+.*"), javaOptions);
        assertFalse(entrypoint.stream().anyMatch(a -> a.startsWith("-Xmx") || a.startsWith("-XX:MaxRAMPercentage")),
                "the heap is not fixed in the entry point, where a pod's JDK_JAVA_OPTIONS could not change it");
        assertTrue(c.path("ExposedPorts").has("8080/tcp"), "the HTTP port");
        assertEquals("Apache-2.0", c.path("Labels").path("org.opencontainers.image.licenses").asText());
    }

    @Test
    void shouldKeepTheDependenciesInLayersOfTheirOwnBelowTheClasses() {
        int classes = layerOf("/app/classes/io/streamlearn/streams/cli/StreamlearnCommand.class");
        int kafka = layerOf("/app/libs/kafka-streams-4.1.1.jar");
        int modules = layerOf("/app/libs/streamlearn-learn-0.1.0-SNAPSHOT.jar");
        int resources = layerOf("/app/resources/log4j2.xml");
        for (int i = 0; i < kafka; i++) {
            assertFalse(layers.get(i).keySet().stream().anyMatch(f -> f.startsWith("/app/")), "the base image's layers come first");
        }
        assertTrue(kafka < modules && modules < classes && resources < classes,
                "third-party jars, then the other modules, then resources and classes: a code change rebuilds only the top; layers "
                        + kafka + ", " + modules + ", " + resources + ", " + classes);
        for (String f : layers.get(kafka).keySet()) {
            assertFalse(f.startsWith("/app/classes") || f.contains("streamlearn-"), "only third-party jars in their layer: " + f);
        }
        for (String f : layers.get(classes).keySet()) {
            assertFalse(f.startsWith("/app/libs"), "no jar in the classes layer: " + f);
        }
        long jars = layers.get(kafka).keySet().stream().filter(f -> f.endsWith(".jar")).count();
        assertTrue(jars >= 50, "the runtime dependencies (about 66, see NOTICE): " + jars);
        for (String m : List.of("schemas", "learn", "state")) {
            layerOf("/app/libs/streamlearn-" + m + "-0.1.0-SNAPSHOT.jar");
        }
        // the class path the entry point reads lists every jar of the image
        int cpFile = layerOf("/app/jib-classpath-file");
        String classpath = layers.get(cpFile).get("/app/jib-classpath-file").strip();
        for (Map<String, String> layer : layers) {
            for (String f : layer.keySet()) {
                if (f.startsWith("/app/libs/") && f.endsWith(".jar")) {
                    assertTrue(classpath.contains(f), f + " is not on the class path " + classpath);
                }
            }
        }
        layerOf("/app/licenses/LICENSE");
        layerOf("/app/licenses/NOTICE");
    }
}
