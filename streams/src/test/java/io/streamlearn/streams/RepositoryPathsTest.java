package io.streamlearn.streams;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user's clone has nothing beside it: no source file, script, manifest or README may refer to a path
 * outside the repository. Scans the READMEs, every module's {@code src/}, {@code deploy/}, {@code .ci/}
 * and the {@code streamlearn} script for relative paths that climb out of the repository from every
 * directory they could be read from (the file's own, its module's, the root), for the development
 * machine's sibling folder, and for absolute paths into the workspace.
 */
class RepositoryPathsTest {

    /** Written in two pieces so that this file does not match itself. */
    private static final String SIBLING = ".." + "/shared";
    private static final Pattern CLIMB = Pattern.compile("(?<![.\\w])(?:\\.\\./)+[A-Za-z0-9_.-]*");
    private static final Pattern WORKSPACE = Pattern.compile("(?<![A-Za-z0-9_.])/work/[A-Za-z]");
    private static final Set<String> TEXT = Set.of("java", "md", "properties", "xml", "yaml", "yml", "json",
            "avsc", "sh", "txt", "html", "css", "js", "tsv", "csv", "conf", "");

    @Test
    void shouldFindNoPathOutsideTheRepository() throws IOException {
        Path root = RepositoryFiles.root();
        List<String> violations = new ArrayList<>();
        for (Path file : scanned(root)) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (MalformedInputException binary) {
                continue;
            }
            Path module = moduleDir(root, file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                String where = root.relativize(file) + ":" + (i + 1) + ": ";
                if (line.contains(SIBLING)) {
                    violations.add(where + "refers to the sibling folder " + SIBLING);
                    continue;
                }
                if (WORKSPACE.matcher(line).find()) {
                    violations.add(where + "absolute path into the workspace");
                }
                Matcher m = CLIMB.matcher(line);
                while (m.find()) {
                    String rel = m.group();
                    if (outside(root, file.getParent(), rel) && outside(root, module, rel) && outside(root, root, rel)) {
                        violations.add(where + "'" + rel + "' leaves the repository");
                    }
                }
            }
        }
        assertEquals(List.of(), violations, "paths outside the repository");
    }

    @Test
    void shouldScanTheReadmeAndEveryModuleSources() throws IOException {
        Path root = RepositoryFiles.root();
        List<Path> files = scanned(root);
        assertTrue(files.contains(root.resolve("README.md")));
        assertTrue(files.contains(root.resolve("streams/src/test/java/io/streamlearn/streams/RepositoryPathsTest.java")));
        assertTrue(files.stream().anyMatch(f -> f.startsWith(root.resolve("learn/src/main"))));
        assertTrue(outside(root, root.resolve("streams"), "../../x"), "a climb past the root is outside");
        assertTrue(!outside(root, root.resolve("streams"), "../datasets"), "a climb to the root's folder is inside");
    }

    private static boolean outside(Path root, Path base, String rel) {
        return !base.resolve(rel).normalize().startsWith(root);
    }

    private static Path moduleDir(Path root, Path file) {
        Path rel = root.relativize(file);
        return rel.getNameCount() > 1 ? root.resolve(rel.getName(0)) : root;
    }

    private static List<Path> scanned(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root)) {
            all.filter(Files::isRegularFile)
                    .filter(f -> {
                        Path rel = root.relativize(f);
                        String first = rel.getName(0).toString();
                        if (Set.of(".git", "target", "datasets", "node_modules").contains(first)
                                || rel.toString().contains("/target/")) {
                            return false;
                        }
                        String name = f.getFileName().toString();
                        boolean readme = name.equals("README.md");
                        boolean inSrc = rel.toString().contains("/src/");
                        boolean other = first.equals("deploy") || first.equals(".ci") || rel.toString().equals("streamlearn");
                        return (readme || inSrc || other) && TEXT.contains(extension(name));
                    })
                    .forEach(out::add);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return out;
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1);
    }
}
