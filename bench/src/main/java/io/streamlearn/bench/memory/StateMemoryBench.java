package io.streamlearn.bench.memory;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.state.ModelStore;
import io.streamlearn.state.StateCodec;
import io.streamlearn.state.rocksdb.BoundedMemoryRocksDBConfig;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Resident memory of many per-key models in RocksDB: {@code keys} sgd states spread over {@code stores}
 * RocksDB instances (as a Kafka Streams instance has one store per partition it owns), opened the way
 * Kafka Streams' {@code RocksDBStore} opens them (its defaults: 50 MB cache and 3 x 16 MB memtables per
 * store, universal compaction, no compression, no WAL), then, in {@code bounded} mode, passed through
 * {@link BoundedMemoryRocksDBConfig}. Loads every key, then reads, learns and writes back
 * {@code updates} random keys, and prints VmRSS (from {@code /proc/self/status}) and RocksDB's own
 * memory figures after each phase.
 *
 * <pre>{@code
 * java -Xmx512m -cp ... io.streamlearn.bench.memory.StateMemoryBench bounded 5000000 8 1000000 /tmp/statebench
 * }</pre>
 */
public final class StateMemoryBench {

    private StateMemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "bounded";
        long keys = args.length > 1 ? Long.parseLong(args[1]) : 5_000_000L;
        int stores = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        long updates = args.length > 3 ? Long.parseLong(args[3]) : 1_000_000L;
        Path dir = Path.of(args.length > 4 ? args[4] : "/tmp/streamlearn-state-bench");
        if (!mode.equals("bounded") && !mode.equals("default")) {
            throw new IllegalArgumentException("mode is bounded or default");
        }
        deleteRecursively(dir);
        Files.createDirectories(dir);
        RocksDB.loadLibrary();
        System.out.printf("mode=%s keys=%d stores=%d updates=%d rss_start=%d MiB%n", mode, keys, stores, updates, rssKiB() >> 10);

        Map<String, Object> configs = new HashMap<>();
        List<Options> options = new ArrayList<>();
        List<BoundedMemoryRocksDBConfig> setters = new ArrayList<>();
        List<AutoCloseable> kafkaOwned = new ArrayList<>();
        List<RocksDB> dbs = new ArrayList<>();
        for (int i = 0; i < stores; i++) {
            Options o = kafkaDefaults(kafkaOwned);
            if (mode.equals("bounded")) {
                BoundedMemoryRocksDBConfig setter = new BoundedMemoryRocksDBConfig();
                setter.setConfig("models-" + i, o, configs);
                setters.add(setter);
            }
            options.add(o);
            dbs.add(RocksDB.open(o, dir.resolve("models-" + i).toString()));
        }

        String spec = "sgd:step=adagrad,lr=0.1"; // 301-byte states at d=16 (the default normalized step: 461)
        Learner learner = Learners.create(spec, 16);
        ModelState state = learner.newState();
        double[] x = new double[16];
        SplittableRandom random = new SplittableRandom(42);
        long valueBytes = 0;
        long keyBytes = 0;
        long t0 = System.nanoTime();
        try (WriteOptions w = new WriteOptions().setDisableWAL(true)) {
            for (long k = 0; k < keys; k++) {
                String entity = "user-" + k;
                state.copyFrom(learner.newState());
                for (int j = 0; j < 16; j++) {
                    x[j] = random.nextDouble(-1, 1);
                }
                learner.learn(state, x, 1000L, random.nextDouble(-5, 5));
                byte[] key = ModelStore.storeKey(entity, spec).getBytes(StandardCharsets.UTF_8);
                byte[] value = StateCodec.encode(learner, state);
                keyBytes += key.length;
                valueBytes += value.length;
                dbs.get(Math.floorMod(entity.hashCode(), stores)).put(w, key, value);
                if ((k + 1) % 1_000_000 == 0) {
                    System.out.printf("  loaded %d keys, %.1f s, rss=%d MiB%n", k + 1, (System.nanoTime() - t0) / 1e9, rssKiB() >> 10);
                }
            }
            report("after load", dbs, dir);
            long t1 = System.nanoTime();
            for (long u = 0; u < updates; u++) {
                String entity = "user-" + random.nextLong(keys);
                byte[] key = ModelStore.storeKey(entity, spec).getBytes(StandardCharsets.UTF_8);
                RocksDB db = dbs.get(Math.floorMod(entity.hashCode(), stores));
                byte[] value = db.get(key);
                StateCodec.decodeInto(learner, value, state);
                for (int j = 0; j < 16; j++) {
                    x[j] = random.nextDouble(-1, 1);
                }
                learner.learn(state, x, 2000L, random.nextDouble(-5, 5));
                db.put(w, key, StateCodec.encode(learner, state));
            }
            System.out.printf("  %d get-learn-put in %.1f s%n", updates, (System.nanoTime() - t1) / 1e9);
            report("after updates", dbs, dir);
        }
        System.out.printf("logical data: %d keys, %.1f key B + %.1f value B per key%n", keys, (double) keyBytes / keys, (double) valueBytes / keys);

