package io.streamlearn.streams.decode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fuzz runner: tries, replay of a failing try from its printed seed, tallies; and its generators' ranges. */
class FuzzTest {

    @AfterEach
    void clear() {
        System.clearProperty(Fuzz.TRIES_PROPERTY);
        System.clearProperty(Fuzz.SEED_PROPERTY);
    }

    @Test
    void runsTheConfiguredTriesEachWithItsOwnSeedAndTalliesOutcomes() {
        System.setProperty(Fuzz.TRIES_PROPERTY, "50");
        List<Long> draws = new ArrayList<>();
        Map<String, Map<String, Integer>> tally = Fuzz.run("counting", gen -> {
            long v = gen.between(0L, Long.MAX_VALUE - 1);
            draws.add(v);
            Fuzz.collect("parity", v % 2 == 0 ? "even" : "odd");
        });
        assertEquals(50, draws.size());
        assertEquals(50, draws.stream().distinct().count(), "each try draws from its own seed");
        assertEquals(50, tally.get("parity").values().stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void aFailingTryNamesItsSeedAndThatSeedAloneReplaysIt() {
        System.setProperty(Fuzz.TRIES_PROPERTY, "1000");
        List<String> seen = new ArrayList<>();
        AssertionError failure = assertThrows(AssertionError.class, () -> Fuzz.run("fails on a rare text", gen -> {
            String s = gen.text(1, 3);
            seen.add(s);
            assertFalse(s.length() == 3 && s.charAt(0) < 0x20, "rare");
        }));
        Matcher m = Pattern.compile("with seed (-?\\d+) \\(replay it alone: -Dfuzz.seed=(-?\\d+) -Dfuzz.tries=1\\)")
                .matcher(failure.getMessage());
        assertTrue(m.find(), failure.getMessage());
        assertEquals(m.group(1), m.group(2));
        String failing = seen.get(seen.size() - 1);

        System.setProperty(Fuzz.TRIES_PROPERTY, "1");
        System.setProperty(Fuzz.SEED_PROPERTY, m.group(1));
        List<String> replay = new ArrayList<>();
        assertThrows(AssertionError.class, () -> Fuzz.run("replay", gen -> {
            String s = gen.text(1, 3);
            replay.add(s);
            assertFalse(s.length() == 3 && s.charAt(0) < 0x20, "rare");
        }));
        assertEquals(List.of(failing), replay, "the printed seed regenerates the failing input");
    }

    @Test
    void aFixedBaseSeedRepeatsTheRun() {
        System.setProperty(Fuzz.TRIES_PROPERTY, "20");
        System.setProperty(Fuzz.SEED_PROPERTY, "12345");
        List<Double> first = new ArrayList<>();
        List<Double> second = new ArrayList<>();
        Fuzz.run("first", gen -> first.add(gen.value()));
        Fuzz.run("second", gen -> second.add(gen.value()));
        assertEquals(first, second);
        System.setProperty(Fuzz.SEED_PROPERTY, "12346");
        List<Double> other = new ArrayList<>();
        Fuzz.run("other", gen -> other.add(gen.value()));
        assertNotEquals(first, other);
    }

    @Test
    void generatorsStayInTheirRanges() {
        FuzzGen gen = new FuzzGen(new SplittableRandom(7));
        boolean sawSubnormal = false;
        boolean sawHuge = false;
        for (int i = 0; i < 20_000; i++) {
            String s = gen.text(1, 12);
            assertTrue(s.length() >= 1 && s.length() <= 12);
            for (int c = 0; c < s.length(); c++) {
                char ch = s.charAt(c);
                assertNotEquals('\u0000', ch, "no NUL");
                assertFalse(Character.isSurrogate(ch), "no lone surrogate");
            }
            double v = gen.value();
            assertTrue(Double.isFinite(v));
            sawSubnormal |= v == Double.MIN_VALUE;
            sawHuge |= Math.abs(v) > 1e100;
            long t = gen.between(0L, 10L);
            assertTrue(t >= 0 && t <= 10);
        }
        assertTrue(sawSubnormal && sawHuge, "the edges are drawn");
    }
}
