package io.streamlearn.streams.backtest;

import java.util.Arrays;

/**
 * Entity keys by their characters: the same {@code String} for every row of a key, found without
 * making a string (open addressing, linear probing, {@link String#hashCode()} of the characters). Holds at
 * most {@link #MAX_KEYS} keys; past that, a key not held is made afresh per row (still correct).
 */
final class KeyTable {
    static final int MAX_KEYS = 1 << 20;
    private String[] table = new String[1024];
    private int[] hashes = new int[1024];
    private int size;

    String get(char[] chars, int from, int count) {
        int h = 0;
        for (int i = from, end = from + count; i < end; i++) {
            h = 31 * h + chars[i];
        }
        int mask = table.length - 1;
        int slot = mix(h) & mask;
        while (true) {
            String s = table[slot];
            if (s == null) {
                break;
            }
            if (hashes[slot] == h && equal(s, chars, from, count)) {
                return s;
            }
            slot = (slot + 1) & mask;
        }
        String key = new String(chars, from, count);
        if (size < MAX_KEYS) {
            table[slot] = key;
            hashes[slot] = h;
            if (++size * 2 > table.length) {
                grow();
            }
        }
        return key;
    }

    private static int mix(int h) {
        return h ^ (h >>> 16) ^ (h >>> 7);
    }

    private static boolean equal(String s, char[] chars, int from, int count) {
        if (s.length() != count) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            if (s.charAt(i) != chars[from + i]) {
                return false;
            }
        }
        return true;
    }

    private void grow() {
        String[] old = table;
        int[] oldHashes = hashes;
        table = new String[old.length * 2];
        hashes = new int[old.length * 2];
        int mask = table.length - 1;
        for (int i = 0; i < old.length; i++) {
            if (old[i] != null) {
                int slot = mix(oldHashes[i]) & mask;
                while (table[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                table[slot] = old[i];
                hashes[slot] = oldHashes[i];
            }
        }
        Arrays.fill(old, null);
    }
}