        for (int i = 0; i < stores; i++) {
            if (!setters.isEmpty()) {
                setters.get(i).close("models-" + i, options.get(i));
            }
            dbs.get(i).close();
            options.get(i).close();
        }
        for (AutoCloseable c : kafkaOwned) {
            c.close();
        }
        deleteRecursively(dir);
    }

    /** The options Kafka Streams 4.1's RocksDBStore sets before it calls a config setter. */
    private static Options kafkaDefaults(List<AutoCloseable> owned) {
        Options o = new Options().setCreateIfMissing(true).setErrorIfExists(false);
        LRUCache cache = new LRUCache(50L << 20);
        BloomFilter filter = new BloomFilter();
        owned.add(cache);
        owned.add(filter);
        BlockBasedTableConfig table = new BlockBasedTableConfig();
        table.setBlockCache(cache);
        table.setBlockSize(4096L);
        table.setFilterPolicy(filter);
        o.optimizeFiltersForHits();
        o.setTableFormatConfig(table);
        o.setWriteBufferSize(16L << 20);
        o.setMaxWriteBufferNumber(3);
        o.setCompactionStyle(CompactionStyle.UNIVERSAL);
        o.setCompressionType(CompressionType.NO_COMPRESSION);
        o.setIncreaseParallelism(Math.max(Runtime.getRuntime().availableProcessors(), 2));
        return o;
    }

    private static void report(String phase, List<RocksDB> dbs, Path dir) throws RocksDBException, IOException {
        long memtables = 0;
        long readers = 0;
        long cacheUsage = 0;
        long pinned = 0;
        for (RocksDB db : dbs) {
            memtables += db.getLongProperty("rocksdb.cur-size-all-mem-tables");
            readers += db.getLongProperty("rocksdb.estimate-table-readers-mem");
            cacheUsage = Math.max(cacheUsage, db.getLongProperty("rocksdb.block-cache-usage"));
            pinned = Math.max(pinned, db.getLongProperty("rocksdb.block-cache-pinned-usage"));
        }
        long cacheSum = 0;
        for (RocksDB db : dbs) {
            cacheSum += db.getLongProperty("rocksdb.block-cache-usage");
        }
        Runtime rt = Runtime.getRuntime();
        System.out.printf("%s: VmRSS=%d MiB heap_committed=%d MiB memtables=%d MiB table_readers=%d MiB"
                        + " block_cache_usage(max per store)=%d MiB (sum over stores, double-counts a shared cache)=%d MiB pinned=%d MiB sst=%d MiB%n",
                phase, rssKiB() >> 10, rt.totalMemory() >> 20, memtables >> 20, readers >> 20,
                cacheUsage >> 20, cacheSum >> 20, pinned >> 20, sstBytes(dir) >> 20);
    }

    private static long sstBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".sst")).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** Resident set size of this process in KiB, from /proc/self/status (Linux). */
    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
