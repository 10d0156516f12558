package io.streamlearn.state.rocksdb;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.CompressionType;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A Kafka Streams {@link RocksDBConfigSetter} that bounds the off-heap memory of all the RocksDB stores
 * of an application instance together, as the Kafka Streams guide ("Memory management", "RocksDB")
 * describes: one LRU block cache shared by every store, a {@link WriteBufferManager} that charges every
 * memtable to that same cache, and index and filter blocks kept in the cache (with high priority)
 * instead of on the heap of each table reader. Without it each store keeps its own 50 MB cache and up to
 * three 16 MB memtables, so off-heap memory grows with the number of partitions.
 *
 * <p>It also sets bloom filters (point lookups of unseen keys skip the files), LZ4 compression, ZSTD on
 * the bottommost level (where most bytes live), and partitioned index and filter blocks.
 *
 * <h2>Knobs (streams properties; a number or a numeric string)</h2>
 * <table>
 *   <caption>configuration</caption>
 *   <tr><th>property</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@value #TOTAL_OFF_HEAP_BYTES_CONFIG}</td><td>128 MiB</td>
 *       <td>capacity of the shared block cache: data, index and filter blocks and (through the write
 *       buffer manager) memtables of all stores. The bound is soft: RocksDB may exceed it briefly
 *       rather than fail a read (the cache's strict limit is off, as Kafka recommends).</td></tr>
 *   <tr><td>{@value #TOTAL_MEMTABLE_BYTES_CONFIG}</td><td>32 MiB</td>
 *       <td>memtables of all stores together, charged to the cache; past it the largest memtable is
 *       flushed. Must be less than the total.</td></tr>
 *   <tr><td>{@value #INDEX_FILTER_BLOCK_RATIO_CONFIG}</td><td>0.1</td>
 *       <td>share of the cache reserved as the high-priority pool for index and filter blocks,
 *       in [0, 1).</td></tr>
 *   <tr><td>{@value #MEMTABLE_BYTES_CONFIG}</td><td>8 MiB</td>
 *       <td>size of one memtable of one store (RocksDB's {@code write_buffer_size}); each store keeps
 *       at most {@value #MAX_WRITE_BUFFERS} of them.</td></tr>
 *   <tr><td>{@value #BLOCK_BYTES_CONFIG}</td><td>4 KiB</td>
 *       <td>data block size: smaller favours point lookups, larger favours compression and smaller
 *       indexes.</td></tr>
 *   <tr><td>{@value #BLOOM_BITS_PER_KEY_CONFIG}</td><td>10</td>
 *       <td>bloom filter bits per key (about 1% false positives).</td></tr>
 * </table>
 *
 * <h2>Sharing and lifetime</h2>
 * Kafka Streams creates one instance of this class per store and calls {@link #setConfig} and
 * {@link #close} on it. The cache and the write buffer manager are shared, per distinct setting of the
 * three memory knobs, by every store in the JVM (an application instance normally is one JVM; two
 * {@code KafkaStreams} in one JVM with the same settings share one budget). They are reference
 * counted: the first store to open creates them, the last to close frees them, and a store that opens
 * later creates a fresh pair. They are not a never-closed static (the Kafka guide's example) because
 * tests and the CLI start and stop applications in one JVM, and because the budget comes from the
 * streams properties, which a static initialiser cannot see. Thread-safe.
 *
 * <pre>{@code
 * Properties props = new Properties();
 * props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDBConfig.class);
 * props.put(BoundedMemoryRocksDBConfig.TOTAL_OFF_HEAP_BYTES_CONFIG, 256L << 20);
 * props.put(BoundedMemoryRocksDBConfig.TOTAL_MEMTABLE_BYTES_CONFIG, 64L << 20);
 * }</pre>
 */
public final class BoundedMemoryRocksDBConfig implements RocksDBConfigSetter {

    /** Capacity of the shared block cache in bytes; see the class comment. */
    public static final String TOTAL_OFF_HEAP_BYTES_CONFIG = "streamlearn.rocksdb.total.off.heap.bytes";
    /** Bytes of memtables of all stores, charged to the cache. */
    public static final String TOTAL_MEMTABLE_BYTES_CONFIG = "streamlearn.rocksdb.total.memtable.bytes";
    /** Share of the cache kept for index and filter blocks (high-priority pool). */
    public static final String INDEX_FILTER_BLOCK_RATIO_CONFIG = "streamlearn.rocksdb.index.filter.block.ratio";
    /** Size of one memtable of one store. */
    public static final String MEMTABLE_BYTES_CONFIG = "streamlearn.rocksdb.memtable.bytes";
    /** Data block size in bytes. */
    public static final String BLOCK_BYTES_CONFIG = "streamlearn.rocksdb.block.bytes";
    /** Bloom filter bits per key. */
    public static final String BLOOM_BITS_PER_KEY_CONFIG = "streamlearn.rocksdb.bloom.bits.per.key";

    public static final long DEFAULT_TOTAL_OFF_HEAP_BYTES = 128L << 20;
    public static final long DEFAULT_TOTAL_MEMTABLE_BYTES = 32L << 20;
    public static final double DEFAULT_INDEX_FILTER_BLOCK_RATIO = 0.1;
    public static final long DEFAULT_MEMTABLE_BYTES = 8L << 20;
    public static final long DEFAULT_BLOCK_BYTES = 4L << 10;
    public static final double DEFAULT_BLOOM_BITS_PER_KEY = 10.0;
    /** Memtables per store: one being written, one being flushed. */
    public static final int MAX_WRITE_BUFFERS = 2;

    /** The memory knobs that identify one shared budget. */
    record Budget(long totalBytes, long memtableBytes, double indexFilterRatio) {
    }

    /** A shared cache and write buffer manager, with the number of open stores using them. */
    static final class Shared {
        final Cache cache;
        final WriteBufferManager writeBufferManager;
        int stores;

        Shared(Budget budget) {
            // numShardBits -1: RocksDB picks; strictCapacityLimit false: exceed briefly rather than fail
            // reads with "Insufficient capacity" (Kafka guide); high-priority pool for index/filters.
            this.cache = new LRUCache(budget.totalBytes(), -1, false, budget.indexFilterRatio());
            this.writeBufferManager = new WriteBufferManager(budget.memtableBytes(), cache);
        }
    }

    private static final Map<Budget, Shared> SHARED = new HashMap<>();

    private Budget budget;
    private Shared shared;
    private BloomFilter filter;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        if (shared != null) {
            throw new IllegalStateException("store '" + storeName + "' configured twice by one config setter");
        }
        long total = longConfig(configs, TOTAL_OFF_HEAP_BYTES_CONFIG, DEFAULT_TOTAL_OFF_HEAP_BYTES);
        long memtables = longConfig(configs, TOTAL_MEMTABLE_BYTES_CONFIG, DEFAULT_TOTAL_MEMTABLE_BYTES);
        double ratio = doubleConfig(configs, INDEX_FILTER_BLOCK_RATIO_CONFIG, DEFAULT_INDEX_FILTER_BLOCK_RATIO);
        long memtable = longConfig(configs, MEMTABLE_BYTES_CONFIG, DEFAULT_MEMTABLE_BYTES);
        long block = longConfig(configs, BLOCK_BYTES_CONFIG, DEFAULT_BLOCK_BYTES);
        double bloomBits = doubleConfig(configs, BLOOM_BITS_PER_KEY_CONFIG, DEFAULT_BLOOM_BITS_PER_KEY);
        if (total <= 0 || memtables <= 0 || memtables >= total) {
            throw new IllegalArgumentException(TOTAL_MEMTABLE_BYTES_CONFIG + " (" + memtables + ") must be positive and less than "
                    + TOTAL_OFF_HEAP_BYTES_CONFIG + " (" + total + ")");
        }
        if (!(ratio >= 0.0 && ratio < 1.0)) {
            throw new IllegalArgumentException(INDEX_FILTER_BLOCK_RATIO_CONFIG + " must be in [0, 1), got " + ratio);
        }
        if (memtable <= 0 || block <= 0 || !(bloomBits > 0)) {
            throw new IllegalArgumentException(MEMTABLE_BYTES_CONFIG + ", " + BLOCK_BYTES_CONFIG + " and "
                    + BLOOM_BITS_PER_KEY_CONFIG + " must be positive");
        }

        Budget b = new Budget(total, memtables, ratio);
        Shared s = acquire(b);
        // From here on, a failure must give the reference back.
        try {
            // Kafka Streams installed its own BlockBasedTableConfig (with its own cache and filter, which
            // it closes itself); modify that object, as the RocksDBConfigSetter Javadoc asks.
            BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
            table.setBlockCache(s.cache);
            table.setCacheIndexAndFilterBlocks(true);
            table.setCacheIndexAndFilterBlocksWithHighPriority(true);
            table.setPinTopLevelIndexAndFilter(true);
            table.setIndexType(IndexType.kTwoLevelIndexSearch);
            table.setPartitionFilters(true);
            table.setBlockSize(block);
            BloomFilter f = new BloomFilter(bloomBits);
            table.setFilterPolicy(f);
            options.setWriteBufferManager(s.writeBufferManager);
            options.setWriteBufferSize(memtable);
            options.setMaxWriteBufferNumber(MAX_WRITE_BUFFERS);
            options.setCompressionType(CompressionType.LZ4_COMPRESSION);
            // rocksdbjni bundles zstd (checked by BoundedMemoryRocksDBConfigTest with a compaction).
            options.setBottommostCompressionType(CompressionType.ZSTD_COMPRESSION);
            // Kafka turns this on, which drops filters on the last level; every key's first event is a
            // lookup miss, so keep them (about 10 bits per key).
            options.setOptimizeFiltersForHits(false);
            options.setTableFormatConfig(table);
            this.filter = f;
            this.budget = b;
            this.shared = s;
        } catch (RuntimeException e) {
            release(b, s);
            throw e;
        }
    }

    /**
     * Frees what this store's setter owns. Order: first the bloom filter, which only this store uses;
     * then this store's reference to the shared cache and write buffer manager, and, if it was the last
     * store, their Java handles: the write buffer manager before the cache it charges to.
     *
     * <p>Kafka Streams calls this before it closes the database. That is safe: each Java handle owns one
     * native {@code shared_ptr}, and the open database and its table factory hold their own, so the
     * native objects live until the database is closed; only the Java handles go now.
     */
    @Override
    public void close(String storeName, Options options) {
        if (filter != null) {
            filter.close();
            filter = null;
        }
        if (shared != null) {
            release(budget, shared);
            shared = null;
            budget = null;
        }
    }

    private static synchronized Shared acquire(Budget b) {
        Shared s = SHARED.computeIfAbsent(b, Shared::new);
        s.stores++;
        return s;
    }

    private static synchronized void release(Budget b, Shared s) {
        if (--s.stores == 0) {
            SHARED.remove(b, s);
            s.writeBufferManager.close();
            s.cache.close();
        }
    }

    /** Stores using the shared budget of these settings (0 when none is open). For tests and metrics. */
    static synchronized int openStores(Budget b) {
        Shared s = SHARED.get(b);
        return s == null ? 0 : s.stores;
    }

    /** Number of distinct shared budgets alive in this JVM. */
    public static synchronized int sharedBudgets() {
        return SHARED.size();
    }

    private static long longConfig(Map<String, Object> configs, String name, long fallback) {
        Object v = configs.get(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number of bytes, got '" + v + "'");
        }
    }

    private static double doubleConfig(Map<String, Object> configs, String name, double fallback) {
        Object v = configs.get(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + v + "'");
        }
    }

    @Override
    public String toString() {
        return "BoundedMemoryRocksDBConfig" + Objects.requireNonNullElse(budget, "(not configured)");
    }
}
