package io.streamlearn.streams.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;

/**
 * {@code backtest --input -}: standard input copied to a temporary file named by its content (Avro
 * container, JSON lines or CSV, gzipped or not), since the JSON and Avro readers take two passes.
 */
final class StandardInput {
    private StandardInput() {
    }

    static Path toFile(InputStream in) throws IOException {
        Path tmp = Files.createTempFile("streamlearn-stdin-", ".part");
        try {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            byte[] head;
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(tmp))) {
                head = raw.readNBytes(64);
            }
            boolean gzip = head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
            if (gzip) {
                try (InputStream g = new GZIPInputStream(Files.newInputStream(tmp))) {
                    head = g.readNBytes(64);
                }
            }
            String ext = format(head) + (gzip ? ".gz" : "");
            Path named = Files.createTempFile("streamlearn-stdin-", ext);
            Files.move(tmp, named, StandardCopyOption.REPLACE_EXISTING);
            return named;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** ".avro" for an Avro object container ("Obj" 1), ".jsonl" when the first non-blank byte is '{', else ".csv". */
    static String format(byte[] head) {
        if (head.length >= 4 && head[0] == 'O' && head[1] == 'b' && head[2] == 'j' && head[3] == 1) {
            return ".avro";
        }
        try (InputStream s = new ByteArrayInputStream(head)) {
            int c;
            while ((c = s.read()) == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xEF || c == 0xBB || c == 0xBF) {
                // skip whitespace and a UTF-8 byte order mark
            }
            return c == '{' ? ".jsonl" : ".csv";
        } catch (IOException e) {
            return ".csv";
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temporary file; the OS cleans it eventually
        }
    }
}
