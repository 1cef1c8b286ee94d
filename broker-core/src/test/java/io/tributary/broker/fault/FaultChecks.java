package io.tributary.broker.fault;

import io.tributary.broker.fault.FaultWorkload.Ack;
import io.tributary.broker.fault.OfflineReplicas.Replica;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The end-of-run checks, none of which depends on timing: given what the workload was
 * acknowledged and consumed, and every replica of every partition read offline, each check
 * collects the problems it finds (each naming the partition, node, record, offset and, for a
 * record, the fault during or after which it was acknowledged). The checks:
 * <ol>
 *   <li>{@link #EXACTLY_ONCE}: every node has a replica of every partition; every acknowledged
 *       record is on every replica; no value appears twice in a replica.</li>
 *   <li>{@link #OFFSETS}: every acknowledged record is at the offset the broker acknowledged.</li>
 *   <li>{@link #ORDER}: for two acknowledged records of one producer, the one sent first comes
 *       first in every replica (by first occurrence; a second copy is a duplicate, not a reordering).</li>
 *   <li>{@link #CONVERGED}: all replicas of a partition hold the same records at the same offsets.</li>
 *   <li>{@link #CONSUMED}: every record the consumer read is in every replica at the offset it was
 *       read from, and the consumer never read two different records at one offset.</li>
 * </ol>
 * Stateless apart from its inputs; used once per run.
 */
public final class FaultChecks {
    public static final String EXACTLY_ONCE = "every acknowledged record exactly once on every replica";
    public static final String OFFSETS = "every acknowledged record at the offset acknowledged";
    public static final String ORDER = "no reordering within a producer's sequence";
    public static final String CONVERGED = "replicas converged (identical)";
    public static final String CONSUMED = "the consumer read nothing later lost";
    /** At most this many examples per check and partition; the count is always complete. */
    private static final int EXAMPLES = 8;

    /** A check and what it found; passed when {@code problems} is empty. */
    public record Check(String name, List<String> problems) {
        public boolean passed() {
            return problems.isEmpty();
        }
    }

    private final FaultTimeline timeline;
    private final int nodes;
    private final Map<String, List<String>> problems = new LinkedHashMap<>();

    public FaultChecks(FaultTimeline timeline, int nodes) {
        this.timeline = timeline;
        this.nodes = nodes;
        for (String name : List.of(EXACTLY_ONCE, OFFSETS, ORDER, CONVERGED, CONSUMED)) problems.put(name, new ArrayList<>());
    }

    /**
     * Checks one partition.
     *
     * @param acked    the acknowledged records of this partition
     * @param replicas node id to its replica (a node without one is simply absent)
     * @param consumed what the consumer read, by offset (null where nothing)
     */
    public void checkPartition(int partition, List<Ack> acked, Map<Integer, Replica> replicas, List<String> consumed) {
        for (int id = 1; id <= nodes; id++) {
            if (!replicas.containsKey(id)) problems.get(EXACTLY_ONCE).add("partition " + partition + ": node " + id + " has no replica");
        }
        Map<String, Ack> ackedByValue = new HashMap<>();
        for (Ack a : acked) ackedByValue.put(a.value(), a);
        for (Replica r : new TreeMap<>(replicas).values()) {
            checkExactlyOnce(partition, r, acked);
            checkOffsets(partition, r, acked);
            checkOrder(partition, r, ackedByValue);
        }
        checkConverged(partition, replicas);
        checkConsumed(partition, replicas, consumed);
    }

    private void checkExactlyOnce(int partition, Replica r, List<Ack> acked) {
        Map<String, Long> offsetOf = new HashMap<>();
        int duplicates = 0;
        List<String> examples = new ArrayList<>();
        for (int i = 0; i < r.values().size(); i++) {
            String v = r.values().get(i);
            if (v == null) continue;
            Long first = offsetOf.putIfAbsent(v, r.startOffset() + i);
            if (first != null) {
                duplicates++;
                if (examples.size() < EXAMPLES) examples.add(v + " at offsets " + first + " and " + (r.startOffset() + i));
            }
        }
        if (duplicates > 0) {
            problems.get(EXACTLY_ONCE).add("partition " + partition + ", node " + r.nodeId() + ": " + duplicates
                    + " duplicate records, e.g. " + examples);
        }
        int missing = 0;
        List<String> missingExamples = new ArrayList<>();
        for (Ack a : acked) {
            if (!offsetOf.containsKey(a.value())) {
                missing++;
                if (missingExamples.size() < EXAMPLES) missingExamples.add(describe(a));
            }
        }
        if (missing > 0) {
            problems.get(EXACTLY_ONCE).add("partition " + partition + ", node " + r.nodeId() + ": " + missing + " of "
                    + acked.size() + " acknowledged records missing (log offsets " + r.startOffset() + " to "
                    + r.endOffset() + "), e.g. " + missingExamples);
        }
    }

    private void checkOffsets(int partition, Replica r, List<Ack> acked) {
        int moved = 0;
        List<String> examples = new ArrayList<>();
        for (Ack a : acked) {
            if (a.offset() < 0) continue;
            String there = r.at(a.offset());
            if (!a.value().equals(there)) {
                moved++;
                if (examples.size() < EXAMPLES) examples.add(describe(a) + " but the log holds " + there + " there");
            }
        }
        if (moved > 0) {
            problems.get(OFFSETS).add("partition " + partition + ", node " + r.nodeId() + ": " + moved
                    + " acknowledged records not at their acknowledged offset, e.g. " + examples);
        }
    }

    private void checkOrder(int partition, Replica r, Map<String, Ack> ackedByValue) {
        Map<Integer, Ack> lastOfProducer = new HashMap<>();
        Map<Integer, Long> lastOffset = new HashMap<>();
        int reordered = 0;
        List<String> examples = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < r.values().size(); i++) {
            Ack a = ackedByValue.get(r.values().get(i));
            // A second copy of a record is a duplicate (EXACTLY_ONCE), not a reordering.
            if (a == null || !seen.add(a.value())) continue;
            long offset = r.startOffset() + i;
            Ack before = lastOfProducer.get(a.producer());
            if (before != null && before.sequence() > a.sequence()) {
                reordered++;
                if (examples.size() < EXAMPLES) {
                    examples.add(before.value() + " (offset " + lastOffset.get(a.producer()) + ") before " + a.value()
                            + " (offset " + offset + "; " + timeline.context(a.ackNanos()) + ")");
                }
            }
            if (before == null || before.sequence() < a.sequence()) {
                lastOfProducer.put(a.producer(), a);
                lastOffset.put(a.producer(), offset);
            }
        }
        if (reordered > 0) {
            problems.get(ORDER).add("partition " + partition + ", node " + r.nodeId() + ": " + reordered
                    + " acknowledged records after a later one of the same producer, e.g. " + examples);
        }
    }

    private void checkConverged(int partition, Map<Integer, Replica> replicas) {
        Replica reference = null;
        for (Replica r : new TreeMap<>(replicas).values()) {
            if (reference == null) {
                reference = r;
                continue;
            }
            if (reference.startOffset() == r.startOffset() && reference.values().equals(r.values())) continue;
            long from = Math.max(reference.startOffset(), r.startOffset());
            long to = Math.max(reference.endOffset(), r.endOffset());
            long first = -1;
            for (long o = from; o < to && first < 0; o++) {
                if (!java.util.Objects.equals(reference.at(o), r.at(o))) first = o;
            }
            problems.get(CONVERGED).add("partition " + partition + ": node " + r.nodeId() + " (offsets " + r.startOffset()
                    + " to " + r.endOffset() + ") differs from node " + reference.nodeId() + " (offsets "
                    + reference.startOffset() + " to " + reference.endOffset() + ")"
                    + (first < 0 ? " in its start offset" : ", first at offset " + first + ": " + window(r, first)
                    + " vs " + window(reference, first)));
        }
    }

    private static String window(Replica r, long offset) {
        List<String> out = new ArrayList<>();
        for (long o = offset; o < offset + 3; o++) out.add(r.at(o));
        return "node " + r.nodeId() + " " + out;
    }

    private void checkConsumed(int partition, Map<Integer, Replica> replicas, List<String> consumed) {
        for (Replica r : new TreeMap<>(replicas).values()) {
            int lost = 0;
            List<String> examples = new ArrayList<>();
            for (int offset = 0; offset < consumed.size(); offset++) {
                String v = consumed.get(offset);
                if (v == null || v.equals(r.at(offset))) continue;
                lost++;
                if (examples.size() < EXAMPLES) examples.add(v + " read at offset " + offset + ", log holds " + r.at(offset));
            }
            if (lost > 0) {
                problems.get(CONSUMED).add("partition " + partition + ", node " + r.nodeId() + ": " + lost
                        + " consumed records not in the log where they were read, e.g. " + examples);
            }
        }
    }

    /** Problems the consumer saw while running (two different records read at one offset). */
    public void addConsumerConflicts(List<String> conflicts) {
        if (conflicts.isEmpty()) return;
        problems.get(CONSUMED).add(conflicts.size() + " offsets read twice with different records, e.g. "
                + conflicts.subList(0, Math.min(EXAMPLES, conflicts.size())));
    }

    private String describe(Ack a) {
        return a.value() + " (acknowledged at offset " + a.offset() + ", " + timeline.context(a.ackNanos()) + ")";
    }

    public List<Check> results() {
        List<Check> out = new ArrayList<>();
        problems.forEach((name, list) -> out.add(new Check(name, List.copyOf(list))));
        return out;
    }
}
