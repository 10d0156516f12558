package io.streamlearn.schemas.mapping;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One field path of a {@link FieldMapping}: its role, the feature name it contributes and its children. The
 * nodes of configured paths are built once; under {@code *}, under a listed feature object and under the
 * default {@code features} map, children are added as records show them, up to a budget shared by the
 * mapping. The feature-name strings (the path, and {@code path=value} for text) are therefore made once and
 * shared by every record; past the budget they are made per record (correct, only slower). Thread-safe.
 */
final class PathNode {

    enum Role { NONE, KEY, TIMESTAMP, LABEL, ID, FEATURE }

    /** Budgets shared by the nodes of one mapping. */
    static final class Budget {
        final int maxNodes;
        final int maxIndicators;
        final AtomicInteger nodes = new AtomicInteger();
        final AtomicInteger indicators = new AtomicInteger();

        Budget(int maxNodes, int maxIndicators) {
            this.maxNodes = maxNodes;
            this.maxIndicators = maxIndicators;
        }
    }

    /** The feature name of a scalar here: the dot path (relative to the default features map inside it). */
    final String name;
    /** The absolute dot path, for messages. */
    final String path;
    private final Budget budget;
    private final ConcurrentHashMap<String, PathNode> children = new ConcurrentHashMap<>(4);
    private final ConcurrentHashMap<String, String> indicators = new ConcurrentHashMap<>(4);
    Role role = Role.NONE;
    /** Scalars at and under this node are features (unless they have another role). */
    boolean features;
    /** The default {@code features} map: its children are named by their own names. */
    boolean map;
    /** Under the default features map: the strings "NaN", "Infinity", "+Infinity", "-Infinity" are numbers. */
    boolean numericWords;
    /** A listed feature path (an array here is {@code bad-feature}). */
    boolean listed;

    PathNode(String name, String path, Budget budget) {
        this.name = name;
        this.path = path;
        this.budget = budget;
    }

    static PathNode root(Budget budget) {
        return new PathNode("", "", budget);
    }

    boolean hasChildren() {
        return !children.isEmpty();
    }

    Iterable<PathNode> configuredChildren() {
        return children.values();
    }

    /** The configured child, created when absent (for building the mapping only). */
    PathNode configure(String segment) {
        PathNode c = children.get(segment);
        if (c == null) {
            c = newChild(segment);
            children.put(segment, c);
        }
        return c;
    }

    /**
     * The child named {@code segment}, or null when neither configured nor in a feature scope (then the
     * value is skipped).
     */
    PathNode child(String segment) {
        PathNode c = children.get(segment);
        if (c != null || !features) {
            return c;
        }
        c = newChild(segment);
        if (budget.nodes.get() < budget.maxNodes) {
            PathNode previous = children.putIfAbsent(segment, c);
            if (previous != null) {
                return previous;
            }
            budget.nodes.incrementAndGet();
        }
        return c;
    }

    private PathNode newChild(String segment) {
        String childName = map || name.isEmpty() ? segment : name + "." + segment;
        String childPath = path.isEmpty() ? segment : path + "." + segment;
        PathNode c = new PathNode(childName, childPath, budget);
        c.features = features;
        c.numericWords = map || numericWords;
        return c;
    }

    /** The indicator feature of a text value here: {@code name=value}, shared while the budget lasts. */
    String indicator(String value) {
        String s = indicators.get(value);
        if (s != null) {
            return s;
        }
        s = name + "=" + value;
        if (budget.indicators.get() < budget.maxIndicators) {
            String previous = indicators.putIfAbsent(value, s);
            if (previous != null) {
                return previous;
            }
            budget.indicators.incrementAndGet();
        }
        return s;
    }

    @Override
    public String toString() {
        return path + (role == Role.NONE ? "" : "(" + role + ")");
    }
}
