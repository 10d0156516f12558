package io.streamlearn.state.rocksdb;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.TableProperties;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opens real RocksDB databases with the options the setter produces, the way Kafka Streams does. */
class BoundedMemoryRocksDBConfigTest {

    static {
        RocksDB.loadLibrary();
    }

    @TempDir
    Path dir;

    /** One store opened the way RocksDBStore opens it: Kafka's own table config first, then the setter. */
    private final class Store implements AutoCloseable {
        final Options options = new Options().setCreateIfMissing(true);
        final LRUCache kafkaCache = new LRUCache(50L << 20);
        final BloomFilter kafkaFilter = new BloomFilter();
        final BoundedMemoryRocksDBConfig setter = new BoundedMemoryRocksDBConfig();
        final RocksDB db;

        Store(String name, Map<String, Object> configs) throws Exception {
            BlockBasedTableConfig table = new BlockBasedTableConfig();
            table.setBlockCache(kafkaCache);
            table.setFilterPolicy(kafkaFilter);
            options.optimizeFiltersForHits();
            options.setTableFormatConfig(table);
            setter.setConfig(name, options, configs);
            db = RocksDB.open(options, dir.resolve(name).toString());
        }

        @Override
        public void close() {
            // Kafka Streams' order: the setter first, then the database, then its own objects.
            setter.close("store", options);
            db.close();
            options.close();
            kafkaFilter.close();
            kafkaCache.close();
        }
    }

