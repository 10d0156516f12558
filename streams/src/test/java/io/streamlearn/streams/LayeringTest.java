package io.streamlearn.streams;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layering of the modules and of the {@code streams} packages, checked on the compiled main classes
 * (ArchUnit): a class that imports against it fails this test, naming the class and the dependency. The
 * package table below is the one in {@code streams/README.md}; change both together.
 */
class LayeringTest {

    private static final String STREAMS = "io.streamlearn.streams";

    /**
     * Each package of {@code streams} and the other {@code streams} packages it may use. The route of an
     * event first (decode, map, score, labels, publish), then what sits beside it, then what runs it.
     */
    static final Map<String, Set<String>> ALLOWED = new LinkedHashMap<>();

    static {
        ALLOWED.put("metrics", Set.of());
        ALLOWED.put("decode", Set.of("metrics"));
        ALLOWED.put("map", Set.of());
        ALLOWED.put("labels", Set.of());
        ALLOWED.put("publish", Set.of("metrics"));
        ALLOWED.put("control", Set.of("metrics", "publish"));
        ALLOWED.put("score", Set.of("control"));
        ALLOWED.put("housekeeping", Set.of("control", "labels", "metrics", "score"));   // score: a forgotten key leaves the population prior
        ALLOWED.put("topology", Set.of("decode", "map", "score", "labels", "publish", "control", "housekeeping", "metrics"));
        ALLOWED.put("backtest", Set.of("decode", "map", "score"));
        ALLOWED.put("migration", Set.of());
        ALLOWED.put("broker", Set.of());
        ALLOWED.put("app", Set.of("topology", "decode", "map", "score", "labels", "publish", "control", "housekeeping", "metrics"));
        ALLOWED.put("http", Set.of("app", "score", "control", "metrics"));
        ALLOWED.put("demo", Set.of("app", "broker"));
        ALLOWED.put("cli", Set.copyOf(ALLOWED.keySet()));
        // the exactly-once audit runs `streamlearn backtest` itself; nothing of the application uses it
        ALLOWED.put("chaos", Set.of("cli", "migration", "demo"));
    }

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.streamlearn");
    }

    @Test
    void shouldKnowEveryPackageOfStreams() {
        List<String> unknown = new ArrayList<>();
        main.stream().map(c -> c.getPackageName()).filter(p -> p.startsWith(STREAMS + "."))
                .map(p -> p.substring(STREAMS.length() + 1).split("\\.")[0]).distinct()
                .filter(p -> !ALLOWED.containsKey(p)).forEach(unknown::add);
        assertEquals(List.of(), unknown, "packages of streams missing from the layering table (and the README map)");
    }

    @Test
    void shouldKeepEachStreamsPackageToThePackagesItMayUse() {
        for (Map.Entry<String, Set<String>> e : ALLOWED.entrySet()) {
            List<String> forbidden = new ArrayList<>();
            for (String other : ALLOWED.keySet()) {
                if (!other.equals(e.getKey()) && !e.getValue().contains(other)) {
                    forbidden.add(STREAMS + "." + other + "..");
                }
            }
            if (forbidden.isEmpty()) {
                continue;
            }
            noClasses().that().resideInAPackage(STREAMS + "." + e.getKey() + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                    .because("streams/README.md: " + e.getKey() + " may use only " + e.getValue())
                    .check(main);
        }
    }

    @Test
    void shouldKeepLearnOnTheJdk() {
        classes().that().resideInAPackage("io.streamlearn.learn..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("io.streamlearn.learn..", "java..")
                .because("learn uses only the JDK: it sees primitive arrays and feature vectors, never bytes or topics")
                .check(main);
    }

    /**
     * Inside learn: the contract ({@code io.streamlearn.learn}) knows no family, the families
     * ({@code sgd}, {@code kalman}, {@code memory}, {@code drift}, ...) know only the contract, and the
     * registry ({@code registry.Learners}) alone knows them all. The deprecated {@code learn.Learners}
     * forwards to the registry.
     */
    @Test
    void shouldKeepLearnFamiliesApartAndTheRegistryOnTop() {
        String learn = "io.streamlearn.learn";
        noClasses().that().resideInAPackage(learn).and().doNotHaveFullyQualifiedName(learn + ".Learners")
                .should().dependOnClassesThat().resideInAPackage(learn + ".(*)..")
                .because("the contract must not point down at the families or the registry")
                .check(main);
        List<String> families = main.stream().map(c -> c.getPackageName()).filter(p -> p.startsWith(learn + "."))
                .map(p -> p.substring(learn.length() + 1).split("\\.")[0]).distinct()
                .filter(p -> !p.equals("registry")).sorted().toList();
        assertTrue(families.containsAll(List.of("sgd", "kalman", "memory", "drift")), families.toString());
        for (String family : families) {
            List<String> others = new ArrayList<>();
            for (String other : families) {
                if (!other.equals(family)) {
                    others.add(learn + "." + other + "..");
                }
            }
            others.add(learn + ".registry..");
            noClasses().that().resideInAPackage(learn + "." + family + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(others.toArray(String[]::new))
                    .because("a learner family knows only the contract (io.streamlearn.learn), not its siblings")
                    .check(main);
        }
    }

    @Test
    void shouldKeepTheModulesInTheirOrder() {
        noClasses().that().resideInAPackage("io.streamlearn.schemas..")
                .should().dependOnClassesThat().resideInAnyPackage("io.streamlearn.learn..", "io.streamlearn.state..",
                        "io.streamlearn.streams..")
                .because("schemas depends only on Avro (and Jackson for JSON)")
                .check(main);
        noClasses().that().resideInAPackage("io.streamlearn.state..")
                .should().dependOnClassesThat().resideInAnyPackage("io.streamlearn.schemas..", "io.streamlearn.streams..")
                .because("state depends on learn and RocksDB only")
                .check(main);
        noClasses().that().resideOutsideOfPackage("io.streamlearn.streams..")
                .should().dependOnClassesThat().resideInAPackage("io.streamlearn.streams..")
                .because("nothing depends on streams")
                .check(main);
    }
}
