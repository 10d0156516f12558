package io.streamlearn.schemas.wire;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FreshJvmTrustTest {

    @Test
    void shouldDecodeGeneratedClassesInAFreshJvmWithoutAnySystemProperty() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process process = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                FreshJvmAvroProbe.class.getName())
                .redirectErrorStream(true)
                .start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), out);
        List<String> lines = out.lines().filter(l -> l.contains("=")).toList();
        assertEquals(List.of("property=null", "plain-avro=refused", "wirecodec=probe-1,2.5", "plain-avro-after=probe-1"),
                lines, out);
    }
}