    private final List<Store> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (Store s : open) {
            s.close();
        }
        open.clear();
    }

    private Store store(String name, Map<String, Object> configs) throws Exception {
        Store s = new Store(name, configs);
        open.add(s);
        return s;
    }

    private static Map<String, Object> configs(long total, long memtables, double ratio) {
        Map<String, Object> c = new HashMap<>();
        c.put(BoundedMemoryRocksDBConfig.TOTAL_OFF_HEAP_BYTES_CONFIG, total);
        c.put(BoundedMemoryRocksDBConfig.TOTAL_MEMTABLE_BYTES_CONFIG, Long.toString(memtables)); // strings too
        c.put(BoundedMemoryRocksDBConfig.INDEX_FILTER_BLOCK_RATIO_CONFIG, ratio);
        return c;
    }

    private static byte[] key(int i) {
        return String.format("key-%08d\u0000sgd:lr=0.1", i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i) {
        byte[] v = new byte[301];
        for (int j = 0; j < v.length; j++) {
            v[j] = (byte) ((i * 31 + j * 7) & 0x3f);
        }
        return v;
    }

    @Test
    void shouldApplyTheSharedCacheFiltersAndCompressionToARealDatabase() throws Exception {
        long total = 24L << 20;
        Store s = store("models", configs(total, 6L << 20, 0.2));

        // The options object carries what the setter set.
        BlockBasedTableConfig table = (BlockBasedTableConfig) s.options.tableFormatConfig();
        assertTrue(table.cacheIndexAndFilterBlocks());
        assertTrue(table.cacheIndexAndFilterBlocksWithHighPriority());
        assertTrue(table.pinTopLevelIndexAndFilter());
        assertEquals(IndexType.kTwoLevelIndexSearch, table.indexType());
        assertTrue(table.partitionFilters());
        assertEquals(BoundedMemoryRocksDBConfig.DEFAULT_BLOCK_BYTES, table.blockSize());
        assertTrue(table.filterPolicy() instanceof BloomFilter);
        assertEquals(CompressionType.LZ4_COMPRESSION, s.options.compressionType());
        assertEquals(CompressionType.ZSTD_COMPRESSION, s.options.bottommostCompressionType());
        assertEquals(BoundedMemoryRocksDBConfig.DEFAULT_MEMTABLE_BYTES, s.options.writeBufferSize());
        assertEquals(BoundedMemoryRocksDBConfig.MAX_WRITE_BUFFERS, s.options.maxWriteBufferNumber());
        assertFalse(s.options.optimizeFiltersForHits());

        // The open database sees the shared cache, not Kafka's 50 MB one.
        assertEquals(total, s.db.getLongProperty("rocksdb.block-cache-capacity"));

        int n = 5000;
        for (int i = 0; i < n; i++) {
            s.db.put(key(i), value(i));
        }
        // Memtables are charged to the block cache by the write buffer manager (nothing was read yet).
        long memtables = s.db.getLongProperty("rocksdb.cur-size-all-mem-tables");
        assertTrue(memtables > 0);
        assertTrue(s.db.getLongProperty("rocksdb.block-cache-usage") > 0,
                "the write buffer manager charges memtables to the cache");

        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            s.db.flush(flush);
        }
        Map<String, TableProperties> flushed = s.db.getPropertiesOfAllTables();
        assertFalse(flushed.isEmpty());
        for (TableProperties p : flushed.values()) {
            assertTrue(p.getFilterPolicyName().toLowerCase().contains("bloom"), p.getFilterPolicyName());
            assertTrue(p.getFilterSize() > 0, "a bloom filter was written");
        }

        // A full compaction writes the bottommost level, compressed with ZSTD (so this rocksdbjni has it).
        // (kForce: rewrite the files, where a plain compactRange may just move the one L0 file down).
        try (CompactRangeOptions force = new CompactRangeOptions()
                .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForce)) {
            s.db.compactRange(s.db.getDefaultColumnFamily(), null, null, force);
        }
        Map<String, TableProperties> compacted = s.db.getPropertiesOfAllTables();
        assertFalse(compacted.isEmpty());
        for (TableProperties p : compacted.values()) {
            assertEquals("ZSTD", p.getCompressionName());
            assertTrue(p.getFilterSize() > 0, "the last level keeps its filters");
        }
        for (int i = 0; i < n; i += 97) {
            assertArrayEquals(value(i), s.db.get(key(i)));
        }
        assertEquals(null, s.db.get(key(n + 1)));
    }

    @Test
    void shouldShareOneBudgetBetweenStoresAndFreeItWithTheLastStore() throws Exception {
        Map<String, Object> c = configs(16L << 20, 4L << 20, 0.1);
        BoundedMemoryRocksDBConfig.Budget budget = new BoundedMemoryRocksDBConfig.Budget(16L << 20, 4L << 20, 0.1);
        Store a = store("a", c);
        Store b = store("b", c);
        assertEquals(2, BoundedMemoryRocksDBConfig.openStores(budget));
        assertEquals(16L << 20, b.db.getLongProperty("rocksdb.block-cache-capacity"));

        // Writes into one store use the cache the other one reports: it is one cache.
        for (int i = 0; i < 3000; i++) {
            a.db.put(key(i), value(i));
        }
        assertTrue(b.db.getLongProperty("rocksdb.block-cache-usage") > 0);

        open.remove(a);
        a.close();
        assertEquals(1, BoundedMemoryRocksDBConfig.openStores(budget));
        // The remaining store still works after the first released its reference.
        b.db.put(key(1), value(1));
        assertArrayEquals(value(1), b.db.get(key(1)));
        open.remove(b);
        b.close();
        assertEquals(0, BoundedMemoryRocksDBConfig.openStores(budget));

        // A store opened later gets a fresh budget and works.
        Store later = store("later", c);
        assertEquals(1, BoundedMemoryRocksDBConfig.openStores(budget));
        later.db.put(key(2), value(2));
        assertArrayEquals(value(2), later.db.get(key(2)));
    }

    @Test
    void shouldKeepSeparateBudgetsForDifferentSettings() throws Exception {
        Store a = store("a", configs(16L << 20, 4L << 20, 0.1));
        Store b = store("b", configs(32L << 20, 4L << 20, 0.1));
        assertEquals(16L << 20, a.db.getLongProperty("rocksdb.block-cache-capacity"));
        assertEquals(32L << 20, b.db.getLongProperty("rocksdb.block-cache-capacity"));
    }

    @Test
    void shouldUseTheDocumentedDefaults() throws Exception {
        Store s = store("defaults", Map.of());
        assertEquals(BoundedMemoryRocksDBConfig.DEFAULT_TOTAL_OFF_HEAP_BYTES, s.db.getLongProperty("rocksdb.block-cache-capacity"));
        assertEquals(128L << 20, BoundedMemoryRocksDBConfig.DEFAULT_TOTAL_OFF_HEAP_BYTES);
    }

    @Test
    void shouldRejectInconsistentKnobsWithoutLeakingAReference() {
        BoundedMemoryRocksDBConfig.Budget budget = new BoundedMemoryRocksDBConfig.Budget(8L << 20, 8L << 20, 0.1);
        try (Options options = new Options()) {
            options.setTableFormatConfig(new BlockBasedTableConfig());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BoundedMemoryRocksDBConfig().setConfig("s", options, configs(8L << 20, 8L << 20, 0.1)));
            assertTrue(e.getMessage().contains(BoundedMemoryRocksDBConfig.TOTAL_MEMTABLE_BYTES_CONFIG));
            assertThrows(IllegalArgumentException.class,
                    () -> new BoundedMemoryRocksDBConfig().setConfig("s", options, configs(8L << 20, 1L << 20, 1.0)));
            Map<String, Object> bad = configs(8L << 20, 1L << 20, 0.1);
            bad.put(BoundedMemoryRocksDBConfig.TOTAL_OFF_HEAP_BYTES_CONFIG, "lots");
            e = assertThrows(IllegalArgumentException.class, () -> new BoundedMemoryRocksDBConfig().setConfig("s", options, bad));
            assertTrue(e.getMessage().contains("lots"));
        }
        assertEquals(0, BoundedMemoryRocksDBConfig.openStores(budget));
    }
}
